"""Provider adapters over the real SDKs, against the fakes: replies, streams, the error taxonomy, deadlines."""

from __future__ import annotations

import socket
import time

import anthropic
import httpx2
import openai
import pytest
from infrafabric.server.router.providers import (
    AnthropicProvider,
    Completion,
    Deadline,
    Delta,
    ErrorKind,
    Message,
    OpenAICompatibleProvider,
    Provider,
    ProviderError,
    build_provider,
    parse_retry_after,
)
from infrafabric.server.router.registry import ModelRegistry
from infrafabric.testing.fake_anthropic import FakeAnthropic
from infrafabric.testing.fake_openai import FakeOpenAI

API_KEY = "test-key"
HISTORY = [
    Message("user", "hello there"),
    Message("assistant", "hi, how can I help"),
    Message("user", "tell me about the tides please"),
]


def anthropic_provider(fake: FakeAnthropic) -> AnthropicProvider:
    return AnthropicProvider("anthropic", api_key=API_KEY, base_url=fake.url)


def openai_provider(fake: FakeOpenAI) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider("local", api_key=API_KEY, base_url=fake.base_url)


async def collect(provider: Provider, deadline: Deadline, model: str = "m") -> tuple[list[str], Completion]:
    deltas: list[str] = []
    completions: list[Completion] = []
    async for item in provider.stream(HISTORY, system="be kind", model=model, max_tokens=100, deadline=deadline):
        if isinstance(item, Delta):
            assert not completions, "no delta may follow the completion"
            deltas.append(item.text)
        else:
            completions.append(item)
    assert len(completions) == 1
    return deltas, completions[0]


async def test_anthropic_complete_and_stream(fake_anthropic: FakeAnthropic) -> None:
    provider = anthropic_provider(fake_anthropic)
    try:
        done = await provider.complete(HISTORY, system="be kind", model="claude-x", max_tokens=100,
                                       deadline=Deadline.after(5))
        deltas, streamed = await collect(provider, Deadline.after(5), model="claude-x")
    finally:
        await provider.aclose()
    assert done == Completion("claude-x received: tell me about the tides please", 15, 8, "claude-x", "anthropic",
                              "end_turn")
    assert "".join(deltas) == streamed.text == done.text
    assert (streamed.input_tokens, streamed.output_tokens) == (15, 8)
    sent = fake_anthropic.requests[0].body
    assert sent["system"] == "be kind" and sent["max_tokens"] == 100 and len(sent["messages"]) == 3
    assert fake_anthropic.requests[0].headers["x-stainless-retry-count"] == "0"


async def test_openai_complete_and_stream(fake_openai: FakeOpenAI) -> None:
    provider = openai_provider(fake_openai)
    try:
        done = await provider.complete(HISTORY, system="be kind", model="llama", max_tokens=4,
                                       deadline=Deadline.after(5))
        deltas, streamed = await collect(provider, Deadline.after(5), model="llama")
    finally:
        await provider.aclose()
    assert done == Completion("llama received: tell me", 15, 4, "llama", "local", "max_tokens")
    assert streamed.text == "".join(deltas) == "llama received: tell me about the tides please"
    assert (streamed.input_tokens, streamed.output_tokens, streamed.stop_reason) == (15, 8, "end_turn")
    first = fake_openai.requests[0].body
    assert first["messages"][0] == {"role": "system", "content": "be kind"}
    assert fake_openai.requests[1].body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(
    ("status", "kind"),
    [(429, ErrorKind.RETRIABLE), (529, ErrorKind.RETRIABLE), (500, ErrorKind.RETRIABLE), (503, ErrorKind.RETRIABLE),
     (401, ErrorKind.UNAVAILABLE), (403, ErrorKind.UNAVAILABLE), (404, ErrorKind.UNAVAILABLE),
     (400, ErrorKind.INVALID_REQUEST), (413, ErrorKind.INVALID_REQUEST)],
)
async def test_error_taxonomy_for_both_sdks(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, status: int, kind: ErrorKind
) -> None:
    fake_anthropic.fail_next(1, status, retry_after=1.5)
    fake_openai.fail_next(1, status, retry_after=1.5)
    for provider in (anthropic_provider(fake_anthropic), openai_provider(fake_openai)):
        try:
            with pytest.raises(ProviderError) as info:
                await provider.complete(HISTORY, system=None, model="m", max_tokens=10, deadline=Deadline.after(5))
        finally:
            await provider.aclose()
        assert (info.value.kind, info.value.status_code, info.value.retry_after) == (kind, status, 1.5)
        assert info.value.retriable is (kind is ErrorKind.RETRIABLE)
        assert info.value.provider == provider.name


async def test_stream_errors_are_mapped(fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI) -> None:
    fake_anthropic.fail_next(1, 529)
    fake_openai.fail_next(1, 500, midstream=True)
    for provider in (anthropic_provider(fake_anthropic), openai_provider(fake_openai)):
        try:
            with pytest.raises(ProviderError) as info:
                await collect(provider, Deadline.after(5))
        finally:
            await provider.aclose()
        assert info.value.kind is ErrorKind.RETRIABLE


async def test_connection_refused_is_retriable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    provider = AnthropicProvider("anthropic", api_key=API_KEY, base_url=f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(ProviderError) as info:
            await provider.complete(HISTORY, system=None, model="m", max_tokens=10, deadline=Deadline.after(5))
    finally:
        await provider.aclose()
    assert info.value.kind is ErrorKind.RETRIABLE and info.value.status_code is None


async def test_deadline_bounds_the_call_and_the_stream(fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI) -> None:
    fake_anthropic.set_latency(2.0)
    provider = anthropic_provider(fake_anthropic)
    started = time.monotonic()
    try:
        with pytest.raises(ProviderError, match=r"timed out|deadline") as info:
            await provider.complete(HISTORY, system=None, model="m", max_tokens=10, deadline=Deadline.after(0.3))
    finally:
        await provider.aclose()
    assert info.value.kind is ErrorKind.RETRIABLE
    assert time.monotonic() - started < 1.0

    # A stream whose chunks trickle in is cut off at the deadline, even though each chunk is within the timeout.
    fake_openai.set_latency(0, chunk_delay=0.15)
    slow = openai_provider(fake_openai)
    received: list[str] = []
    started = time.monotonic()
    try:
        with pytest.raises(ProviderError):
            async for item in slow.stream(HISTORY, system=None, model="m", max_tokens=100,
                                          deadline=Deadline.after(0.4)):
                if isinstance(item, Delta):
                    received.append(item.text)
    finally:
        await slow.aclose()
    assert 1 <= len(received) < 8
    assert time.monotonic() - started < 1.0

    expired = Deadline.after(0)
    with pytest.raises(ProviderError, match="deadline"):
        await slow.complete(HISTORY, system=None, model="m", max_tokens=10, deadline=expired)


def test_parse_retry_after() -> None:
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({}) is None
    in_future = parse_retry_after({"retry-after": time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                                time.gmtime(time.time() + 30))})
    assert in_future is not None and 25 < in_future <= 31


def test_build_provider_uses_settings_and_environment() -> None:
    registry = ModelRegistry.load()
    env = {"ANTHROPIC_API_KEY": "k1", "ANTHROPIC_BASE_URL": "http://127.0.0.1:1"}
    provider = build_provider(registry.provider("anthropic"), env)
    assert isinstance(provider, AnthropicProvider)
    assert str(provider.client.base_url).startswith("http://127.0.0.1:1")
    assert provider.client.api_key == "k1" and provider.client.max_retries == 0
    local = build_provider(registry.provider("local"), {})
    assert isinstance(local, OpenAICompatibleProvider)
    assert str(local.client.base_url).startswith("http://127.0.0.1:8000/v1")
    assert local.client.max_retries == 0


@pytest.mark.parametrize("body", [{}, {"choices": []}, {"content": "not a list"}, {"choices": [{"message": None}]}])
async def test_a_malformed_2xx_reply_is_a_retriable_provider_error(body: dict[str, object]) -> None:
    # A server that answers 200 with something that is not the API's shape is broken, not our caller's fault.
    def reply(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=body)

    for make in (anthropic.AsyncAnthropic, openai.AsyncOpenAI):
        client = make(api_key=API_KEY, base_url="http://fake.invalid", max_retries=0,
                      http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(reply)))
        provider: Provider = (AnthropicProvider("anthropic", api_key=None, client=client)
                              if isinstance(client, anthropic.AsyncAnthropic)
                              else OpenAICompatibleProvider("local", api_key=None, client=client))
        try:
            with pytest.raises(ProviderError, match="malformed reply") as info:
                await provider.complete(HISTORY, system=None, model="m", max_tokens=10, deadline=Deadline.after(5))
        finally:
            await provider.aclose()
        assert info.value.kind is ErrorKind.RETRIABLE
