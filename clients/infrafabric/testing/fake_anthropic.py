"""A local fake of the Anthropic Messages API (``POST /v1/messages``) that the official ``anthropic`` SDK accepts.

It speaks the real wire format: JSON replies, the SSE event sequence of a streamed message (message_start,
content_block_start, ping, content_block_delta*, content_block_stop, message_delta, message_stop) and the
documented error bodies (``{"type": "error", "error": {"type", "message"}, "request_id"}``) with a
``request-id`` header. Replies are deterministic: ``"<model> received: <first words of the last user message>"``
unless scripted. Failures and latency are injected as described in ``_fake_server``.

    async with FakeAnthropic(api_key="k") as fake:
        client = anthropic.AsyncAnthropic(api_key="k", base_url=fake.url, max_retries=0)
        fake.fail_next(1, 529)

From another process: ``python -m infrafabric.testing.fake_anthropic --port 0`` prints the base URL.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from infrafabric.testing._fake_server import (
    Failure,
    FakeProviderServer,
    count_tokens,
    open_event_stream,
    run_cli,
    split_for_streaming,
    sse_event,
    truncate_words,
)

__all__ = ["FakeAnthropic"]

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_DEFAULT_MESSAGES = {
    401: "invalid x-api-key",
    429: "Number of request tokens has exceeded your per-minute rate limit",
    500: "Internal server error",
    529: "Overloaded",
}


class _InvalidRequest(Exception):
    pass


def _text_of(content: Any, where: str) -> str:
    """Text of a message ``content`` (a string or a list of blocks; non-text blocks contribute nothing)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for i, block in enumerate(content):
            if not isinstance(block, dict) or "type" not in block:
                raise _InvalidRequest(f"{where}.{i}: each content block must be an object with a 'type'")
            if block["type"] == "text":
                if not isinstance(block.get("text"), str):
                    raise _InvalidRequest(f"{where}.{i}.text: Field required")
                parts.append(block["text"])
        return "\n".join(parts)
    raise _InvalidRequest(f"{where}: Input should be a valid string or list of content blocks")


class FakeAnthropic(FakeProviderServer):
    """Fake Anthropic Messages API. ``models`` empty accepts any model id; otherwise others get 404."""

    provider_name = "Anthropic Messages"

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages", self._handle_messages)

    def _error_response(self, status: int, message: str | None, retry_after: float | None) -> web.Response:
        request_id = self._next_id("req_")
        error_type = _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
        body = {
            "type": "error",
            "error": {"type": error_type, "message": message or _DEFAULT_MESSAGES.get(status, error_type)},
            "request_id": request_id,
        }
        headers = {"request-id": request_id, **self._retry_headers(retry_after)}
        return web.json_response(body, status=status, headers=headers)

    def _authenticated(self, request: web.Request) -> bool:
        # Current SDKs send "Authorization: Bearer <key>", older ones "x-api-key" (see notes/edge-and-ops.md §2).
        key = request.headers.get("x-api-key")
        auth = request.headers.get("authorization", "")
        if key is None and auth.lower().startswith("bearer "):
            key = auth[7:].strip()
        return key == self.api_key

    def _parse(self, body: Any) -> tuple[str, int, str, int, bool]:
        """Validates a Messages request; returns (model, max_tokens, last user text, input tokens, stream)."""
        if not isinstance(body, dict):
            raise _InvalidRequest("request body must be a JSON object")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise _InvalidRequest("model: Field required")
        max_tokens = body.get("max_tokens")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            raise _InvalidRequest("max_tokens: Field required (an integer >= 1)")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise _InvalidRequest("messages: Field required (a non-empty list)")
        texts = []
        last_user = ""
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
                raise _InvalidRequest(f"messages.{i}.role: Input should be 'user' or 'assistant'")
            text = _text_of(message.get("content"), f"messages.{i}.content")
            texts.append(text)
            if message["role"] == "user":
                last_user = text
        system = body.get("system")
        if system is not None:
            texts.append(_text_of(system, "system"))
        stream = body.get("stream", False)
        return model, max_tokens, last_user, sum(count_tokens(t) for t in texts), bool(stream)

    async def _handle_messages(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not self._authenticated(request):
            self._record(request, body, 401)
            return self._error_response(401, None, None)
        if not request.headers.get("anthropic-version"):
            # Any value is accepted: the SDK moves to new versions faster than a fake should care about.
            self._record(request, body, 400)
            return self._error_response(400, "anthropic-version: header is required", None)
        try:
            model, max_tokens, last_user, input_tokens, stream = self._parse(body)
        except _InvalidRequest as exc:
            self._record(request, body, 400)
            return self._error_response(400, str(exc), None)
        if self.models and model not in self.models:
            self._record(request, body, 404)
            return self._error_response(404, f"model: {model}", None)

        await self._apply_latency(request)
        failure = self._take_failure(request)
        if failure is not None and not (failure.midstream and stream):
            self._record(request, body, failure.status)
            return self._error_response(failure.status, failure.message, failure.retry_after)

        reply, truncated = truncate_words(self._reply_text(request, model, last_user), max_tokens)
        stop_reason = "max_tokens" if truncated else "end_turn"
        output_tokens = count_tokens(reply)
        message_id = self._next_id("msg_")
        request_id = self._next_id("req_")
        self._record(request, body, 200)
        if not stream:
            return web.json_response(
                {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [{"type": "text", "text": reply}],
                    "stop_reason": stop_reason,
                    "stop_sequence": None,
                    "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
                },
                headers={"request-id": request_id},
            )
        return await self._stream(
            request, request_id, message_id, model, reply, stop_reason, input_tokens, output_tokens, failure
        )

    async def _stream(
        self,
        request: web.Request,
        request_id: str,
        message_id: str,
        model: str,
        reply: str,
        stop_reason: str,
        input_tokens: int,
        output_tokens: int,
        midstream_failure: Failure | None,
    ) -> web.StreamResponse:
        response = await open_event_stream(request, {"request-id": request_id})
        await response.write(sse_event({
            "type": "message_start",
            "message": {
                "id": message_id, "type": "message", "role": "assistant", "model": model, "content": [],
                "stop_reason": None, "stop_sequence": None,
                # message_start must carry usage, or the SDK's stream helper crashes on message_delta.
                "usage": {"input_tokens": input_tokens, "output_tokens": 1},
            },
        }, "message_start"))
        await response.write(sse_event(
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            "content_block_start",
        ))
        await response.write(sse_event({"type": "ping"}, "ping"))
        for n, piece in enumerate(split_for_streaming(reply)):
            if n > 0:
                await self._chunk_pause()
            await response.write(sse_event(
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
                "content_block_delta",
            ))
            if midstream_failure is not None:
                status = midstream_failure.status
                error_type = _ERROR_TYPES.get(status, "api_error")
                await response.write(sse_event({
                    "type": "error",
                    "error": {"type": error_type, "message": midstream_failure.message or error_type},
                }, "error"))
                await response.write_eof()
                return response
        await response.write(sse_event({"type": "content_block_stop", "index": 0}, "content_block_stop"))
        await response.write(sse_event({
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": output_tokens},
        }, "message_delta"))
        await response.write(sse_event({"type": "message_stop"}, "message_stop"))
        await response.write_eof()
        return response


if __name__ == "__main__":
    run_cli(FakeAnthropic)
