"""The fake providers, driven by the real official SDKs (anthropic, openai), streaming included."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from typing import Any

import aiohttp
import anthropic
import openai
import pytest
from infrafabric.testing.fake_anthropic import FakeAnthropic
from infrafabric.testing.fake_openai import FakeOpenAI

API_KEY = "test-key"  # the key the conftest fakes are started with

USER = [{"role": "user", "content": "please summarise the quarterly report for me"}]


class _Reply:
    def __init__(self, status_code: int, text: str) -> None:
        self.status_code = status_code
        self.text = text

    def json(self) -> Any:
        return json.loads(self.text)


async def http(method: str, url: str, *, headers: dict[str, str] | None = None, json_body: Any = None) -> _Reply:
    """A plain HTTP call, for what the SDKs hide (wire events, missing headers, the admin endpoint)."""
    async with aiohttp.ClientSession() as session, session.request(method, url, headers=headers,
                                                                    json=json_body) as response:
        return _Reply(response.status, await response.text())


def anthropic_client(fake: FakeAnthropic, key: str = API_KEY) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(api_key=key, base_url=fake.url, max_retries=0)


def openai_client(fake: FakeOpenAI, key: str = API_KEY) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key=key, base_url=fake.base_url, max_retries=0)


# ---------------------------------------------------------------------------------------------- Anthropic


async def test_anthropic_message_echoes_model_and_counts_tokens(fake_anthropic: FakeAnthropic) -> None:
    async with anthropic_client(fake_anthropic) as client:
        message = await client.messages.create(model="claude-test", max_tokens=100, system="be brief", messages=USER)
    assert message.content[0].text == "claude-test received: please summarise the quarterly report for me"
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == 9  # 7 words of user text + 2 of system
    assert message.usage.output_tokens == 9
    assert message.model == "claude-test"


async def test_anthropic_stream_event_sequence_and_helpers(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script_replies("one two three four")
    async with anthropic_client(fake_anthropic) as client:
        raw = await client.messages.create(model="m", max_tokens=50, messages=USER, stream=True)
        kinds = [event.type async for event in raw]
        async with client.messages.stream(model="m", max_tokens=50, messages=USER) as stream:
            pieces = [text async for text in stream.text_stream]
            final = await stream.get_final_message()
    # The SDK drops ping events; everything else arrives in the documented order.
    assert kinds == ["message_start", "content_block_start", "content_block_delta", "content_block_delta",
                     "content_block_delta", "content_block_delta", "content_block_stop", "message_delta",
                     "message_stop"]
    assert "".join(pieces) == "m received: please summarise the quarterly report for me"
    assert len(pieces) > 1
    assert final.usage.output_tokens == 9 and final.usage.input_tokens == 7
    assert final.stop_reason == "end_turn"


async def test_anthropic_stream_sends_ping_on_the_wire(fake_anthropic: FakeAnthropic) -> None:
    response = await http(
        "POST", f"{fake_anthropic.url}/v1/messages",
        headers={"x-api-key": API_KEY, "anthropic-version": "2023-06-01"},
        json_body={"model": "m", "max_tokens": 10, "messages": USER, "stream": True},
    )
    events = [line.split(": ", 1)[1] for line in response.text.splitlines() if line.startswith("event: ")]
    assert events[:3] == ["message_start", "content_block_start", "ping"]
    assert events[-3:] == ["content_block_stop", "message_delta", "message_stop"]


async def test_anthropic_max_tokens_truncates(fake_anthropic: FakeAnthropic) -> None:
    async with anthropic_client(fake_anthropic) as client:
        message = await client.messages.create(model="m", max_tokens=3, messages=USER)
    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens == 3


async def test_anthropic_auth_and_version_checks(fake_anthropic: FakeAnthropic) -> None:
    async with anthropic_client(fake_anthropic, key="wrong") as client:
        with pytest.raises(anthropic.AuthenticationError) as info:
            await client.messages.create(model="m", max_tokens=10, messages=USER)
    assert info.value.body["error"]["type"] == "authentication_error"
    assert info.value.request_id
    url = f"{fake_anthropic.url}/v1/messages"
    versioned = {"x-api-key": API_KEY, "anthropic-version": "2023-06-01"}
    ok = await http("POST", url, headers=versioned, json_body={"model": "m", "max_tokens": 10, "messages": USER})
    no_version = await http("POST", url, headers={"x-api-key": API_KEY},
                            json_body={"model": "m", "max_tokens": 10, "messages": USER})
    bad_body = await http("POST", url, headers=versioned, json_body={"model": "m", "messages": USER})
    assert ok.status_code == 200
    assert no_version.status_code == 400 and "anthropic-version" in no_version.json()["error"]["message"]
    assert bad_body.status_code == 400 and bad_body.json()["error"]["message"].startswith("max_tokens")


@pytest.mark.parametrize(
    ("status", "exc_type", "error_type"),
    [
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (529, anthropic.OverloadedError, "overloaded_error"),
        (500, anthropic.InternalServerError, "api_error"),
    ],
)
async def test_anthropic_injected_errors_are_real_shaped(
    fake_anthropic: FakeAnthropic, status: int, exc_type: type[Exception], error_type: str
) -> None:
    fake_anthropic.fail_next(1, status, retry_after=2.5)
    async with anthropic_client(fake_anthropic) as client:
        with pytest.raises(exc_type) as info:
            await client.messages.create(model="m", max_tokens=10, messages=USER)
        # Only the next request fails.
        await client.messages.create(model="m", max_tokens=10, messages=USER)
    err = info.value
    assert err.status_code == status
    assert err.type == error_type
    assert err.response.headers["retry-after"] == "3"
    assert err.response.headers["retry-after-ms"] == "2500"
    assert [r.outcome for r in fake_anthropic.requests] == [status, 200]


async def test_anthropic_midstream_error_event(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.fail_next(1, 529, midstream=True)
    seen: list[str] = []
    async with anthropic_client(fake_anthropic) as client:
        with pytest.raises(anthropic.APIStatusError) as info:
            async with client.messages.stream(model="m", max_tokens=50, messages=USER) as stream:
                async for text in stream.text_stream:
                    seen.append(text)
    assert seen == ["m"]
    assert info.value.body["error"]["type"] == "overloaded_error"


async def test_anthropic_sdk_own_retries_honour_retry_after(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.fail_next(2, 529, retry_after=0.05)
    async with anthropic.AsyncAnthropic(api_key=API_KEY, base_url=fake_anthropic.url, max_retries=2) as client:
        message = await client.messages.create(model="m", max_tokens=10, messages=USER)
    assert message.content[0].text.startswith("m received")
    assert [r.outcome for r in fake_anthropic.requests] == [529, 529, 200]


async def test_anthropic_latency_and_control_header(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.set_latency(0.3)
    async with anthropic_client(fake_anthropic) as client:
        with pytest.raises(anthropic.APITimeoutError):
            await client.messages.create(model="m", max_tokens=10, messages=USER, timeout=0.1)
        fake_anthropic.set_latency(0)
        with pytest.raises(anthropic.RateLimitError):
            await client.messages.create(model="m", max_tokens=10, messages=USER,
                                         extra_headers={"x-fake-fail-status": "429"})
        reply = await client.messages.create(model="m", max_tokens=10, messages=USER,
                                             extra_headers={"x-fake-reply": "scripted by header"})
    assert reply.content[0].text == "scripted by header"


async def test_anthropic_unknown_model_is_404() -> None:
    async with FakeAnthropic(api_key=API_KEY, models=["claude-a"]) as fake, anthropic_client(fake) as client:
        with pytest.raises(anthropic.NotFoundError):
            await client.messages.create(model="claude-b", max_tokens=10, messages=USER)
        await client.messages.create(model="claude-a", max_tokens=10, messages=USER)


# ---------------------------------------------------------------------------------------------- OpenAI


async def test_openai_completion(fake_openai: FakeOpenAI) -> None:
    async with openai_client(fake_openai) as client:
        reply = await client.chat.completions.create(
            model="gpt-test", messages=[{"role": "system", "content": "be brief"}, *USER]
        )
    assert reply.choices[0].message.content == "gpt-test received: please summarise the quarterly report for me"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.total_tokens) == (9, 9, 18)


async def test_openai_stream_with_usage(fake_openai: FakeOpenAI) -> None:
    async with openai_client(fake_openai) as client:
        stream = await client.chat.completions.create(
            model="m", messages=USER, stream=True, stream_options={"include_usage": True}
        )
        chunks = [chunk async for chunk in stream]
        async with client.chat.completions.stream(model="m", messages=USER,
                                                  stream_options={"include_usage": True}) as helper:
            async for _event in helper:
                pass
            final = await helper.get_final_completion()
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "m received: please summarise the quarterly report for me"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert all(c.usage is None for c in chunks[:-1])
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 9
    assert final.choices[0].message.content == text
    assert final.usage is not None and final.usage.prompt_tokens == 7


async def test_openai_stream_without_usage_ends_with_done(fake_openai: FakeOpenAI) -> None:
    response = await http("POST", f"{fake_openai.base_url}/chat/completions",
                          headers={"Authorization": f"Bearer {API_KEY}"},
                          json_body={"model": "m", "messages": USER, "stream": True})
    lines = [line for line in response.text.splitlines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all("usage" not in json.loads(line[6:]) for line in lines[:-1])


async def test_openai_errors_and_models(fake_openai: FakeOpenAI) -> None:
    async with openai_client(fake_openai, key="nope") as client:
        with pytest.raises(openai.AuthenticationError) as auth:
            await client.chat.completions.create(model="m", messages=USER)
    assert auth.value.code == "invalid_api_key"
    assert auth.value.request_id

    fake_openai.fail_next(1, 429, retry_after=1)
    fake_openai.fail_next(1, 503)
    async with openai_client(fake_openai) as client:
        with pytest.raises(openai.RateLimitError) as limited:
            await client.chat.completions.create(model="m", messages=USER)
        with pytest.raises(openai.InternalServerError):
            await client.chat.completions.create(model="m", messages=USER)
        with pytest.raises(openai.BadRequestError) as bad:
            await client.chat.completions.create(model="m", messages=[])
        models = await client.models.list()
    assert limited.value.code == "rate_limit_exceeded"
    assert limited.value.response.headers["retry-after"] == "1"
    assert bad.value.param == "messages"
    assert models.data == []


async def test_openai_model_list_and_unknown_model() -> None:
    async with FakeOpenAI(api_key=API_KEY, models=["llama", "qwen"]) as fake, openai_client(fake) as client:
        listed = [m.id async for m in client.models.list()]
        with pytest.raises(openai.NotFoundError) as info:
            await client.chat.completions.create(model="mistral", messages=USER)
    assert listed == ["llama", "qwen"]
    assert info.value.code == "model_not_found"


async def test_openai_midstream_error_and_length(fake_openai: FakeOpenAI) -> None:
    fake_openai.fail_next(1, 500, midstream=True)
    async with openai_client(fake_openai) as client:
        stream = await client.chat.completions.create(model="m", messages=USER, stream=True)
        received = []
        with pytest.raises(openai.APIError):
            async for chunk in stream:
                received.append(chunk)
        short = await client.chat.completions.create(model="m", messages=USER, max_tokens=2)
    assert received  # the role chunk and one delta arrived before the error
    assert short.choices[0].finish_reason == "length"
    assert short.choices[0].message.content == "m received:"


# ---------------------------------------------------------------------------------------------- other processes


async def test_admin_endpoint_scripts_failures(fake_openai: FakeOpenAI) -> None:
    control = f"{fake_openai.url}/_fake/control"
    state = (await http("POST", control, json_body={"fail_next": {"count": 2, "status": 502},
                                                    "replies": ["canned"]})).json()
    assert len(state["pending_failures"]) == 2
    bad = await http("POST", control, json_body={"fail_next": {"status": 200}})
    assert bad.status_code == 400
    async with openai_client(fake_openai) as client:
        for _ in range(2):
            with pytest.raises(openai.InternalServerError):
                await client.chat.completions.create(model="m", messages=USER)
        reply = await client.chat.completions.create(model="m", messages=USER)
    assert reply.choices[0].message.content == "canned"
    assert (await http("GET", control)).json()["statuses"] == [502, 502, 200]
    assert (await http("POST", f"{fake_openai.url}/_fake/reset")).json()["requests_seen"] == 0


@pytest.mark.parametrize("module", ["fake_anthropic", "fake_openai"])
async def test_runs_as_a_subprocess(module: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", f"infrafabric.testing.{module}", "--port", "0", "--api-key", API_KEY],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        url = (await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout=20)).strip()  # type: ignore[union-attr]
        assert url.startswith("http://127.0.0.1:")
        body = json.dumps({"fail_next": {"count": 1, "status": 529}}).encode()
        request = urllib.request.Request(f"{url}/_fake/control", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=5).read())
        if module == "fake_anthropic":
            async with anthropic.AsyncAnthropic(api_key=API_KEY, base_url=url, max_retries=0) as client:
                with pytest.raises(anthropic.OverloadedError):
                    await client.messages.create(model="m", max_tokens=5, messages=USER)
                message = await client.messages.create(model="m", max_tokens=50, messages=USER)
                text = message.content[0].text
        else:
            async with openai.AsyncOpenAI(api_key=API_KEY, base_url=f"{url}/v1", max_retries=0) as client:
                with pytest.raises(openai.InternalServerError):
                    await client.chat.completions.create(model="m", messages=USER)
                completion = await client.chat.completions.create(model="m", messages=USER)
                text = completion.choices[0].message.content or ""
        assert text.startswith("m received")
    finally:
        process.terminate()
        started = time.monotonic()
        process.wait(timeout=10)
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]
    assert process.returncode == 0, "the fake should exit cleanly on SIGTERM"
    assert time.monotonic() - started < 5
