"""Shared machinery of the fake LLM providers: an aiohttp server on port 0, scripted replies, failure injection.

The provider-specific modules (``fake_anthropic``, ``fake_openai``) only speak their wire format; everything a
test controls lives here, so the two fakes are scripted the same way:

* Python API: ``fake.fail_next(2, 529)``, ``fake.set_latency(0.2)``, ``fake.script_replies("hi")``, ``fake.requests``.
* Admin endpoint for tests in other processes: ``POST {url}/_fake/control`` with a JSON body such as
  ``{"fail_next": {"count": 2, "status": 529, "retry_after": 0.1}, "latency": 0.2, "replies": ["hi"]}``,
  ``GET {url}/_fake/control`` for the state and the number of requests seen, ``POST {url}/_fake/reset``.
* Per-request control headers (the SDKs pass them with ``extra_headers``): ``x-fake-fail-status: 429``,
  ``x-fake-retry-after: 0.5``, ``x-fake-latency: 0.2``, ``x-fake-reply: <ascii text>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import signal
import socket
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Self

from aiohttp import web

CONTROL_PATH = "/_fake/control"
RESET_PATH = "/_fake/reset"


def count_tokens(text: str) -> int:
    """Counts whitespace-separated words: a plausible, deterministic stand-in for a tokenizer."""
    return len(text.split())


def summarize(text: str, max_words: int = 12) -> str:
    words = text.split()
    if len(words) <= max_words:
        return " ".join(words)
    return " ".join(words[:max_words]) + " ..."


def truncate_words(text: str, max_words: int) -> tuple[str, bool]:
    """Cuts ``text`` to ``max_words`` words; returns the text and whether it was cut."""
    words = text.split()
    if len(words) <= max_words:
        return text, False
    return " ".join(words[:max_words]), True


def split_for_streaming(text: str) -> list[str]:
    """Splits a reply into word-sized deltas whose concatenation is exactly ``text``."""
    pieces: list[str] = []
    current = ""
    for char in text:
        if char == " " and current.strip():
            pieces.append(current)
            current = ""
        current += char
    if current:
        pieces.append(current)
    return pieces or [""]


@dataclass(frozen=True)
class Failure:
    """One injected failure: an HTTP error before the reply or, with ``midstream``, an error event after one delta."""

    status: int
    retry_after: float | None = None
    message: str | None = None
    midstream: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    """What a test may want to assert about a request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    outcome: int  # HTTP status sent (200 for streams that failed mid-way too)


@dataclass
class _Control:
    failures: deque[Failure] = field(default_factory=deque)
    latency: float = 0.0
    chunk_delay: float = 0.0
    replies: deque[str] = field(default_factory=deque)


class FakeProviderServer:
    """Base class of the fakes: owns the aiohttp server, the control state and the recorded requests."""

    #: Human name used in CLI output.
    provider_name = "fake"

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        host: str = "127.0.0.1",
        port: int = 0,
        models: Sequence[str] = (),
        latency: float = 0.0,
        chunk_delay: float = 0.0,
    ) -> None:
        self.api_key = api_key
        self.models: tuple[str, ...] = tuple(models)
        self._host = host
        self._port = port
        self._control = _Control(latency=latency, chunk_delay=chunk_delay)
        self._requests: list[RecordedRequest] = []
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None
        self._id_counter = 0

    # ----------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        if self._bound_port is None:
            raise RuntimeError("the fake server is not started; use 'async with' or await start()")
        return self._bound_port

    @property
    def url(self) -> str:
        """Base URL to give an SDK (``AsyncAnthropic(base_url=...)``; the OpenAI fake appends ``/v1``)."""
        return f"http://{self._host}:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(CONTROL_PATH, self._handle_get_control)
        app.router.add_post(CONTROL_PATH, self._handle_post_control)
        app.router.add_post(RESET_PATH, self._handle_reset)
        self._add_routes(app)
        # handler_cancellation: a client that gives up (SDK timeout) cancels the handler instead of leaving it
        # sleeping through injected latency; a short shutdown keeps test teardown fast.
        runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        self._bound_port = sock.getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ----------------------------------------------------------------- Python control API

    def fail_next(
        self,
        count: int,
        status: int,
        *,
        retry_after: float | None = None,
        message: str | None = None,
        midstream: bool = False,
    ) -> None:
        """Makes the next ``count`` API requests fail with ``status`` (queued after earlier injected failures).

        ``retry_after`` (seconds) is sent as ``retry-after-ms`` and ``retry-after`` headers. With ``midstream``
        a streaming request gets one delta and then an in-stream error event; a non-streaming one gets the
        plain HTTP error.
        """
        if count < 0:
            raise ValueError("count must be >= 0")
        if not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status (400-599), got {status}")
        for _ in range(count):
            self._control.failures.append(Failure(status, retry_after, message, midstream))

    def set_latency(self, seconds: float, *, chunk_delay: float | None = None) -> None:
        """Delays every reply by ``seconds`` before the first byte (and each streamed chunk by ``chunk_delay``)."""
        self._control.latency = max(0.0, seconds)
        if chunk_delay is not None:
            self._control.chunk_delay = max(0.0, chunk_delay)

    def script_replies(self, *replies: str) -> None:
        """Queues exact reply texts for the next requests; afterwards the fake echoes again."""
        self._control.replies.extend(replies)

    def reset(self) -> None:
        """Forgets injected failures, latency, scripted replies and recorded requests."""
        self._control = _Control()
        self._requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests to the API endpoints (admin calls excluded), oldest first."""
        return list(self._requests)

    @property
    def pending_failures(self) -> int:
        return len(self._control.failures)

    # ----------------------------------------------------------------- for subclasses

    def _add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def _error_response(self, status: int, message: str | None, retry_after: float | None) -> web.Response:
        raise NotImplementedError

    def _next_id(self, prefix: str) -> str:
        self._id_counter += 1
        return f"{prefix}{self._id_counter:012d}"

    def _record(self, request: web.Request, body: Any, outcome: int) -> None:
        self._requests.append(RecordedRequest(request.method, request.path, dict(request.headers), body, outcome))

    async def _apply_latency(self, request: web.Request) -> None:
        delay = self._control.latency
        header = request.headers.get("x-fake-latency")
        if header is not None:
            delay = _parse_float(header, "x-fake-latency")
        if delay > 0:
            await asyncio.sleep(delay)

    async def _chunk_pause(self) -> None:
        if self._control.chunk_delay > 0:
            await asyncio.sleep(self._control.chunk_delay)

    def _take_failure(self, request: web.Request) -> Failure | None:
        """The failure to inject into this request: a control header wins over the queued failures."""
        header = request.headers.get("x-fake-fail-status")
        if header is not None:
            retry = request.headers.get("x-fake-retry-after")
            return Failure(int(header), _parse_float(retry, "x-fake-retry-after") if retry else None)
        if self._control.failures:
            return self._control.failures.popleft()
        return None

    def _reply_text(self, request: web.Request, model: str, last_user_text: str) -> str:
        header = request.headers.get("x-fake-reply")
        if header is not None:
            return header
        if self._control.replies:
            return self._control.replies.popleft()
        return f"{model} received: {summarize(last_user_text)}"

    @staticmethod
    def _retry_headers(retry_after: float | None) -> dict[str, str]:
        if retry_after is None:
            return {}
        return {"retry-after-ms": str(int(retry_after * 1000)), "retry-after": str(max(0, math.ceil(retry_after)))}

    # ----------------------------------------------------------------- admin endpoint

    def _state(self) -> dict[str, Any]:
        return {
            "pending_failures": [asdict(f) for f in self._control.failures],
            "latency": self._control.latency,
            "chunk_delay": self._control.chunk_delay,
            "scripted_replies": list(self._control.replies),
            "requests_seen": len(self._requests),
            "statuses": [r.outcome for r in self._requests],
        }

    async def _handle_get_control(self, request: web.Request) -> web.Response:
        return web.json_response(self._state())

    async def _handle_post_control(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("the control body must be a JSON object")
            if "fail_next" in body:
                spec = body["fail_next"]
                self.fail_next(
                    int(spec.get("count", 1)),
                    int(spec["status"]),
                    retry_after=spec.get("retry_after"),
                    message=spec.get("message"),
                    midstream=bool(spec.get("midstream", False)),
                )
            if "latency" in body or "chunk_delay" in body:
                self.set_latency(
                    float(body.get("latency", self._control.latency)),
                    chunk_delay=body.get("chunk_delay"),
                )
            if "replies" in body:
                self.script_replies(*[str(r) for r in body["replies"]])
        except (ValueError, KeyError, TypeError) as exc:
            return web.json_response({"error": f"bad control request: {exc}"}, status=400)
        return web.json_response(self._state())

    async def _handle_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response(self._state())


def _parse_float(value: str, name: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be a number of seconds") from None


def sse_event(data: Any, event: str | None = None) -> bytes:
    """Encodes one server-sent event (``event:`` line only when given, as Anthropic needs and OpenAI omits)."""
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def open_event_stream(request: web.Request, extra_headers: dict[str, str]) -> web.StreamResponse:
    response = web.StreamResponse(
        status=200,
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", **extra_headers},
    )
    await response.prepare(request)
    return response


def now_epoch() -> int:
    return int(time.time())


def run_cli(server_cls: type[FakeProviderServer], argv: Iterable[str] | None = None) -> None:
    """``python -m infrafabric.testing.fake_xxx --port 0``: prints the base URL on one line, serves until SIGTERM."""
    parser = argparse.ArgumentParser(description=f"Local fake of the {server_cls.provider_name} API for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument("--model", action="append", default=[], help="accepted model id (repeatable; none = any)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each reply")
    args = parser.parse_args(list(argv) if argv is not None else None)

    async def serve() -> None:
        server = server_cls(api_key=args.api_key, host=args.host, port=args.port, models=args.model,
                            latency=args.latency)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with server:
            print(server.url, flush=True)
            await stop.wait()

    asyncio.run(serve())
