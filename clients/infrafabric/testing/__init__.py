"""Testing helpers shipped with InfraFabric (like ``temporalio.testing``): local fakes of the third parties.

* ``infrafabric.testing.fake_anthropic.FakeAnthropic``: the Anthropic Messages API, JSON and SSE streaming.
* ``infrafabric.testing.fake_openai.FakeOpenAI``: an OpenAI-compatible Chat Completions server (OpenAI, vLLM,
  Ollama), JSON and SSE streaming, ``/v1/models``.

Both are real HTTP servers on port 0 (``async with FakeAnthropic() as fake: fake.url``), driven by the official
SDKs, with deterministic replies and scriptable failures and latency (Python API, admin endpoint
``/_fake/control``, or ``x-fake-*`` request headers). Run one in its own process with
``python -m infrafabric.testing.fake_anthropic --port 0``; it prints its URL. They need ``aiohttp``;
nothing here imports server code.
"""
