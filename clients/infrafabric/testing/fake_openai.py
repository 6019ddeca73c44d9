"""A local fake of an OpenAI-compatible server (OpenAI, vLLM, Ollama) that the official ``openai`` SDK accepts.

Endpoints: ``POST /v1/chat/completions`` (JSON, or ``data: {chunk}`` server-sent events ending with
``data: [DONE]``; with ``stream_options.include_usage`` every chunk has ``"usage": null`` and a last chunk with
``"choices": []`` carries the usage) and ``GET /v1/models``. Bearer authentication; error bodies
``{"error": {"message", "type", "param", "code"}}`` with an ``x-request-id`` header. Replies are deterministic:
``"<model> received: <first words of the last user message>"`` unless scripted. Failures and latency are
injected as described in ``_fake_server``.

    async with FakeOpenAI(api_key="k") as fake:
        client = openai.AsyncOpenAI(api_key="k", base_url=fake.base_url, max_retries=0)

From another process: ``python -m infrafabric.testing.fake_openai --port 0`` prints the server URL (append
``/v1`` for the SDK's ``base_url``).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from infrafabric.testing._fake_server import (
    Failure,
    FakeProviderServer,
    count_tokens,
    now_epoch,
    open_event_stream,
    run_cli,
    split_for_streaming,
    sse_event,
    truncate_words,
)

__all__ = ["FakeOpenAI"]

# (type, code) as OpenAI sends them for each status.
_ERROR_KINDS = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
}
_DEFAULT_MESSAGES = {
    401: "Incorrect API key provided.",
    429: "Rate limit reached for requests.",
    500: "The server had an error while processing your request. Sorry about that!",
    503: "The engine is currently overloaded, please try again later.",
}


class _InvalidRequest(Exception):
    def __init__(self, message: str, param: str | None) -> None:
        super().__init__(message)
        self.param = param


def _text_of(content: Any, param: str) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"]
        return "\n".join(texts)
    raise _InvalidRequest(f"Invalid type for '{param}': expected a string or an array of content parts.", param)


class FakeOpenAI(FakeProviderServer):
    """Fake OpenAI-compatible API. ``models`` empty accepts any model id (and lists none); otherwise others get 404."""

    provider_name = "OpenAI Chat Completions"

    @property
    def base_url(self) -> str:
        """The ``base_url`` the openai SDK wants (the server URL plus ``/v1``)."""
        return f"{self.url}/v1"

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._handle_chat)
        app.router.add_get("/v1/models", self._handle_models)

    def _error_response(
        self, status: int, message: str | None, retry_after: float | None, *, param: str | None = None
    ) -> web.Response:
        fallback_type = "server_error" if status >= 500 else "invalid_request_error"
        error_type, code = _ERROR_KINDS.get(status, (fallback_type, None))
        request_id = self._next_id("req_")
        body = {"error": {"message": message or _DEFAULT_MESSAGES.get(status, error_type), "type": error_type,
                          "param": param, "code": code}}
        headers = {"x-request-id": request_id, **self._retry_headers(retry_after)}
        return web.json_response(body, status=status, headers=headers)

    def _authenticated(self, request: web.Request) -> bool:
        auth = request.headers.get("authorization", "")
        return auth.lower().startswith("bearer ") and auth[7:].strip() == self.api_key

    async def _handle_models(self, request: web.Request) -> web.Response:
        if not self._authenticated(request):
            self._record(request, None, 401)
            return self._error_response(401, None, None)
        self._record(request, None, 200)
        return web.json_response({
            "object": "list",
            "data": [{"id": m, "object": "model", "created": 0, "owned_by": "infrafabric-fake"} for m in self.models],
        })

    def _parse(self, body: Any) -> tuple[str, int | None, str, int, bool, bool]:
        """Validates a request; returns (model, max tokens, last user text, input tokens, stream, include_usage)."""
        if not isinstance(body, dict):
            raise _InvalidRequest("We could not parse the JSON body of your request.", None)
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise _InvalidRequest("you must provide a model parameter", "model")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise _InvalidRequest("'messages' must contain at least one message.", "messages")
        input_tokens = 0
        last_user = ""
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") not in ("system", "developer", "user",
                                                                             "assistant", "tool"):
                raise _InvalidRequest(f"Invalid value for 'messages[{i}].role'.", f"messages[{i}].role")
            text = _text_of(message.get("content"), f"messages[{i}].content")
            input_tokens += count_tokens(text)
            if message["role"] == "user":
                last_user = text
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
            raise _InvalidRequest("max_tokens must be an integer >= 1", "max_tokens")
        stream = bool(body.get("stream", False))
        options = body.get("stream_options") or {}
        include_usage = bool(options.get("include_usage", False)) if isinstance(options, dict) else False
        return model, max_tokens, last_user, input_tokens, stream, include_usage

    async def _handle_chat(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not self._authenticated(request):
            self._record(request, body, 401)
            return self._error_response(401, None, None)
        try:
            model, max_tokens, last_user, input_tokens, stream, include_usage = self._parse(body)
        except _InvalidRequest as exc:
            self._record(request, body, 400)
            return self._error_response(400, str(exc), None, param=exc.param)
        if self.models and model not in self.models:
            self._record(request, body, 404)
            return self._error_response(
                404, f"The model `{model}` does not exist or you do not have access to it.", None
            )

        await self._apply_latency(request)
        failure = self._take_failure(request)
        if failure is not None and not (failure.midstream and stream):
            self._record(request, body, failure.status)
            return self._error_response(failure.status, failure.message, failure.retry_after)

        reply = self._reply_text(request, model, last_user)
        truncated = False
        if max_tokens is not None:
            reply, truncated = truncate_words(reply, max_tokens)
        finish_reason = "length" if truncated else "stop"
        output_tokens = count_tokens(reply)
        usage = {"prompt_tokens": input_tokens, "completion_tokens": output_tokens,
                 "total_tokens": input_tokens + output_tokens}
        completion_id = self._next_id("chatcmpl-")
        request_id = self._next_id("req_")
        self._record(request, body, 200)
        if not stream:
            return web.json_response(
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": now_epoch(),
                    "model": model,
                    "choices": [{
                        "index": 0,
                        "message": {"role": "assistant", "content": reply, "refusal": None},
                        "logprobs": None,
                        "finish_reason": finish_reason,
                    }],
                    "usage": usage,
                    "system_fingerprint": None,
                },
                headers={"x-request-id": request_id},
            )
        return await self._stream(request, request_id, completion_id, model, reply, finish_reason, usage,
                                  include_usage, failure)

    async def _stream(
        self,
        request: web.Request,
        request_id: str,
        completion_id: str,
        model: str,
        reply: str,
        finish_reason: str,
        usage: dict[str, int],
        include_usage: bool,
        midstream_failure: Failure | None,
    ) -> web.StreamResponse:
        created = now_epoch()

        def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
            data: dict[str, Any] = {
                "id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                "system_fingerprint": None,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
            if include_usage:
                data["usage"] = None
            return data

        response = await open_event_stream(request, {"x-request-id": request_id})
        await response.write(sse_event(chunk({"role": "assistant", "content": ""}, None)))
        for n, piece in enumerate(split_for_streaming(reply)):
            if n > 0:
                await self._chunk_pause()
            await response.write(sse_event(chunk({"content": piece}, None)))
            if midstream_failure is not None:
                error_type, code = _ERROR_KINDS.get(midstream_failure.status, ("server_error", None))
                await response.write(sse_event({"error": {
                    "message": midstream_failure.message or "The server had an error while processing your request.",
                    "type": error_type, "param": None, "code": code,
                }}))
                await response.write_eof()
                return response
        await response.write(sse_event(chunk({}, finish_reason)))
        if include_usage:
            await response.write(sse_event({
                "id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                "system_fingerprint": None, "choices": [], "usage": usage,
            }))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


if __name__ == "__main__":
    run_cli(FakeOpenAI)
