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
