"""Damage to signed entries is evidence: opening the log must refuse, and change nothing on disk."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from infrafabric.server.audit.errors import LogCorruptError
from infrafabric.server.audit.log import AuditEvent, AuditLog


def _digest(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.rglob("*")) if p.is_file()}


async def test_a_flipped_byte_in_a_signed_entry_is_never_cut_away(tmp_path: Path) -> None:
    log = AuditLog.open(tmp_path / "log")
    for i in range(10):
        await log.append_one(AuditEvent(type="t", tenant_id="acme", payload={"i": i, "note": "x" * 40}))
    await log.close()
    [segment] = sorted((tmp_path / "log" / "segments").glob("*"))
    data = bytearray(segment.read_bytes())
    data[-10] ^= 0x01  # inside the last entry, which a checkpoint covers
    segment.write_bytes(bytes(data))
    before = _digest(segment.parent)
    with pytest.raises(LogCorruptError, match="covered by a signed checkpoint"):
        AuditLog.open(tmp_path / "log")
    assert _digest(segment.parent) == before


async def test_following_a_long_backlog_lets_other_work_run(tmp_path: Path) -> None:
    import asyncio

    log = AuditLog.open(tmp_path / "log")
    await log.append([AuditEvent(type="t", tenant_id="other") for _ in range(2000)])
    reads = 0
    real_get = log.get

    def counting_get(index: int):  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        return real_get(index)

    log.get = counting_get  # type: ignore[method-assign]
    seen_mid_scan: list[int] = []

    async def ticker() -> None:
        while True:
            if 0 < reads < 2000:
                seen_mid_scan.append(reads)
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    waiting = asyncio.create_task(log.follow(0, tenant_id="nobody-matches").__anext__())
    while reads < 2000:
        await asyncio.sleep(0.01)
    task.cancel()
    waiting.cancel()
    await log.close()
    assert seen_mid_scan  # other tasks ran while the 2,000 non-matching entries were scanned
