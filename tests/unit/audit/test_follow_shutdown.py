"""A follow stream ends with OK as soon as the server starts to stop, not when the grace period runs out."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from infrafabric.clients import AuditClient
from infrafabric.server._common.server import create_server
from infrafabric.server.audit.settings import AuditSettings
from infrafabric.server.registry import SERVICES


async def test_follow_stream_ends_at_once_when_the_server_stops(tmp_path: Path) -> None:
    settings = AuditSettings(data_dir=tmp_path, port=0)
    running = await create_server(SERVICES["audit"], settings)
    identity = [("x-tenant-id", "acme"), ("x-user-id", "alice")]
    async with AuditClient(f"127.0.0.1:{running.port}", metadata=identity) as audit:
        await audit.append_event("t", {"n": 1})
        received = []

        async def follow() -> None:
            async for entry in audit.follow_entries(0):
                received.append(entry.index)

        task = asyncio.create_task(follow())
        while not received:
            await asyncio.sleep(0.01)
        started = time.monotonic()
        await running.stop(grace=10)
        await asyncio.wait_for(task, timeout=5)  # ended normally: no error raised out of the stream
        assert time.monotonic() - started < 5  # well inside the 10 s grace
    assert received == [0]
