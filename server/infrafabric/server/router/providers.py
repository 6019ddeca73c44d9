"""Provider adapters: one async interface over the official ``anthropic`` and ``openai`` SDKs.

``complete()`` returns a ``Completion``; ``stream()`` yields ``Delta`` objects and then exactly one ``Completion``.
The SDKs' own retries are off (``max_retries=0``): the router retries and falls back itself, and an SDK retrying
behind its back would blow the deadline. Every call is bounded by a ``Deadline``: the remaining time is passed as
the SDK timeout and the whole call (a stream included) is cut off when it runs out.

Unary calls go through the SDK client's documented low-level ``client.post(path, body=..., cast_to=object)``
rather than the typed ``create()``: same auth, base URL, headers, timeouts and error types, but without the
typed-params transform and response-model building, which cost about 5 ms of CPU per call (a fifth of the
Router's CPU per governed turn, measured with py-spy). Our bodies are plain wire JSON already. Streams keep the
typed helpers, whose event parsing is the SDKs' job. Both clients use the SDKs' aiohttp transport
(``DefaultAioHttpClient``): about half the CPU per call of the default httpx one.

Errors are mapped to one exception type, ``ProviderError``, with an ``ErrorKind``:

    ProviderError
      kind=RETRIABLE         429, 408, 409, 5xx (529 overloaded included), connection failures, timeouts
      kind=UNAVAILABLE       401, 402, 403, 404: this provider or model cannot serve us; another one might
      kind=INVALID_REQUEST   400, 413, 422 and other 4xx: the request itself is wrong; no other model will help
"""

from __future__ import annotations

import abc
import asyncio
import email.utils
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

import anthropic
import openai
from infrafabric.server.router._tokens import estimate_tokens
from infrafabric.server.router.registry import ProviderKind, ProviderSettings

__all__ = [
    "AnthropicProvider",
    "Completion",
    "Deadline",
    "Delta",
    "ErrorKind",
    "Message",
    "OpenAICompatibleProvider",
    "Provider",
    "ProviderError",
    "build_provider",
]

Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One conversation turn. The system prompt is passed separately, as both wire formats allow."""

    role: Role
    content: str


@dataclass(frozen=True)
class Delta:
    """A piece of streamed reply text."""

    text: str


@dataclass(frozen=True)
class Completion:
    """A finished reply. ``stop_reason`` is normalised: ``end_turn``, ``max_tokens``, ``stop_sequence`` or the
    provider's own word when it has no equivalent."""

    text: str
    input_tokens: int
    output_tokens: int
    model: str
    provider: str
    stop_reason: str


@dataclass(frozen=True)
class Deadline:
    """An absolute point in ``time.monotonic()`` time by which work must be finished."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.at


class ErrorKind(StrEnum):
    RETRIABLE = "retriable"
    UNAVAILABLE = "unavailable"
    INVALID_REQUEST = "invalid_request"


class ProviderError(Exception):
    """A provider call failed. ``retry_after`` (seconds) comes from the provider's headers when it sent one."""

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind,
        provider: str,
        model: str,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.provider = provider
        self.model = model
        self.status_code = status_code
        self.retry_after = retry_after

    @property
    def retriable(self) -> bool:
        return self.kind is ErrorKind.RETRIABLE

    def __str__(self) -> str:
        status = f" HTTP {self.status_code}" if self.status_code is not None else ""
        return f"{self.provider}/{self.model}:{status} {self.kind.value}: {self.message}"


def _kind_for_status(status: int) -> ErrorKind:
    if status in (408, 409, 429) or status >= 500:
        return ErrorKind.RETRIABLE
    if status in (401, 402, 403, 404):
        return ErrorKind.UNAVAILABLE
    return ErrorKind.INVALID_REQUEST


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date), as both SDKs read them."""
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def _status_error(exc: Any, provider: str, model: str) -> ProviderError:
    status = int(exc.status_code)
    # Mid-stream error events arrive with the stream's HTTP status (200); they are the server failing.
    kind = ErrorKind.RETRIABLE if status < 400 else _kind_for_status(status)
    should_retry = exc.response.headers.get("x-should-retry")
    if should_retry == "true":
        kind = ErrorKind.RETRIABLE
    elif should_retry == "false" and kind is ErrorKind.RETRIABLE:
        kind = ErrorKind.UNAVAILABLE
    return ProviderError(
        getattr(exc, "api_message", None) or exc.message,
        kind=kind, provider=provider, model=model, status_code=status,
        retry_after=parse_retry_after(exc.response.headers),
    )


def _map_anthropic(exc: Exception, provider: str, model: str) -> ProviderError | None:
    if isinstance(exc, anthropic.APIStatusError):
        return _status_error(exc, provider, model)
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderError("request timed out", kind=ErrorKind.RETRIABLE, provider=provider, model=model)
    if isinstance(exc, anthropic.APIConnectionError):
        return ProviderError(f"connection failed: {exc.__cause__ or exc}", kind=ErrorKind.RETRIABLE,
                             provider=provider, model=model)
    if isinstance(exc, anthropic.APIError):  # e.g. a malformed response
        return ProviderError(exc.message, kind=ErrorKind.RETRIABLE, provider=provider, model=model)
    return None


def _map_openai(exc: Exception, provider: str, model: str) -> ProviderError | None:
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc, provider, model)
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError("request timed out", kind=ErrorKind.RETRIABLE, provider=provider, model=model)
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(f"connection failed: {exc.__cause__ or exc}", kind=ErrorKind.RETRIABLE,
                             provider=provider, model=model)
    if isinstance(exc, openai.APIError):  # an {"error": ...} line in the middle of a stream has no status
        return ProviderError(exc.message, kind=ErrorKind.RETRIABLE, provider=provider, model=model)
    return None


class Provider(abc.ABC):
    """A configured connection to one provider; safe to share between concurrent calls."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        system: str | None,
        model: str,
        max_tokens: int,
        deadline: Deadline,
    ) -> Completion:
        """Sends one request and returns the whole reply; raises ``ProviderError``."""
        remaining = self._check_time(deadline, model)
        try:
            async with asyncio.timeout(remaining):
                return await self._complete(messages, system, model, max_tokens, remaining)
        except TimeoutError:
            raise self._timeout(model) from None
        except ProviderError:
            raise
        except Exception as exc:
            self._raise_mapped(exc, model)
            raise

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        system: str | None,
        model: str,
        max_tokens: int,
        deadline: Deadline,
    ) -> AsyncGenerator[Delta | Completion, None]:
        """Yields ``Delta`` pieces as they arrive, then one ``Completion``; raises ``ProviderError``."""
        self._check_time(deadline, model)
        inner = self._stream(messages, system, model, max_tokens, deadline.remaining())
        try:
            while True:
                # The deadline guards each wait for the provider, never the consumer's time between items:
                # a timeout scope spanning a ``yield`` would cancel whatever the consumer is awaiting.
                try:
                    async with asyncio.timeout(deadline.remaining()):
                        item = await anext(inner)
                except StopAsyncIteration:
                    return
                yield item
        except TimeoutError:
            raise self._timeout(model) from None
        except ProviderError:
            raise
        except Exception as exc:
            self._raise_mapped(exc, model)
            raise
        finally:
            await inner.aclose()

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Closes the SDK client's connection pool."""

    def _raise_mapped(self, exc: Exception, model: str) -> None:
        """Raises the SDK error ``exc`` as a ``ProviderError`` when it is one the taxonomy knows."""
        mapped = self._map_error(exc, model)
        if mapped is not None:
            raise mapped from exc

    def _check_time(self, deadline: Deadline, model: str) -> float:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise self._timeout(model)
        return remaining

    def _timeout(self, model: str) -> ProviderError:
        return ProviderError("deadline reached before the provider answered", kind=ErrorKind.RETRIABLE,
                             provider=self.name, model=model)

    @abc.abstractmethod
    async def _complete(
        self, messages: Sequence[Message], system: str | None, model: str, max_tokens: int, timeout: float
    ) -> Completion: ...

    @abc.abstractmethod
    def _stream(
        self, messages: Sequence[Message], system: str | None, model: str, max_tokens: int, timeout: float
    ) -> AsyncGenerator[Delta | Completion, None]: ...

    @abc.abstractmethod
    def _map_error(self, exc: Exception, model: str) -> ProviderError | None: ...


_ANTHROPIC_STOP = {"end_turn", "max_tokens", "stop_sequence"}
_OPENAI_STOP = {"stop": "end_turn", "length": "max_tokens"}


class AnthropicProvider(Provider):
    """The Anthropic Messages API through ``anthropic.AsyncAnthropic``."""

    def __init__(self, name: str, *, api_key: str | None, base_url: str | None = None,
                 client: anthropic.AsyncAnthropic | None = None) -> None:
        super().__init__(name)
        self.client = client or anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, max_retries=0, http_client=anthropic.DefaultAioHttpClient()
        )

    def _params(self, messages: Sequence[Message], system: str | None, model: str, max_tokens: int,
                timeout: float) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": model,
            "max_tokens": max_tokens,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "timeout": timeout,
        }
        if system:
            params["system"] = system
        return params

    async def _complete(self, messages: Sequence[Message], system: str | None, model: str, max_tokens: int,
                        timeout: float) -> Completion:
        params = self._params(messages, system, model, max_tokens, timeout)
        del params["timeout"]
        reply: Any = await self.client.post("/v1/messages", body=params, cast_to=object, options={"timeout": timeout})
        try:
            text = "".join(b["text"] for b in reply["content"] if b.get("type") == "text")
            usage, stop = reply["usage"], reply.get("stop_reason") or "end_turn"
            return Completion(
                text=text,
                input_tokens=int(usage["input_tokens"]),
                output_tokens=int(usage["output_tokens"]),
                model=reply.get("model") or model,
                provider=self.name,
                stop_reason=stop if stop in _ANTHROPIC_STOP else str(stop),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _malformed(self.name, model, exc) from None

    async def _stream(self, messages: Sequence[Message], system: str | None, model: str, max_tokens: int,
                      timeout: float) -> AsyncGenerator[Delta | Completion, None]:
        async with self.client.messages.stream(**self._params(messages, system, model, max_tokens, timeout)) as s:
            async for text in s.text_stream:
                if text:
                    yield Delta(text)
            final = await s.get_final_message()
        yield self._completion(final)

    def _completion(self, reply: Any) -> Completion:
        text = "".join(block.text for block in reply.content if getattr(block, "type", None) == "text")
        stop = reply.stop_reason or "end_turn"
        return Completion(
            text=text,
            input_tokens=reply.usage.input_tokens,
            output_tokens=reply.usage.output_tokens,
            model=reply.model,
            provider=self.name,
            stop_reason=stop if stop in _ANTHROPIC_STOP else str(stop),
        )

    def _map_error(self, exc: Exception, model: str) -> ProviderError | None:
        return _map_anthropic(exc, self.name, model)

    async def aclose(self) -> None:
        await self.client.close()


class OpenAICompatibleProvider(Provider):
    """Any OpenAI-compatible Chat Completions server (OpenAI, vLLM, Ollama) through ``openai.AsyncOpenAI``."""

    def __init__(self, name: str, *, api_key: str | None, base_url: str | None = None,
                 client: openai.AsyncOpenAI | None = None) -> None:
        super().__init__(name)
        # Local servers often need no key, but the SDK refuses to start without one.
        self.client = client or openai.AsyncOpenAI(
            api_key=api_key or "unused", base_url=base_url, max_retries=0, http_client=openai.DefaultAioHttpClient()
        )

    def _params(self, messages: Sequence[Message], system: str | None, model: str, max_tokens: int,
                timeout: float) -> dict[str, Any]:
        wire = [{"role": "system", "content": system}] if system else []
        wire += [{"role": m.role, "content": m.content} for m in messages]
        # max_tokens rather than max_completion_tokens: vLLM and Ollama understand it everywhere.
        return {"model": model, "messages": wire, "max_tokens": max_tokens, "timeout": timeout}

    async def _complete(self, messages: Sequence[Message], system: str | None, model: str, max_tokens: int,
                        timeout: float) -> Completion:
        params = self._params(messages, system, model, max_tokens, timeout)
        del params["timeout"]
        reply: Any = await self.client.post("/chat/completions", body=params, cast_to=object, options={"timeout": timeout})
        try:
            choice = reply["choices"][0]
            text = choice["message"].get("content") or ""
            usage = reply.get("usage")
            finish = choice.get("finish_reason") or "stop"
            return Completion(
                text=text,
                input_tokens=int(usage["prompt_tokens"]) if usage else _estimate(messages, system),
                output_tokens=int(usage["completion_tokens"]) if usage else _estimate_text(text),
                model=reply.get("model") or model,
                provider=self.name,
                stop_reason=_OPENAI_STOP.get(finish, str(finish)),
            )
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise _malformed(self.name, model, exc) from None

    async def _stream(self, messages: Sequence[Message], system: str | None, model: str, max_tokens: int,
                      timeout: float) -> AsyncGenerator[Delta | Completion, None]:
        params = self._params(messages, system, model, max_tokens, timeout)
        stream = await self.client.chat.completions.create(
            **params, stream=True, stream_options={"include_usage": True}
        )
        parts: list[str] = []
        finish: str | None = None
        usage = None
        reply_model = model
        async with stream:
            async for chunk in stream:
                reply_model = chunk.model or reply_model
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices:
                    if choice.delta.content:
                        parts.append(choice.delta.content)
                        yield Delta(choice.delta.content)
                    if choice.finish_reason:
                        finish = choice.finish_reason
        text = "".join(parts)
        # Some compatible servers ignore include_usage; fall back to an estimate rather than report zero.
        yield Completion(
            text=text,
            input_tokens=usage.prompt_tokens if usage else _estimate(messages, system),
            output_tokens=usage.completion_tokens if usage else _estimate_text(text),
            model=reply_model,
            provider=self.name,
            stop_reason=_OPENAI_STOP.get(finish or "stop", str(finish)),
        )

    def _map_error(self, exc: Exception, model: str) -> ProviderError | None:
        return _map_openai(exc, self.name, model)

    async def aclose(self) -> None:
        await self.client.close()


def _malformed(provider: str, model: str, exc: Exception) -> ProviderError:
    """A 2xx reply that is not the API's shape: the server is broken, another attempt or model may do better."""
    return ProviderError(f"malformed reply ({type(exc).__name__}: {exc})", kind=ErrorKind.RETRIABLE,
                         provider=provider, model=model)


def _estimate_text(text: str) -> int:
    return estimate_tokens(text)


def _estimate(messages: Sequence[Message], system: str | None) -> int:
    return estimate_tokens(system or "") + sum(estimate_tokens(m.content) for m in messages)


def build_provider(settings: ProviderSettings, env: Mapping[str, str] | None = None) -> Provider:
    """Creates the adapter for a registry provider entry (API key and base URL read from ``env``)."""
    api_key = settings.api_key(env)
    base_url = settings.resolved_base_url(env)
    if settings.kind is ProviderKind.ANTHROPIC:
        return AnthropicProvider(settings.name, api_key=api_key, base_url=base_url)
    return OpenAICompatibleProvider(settings.name, api_key=api_key, base_url=base_url)
