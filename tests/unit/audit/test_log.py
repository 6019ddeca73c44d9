"""The durable audit log: appends, reads, proofs, filters, follow, reopen, recovery, retention."""

from __future__ import annotations

import asyncio
import os
import stat
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from infrafabric.server.audit.errors import (
    EntryNotFoundError,
    EntrySealedError,
    InvalidEventError,
    InvalidRequestError,
    LogCorruptError,
    LogLockedError,
)
from infrafabric.server.audit.log import AuditEvent, AuditLog
from infrafabric.transparency import (
    Entry,
    open_checkpoint,
    parse_citation,
    verify_consistency,
    verify_export,
    verify_inclusion,
    verify_receipt,
)
from infrafabric.transparency.merkle import leaf_hash
from infrafabric.transparency.note import Verifier


def event(
    i: int, tenant: str = "acme", session: str = "s1", type_: str = "chat.turn"
) -> AuditEvent:
    return AuditEvent(
        type=type_,
        tenant_id=tenant,
        user_id="u1",
        session_id=session,
        request_id=f"r{i}",
        payload={"n": i, "text": "héllo"},
        refs=(f"if://memory/{i}",),
    )


async def test_append_returns_verifiable_receipts_in_order(audit_log: AuditLog) -> None:
    receipts = await audit_log.append([event(i) for i in range(5)])
    assert [r.index for r in receipts] == [0, 1, 2, 3, 4]
    for r in receipts:
        assert verify_receipt(r, audit_log.verifier_key).ok
        assert parse_citation(r.citation) == ("infrafabric.local/audit", r.index)
        entry = Entry.decode(r.entry)
        assert entry.payload == {"n": r.index, "text": "héllo"}
        assert entry.time.endswith("Z") and len(entry.time) == 27
    assert audit_log.size == 5
    assert audit_log.get(3).request_id == "r3"
    assert audit_log.get_by_citation(receipts[2].citation).index == 2


async def test_entry_bytes_are_canonical_json(audit_log: AuditLog) -> None:
    r = await audit_log.append_one(
        {"type": "t", "tenant_id": "x", "payload": {"b": 1, "a": [1.5, "ü"]}}
    )
    assert r.entry.startswith(
        b'{"index":0,"payload":{"a":[1.5,"\xc3\xbc"],"b":1},"refs":[],"request_id":"",'
    )
    assert Entry.decode(r.entry).encode() == r.entry


async def test_tampered_receipts_fail(audit_log: AuditLog) -> None:
    r = (await audit_log.append([event(0), event(1), event(2)]))[1]
    from dataclasses import replace

    bad_entry = r.entry.replace(b'"n":1', b'"n":7')
    assert not verify_receipt(replace(r, entry=bad_entry), audit_log.verifier_key).ok
    assert not verify_receipt(
        replace(r, entry=bad_entry, leaf_hash=leaf_hash(bad_entry)),
        audit_log.verifier_key,
    ).ok
    assert not verify_receipt(replace(r, index=2), audit_log.verifier_key).ok
    assert not verify_receipt(
        replace(r, inclusion_proof=r.inclusion_proof[:-1]), audit_log.verifier_key
    ).ok
    other = AuditLog.open(audit_log.data_dir.parent / "other")
    try:
        res = verify_receipt(r, other.verifier_key)
        assert not res.ok and "checkpoint" in res.reason
    finally:
        await other.close()


async def test_concurrent_callers_are_group_committed(audit_log: AuditLog) -> None:
    results = await asyncio.gather(
        *[audit_log.append_one(event(i, tenant=f"t{i % 4}")) for i in range(200)]
    )
    assert sorted(r.index for r in results) == list(range(200))
    assert (
        len({r.tree_size for r in results}) < 200
    )  # several callers shared a batch and a checkpoint
    assert audit_log.checkpoint.size == 200
    for r in results[::17]:
        assert verify_receipt(r, audit_log.verifier_key).ok


async def test_proofs_verify_against_signed_checkpoints(audit_log: AuditLog) -> None:
    await audit_log.append([event(i) for i in range(13)])
    old = audit_log.checkpoint
    await audit_log.append([event(i) for i in range(13, 30)])
    new = audit_log.checkpoint
    v = Verifier.from_vkey(audit_log.verifier_key)
    assert open_checkpoint(new.note, v).size == 30
    p = audit_log.consistency_proof(old.size)
    assert (p.first_root, p.second_root) == (old.root_hash, new.root_hash)
    assert verify_consistency(13, 30, old.root_hash, new.root_hash, list(p.hashes))
    for index in (0, 12, 29):
        ip = audit_log.inclusion_proof(index)
        assert verify_inclusion(
            index,
            30,
            leaf_hash(audit_log.get_raw(index)),
            list(ip.hashes),
            new.root_hash,
        )
    ip = audit_log.inclusion_proof(5, tree_size=13)
    assert verify_inclusion(5, 13, ip.leaf_hash, list(ip.hashes), old.root_hash)


async def test_out_of_range_and_bad_requests(audit_log: AuditLog) -> None:
    await audit_log.append([event(0)])
    with pytest.raises(EntryNotFoundError) as exc:
        audit_log.get(1)
    assert isinstance(exc.value, IndexError) and exc.value.field == "index"
    with pytest.raises(EntryNotFoundError):
        audit_log.inclusion_proof(0, tree_size=2)
    with pytest.raises(EntryNotFoundError):
        audit_log.consistency_proof(0, 5)
    with pytest.raises(InvalidRequestError):
        audit_log.consistency_proof(2, 1)
    with pytest.raises(InvalidRequestError):
        audit_log.get_by_citation("if://audit/someone.else/0")


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"tenant_id": "t"}, "type"),
        ({"type": "t"}, "tenant_id"),
        ({"type": "t", "tenant_id": "t", "payload": {"x": "a" * 70000}}, "payload"),
        ({"type": "t", "tenant_id": "t", "payload": {"x": float("nan")}}, "payload"),
        ({"type": "t", "tenant_id": "t", "payload": "[1, 2]"}, "payload"),
        ({"type": "t", "tenant_id": "t", "refs": "notalist"}, "refs"),
        ({"type": "t", "tenant_id": "t", "colour": "red"}, "colour"),
        ({"type": "t\n", "tenant_id": "t"}, "type"),
        ({"type": "t", "tenant_id": "x" * 300}, "tenant_id"),
        ({"type": "t", "tenant_id": "t", "user_id": "\ud800"}, "user_id"),
    ],
)
async def test_invalid_events_name_the_field_and_write_nothing(
    audit_log: AuditLog, bad: dict, field: str
) -> None:
    with pytest.raises(InvalidEventError) as exc:
        await audit_log.append([event(0), bad])
    assert isinstance(exc.value, ValueError) and exc.value.field == field
    assert audit_log.size == 0


async def test_list_filters_and_pagination(audit_log: AuditLog) -> None:
    await audit_log.append(
        [
            event(
                i,
                tenant="a" if i % 3 else "b",
                session=f"s{i % 2}",
                type_="x" if i < 10 else "y",
            )
            for i in range(30)
        ]
    )
    got, token = [], ""
    while True:
        page = audit_log.list_entries(tenant_id="a", page_size=4, page_token=token)
        got += [e.index for e in page.entries]
        token = page.next_page_token
        if not token:
            break
    assert got == [i for i in range(30) if i % 3]
    page = audit_log.list_entries(
        tenant_id="a", session_id="s0", type="y", page_size=100
    )
    assert [e.index for e in page.entries] == [
        i for i in range(10, 30) if i % 3 and i % 2 == 0
    ]
    assert page.next_page_token == ""
    assert audit_log.list_entries(tenant_id="nobody").entries == []
    with pytest.raises(InvalidRequestError):
        audit_log.list_entries(
            tenant_id="b",
            page_size=2,
            page_token=audit_log.list_entries(
                tenant_id="a", page_size=2
            ).next_page_token,
        )
    with pytest.raises(InvalidRequestError):
        audit_log.list_entries(page_token="garbage!")


async def test_list_by_time_range(audit_log: AuditLog) -> None:
    await audit_log.append([event(0), event(1)])
    await asyncio.sleep(0.01)
    middle = datetime.now(UTC)
    await asyncio.sleep(0.01)
    await audit_log.append([event(2)])
    assert [e.index for e in audit_log.list_entries(start_time=middle).entries] == [2]
    assert [e.index for e in audit_log.list_entries(end_time=middle).entries] == [0, 1]
    assert audit_log.list_entries(start_time=middle + timedelta(days=1)).entries == []


async def test_follow_yields_existing_then_new_entries(audit_log: AuditLog) -> None:
    await audit_log.append([event(0), event(1, tenant="other")])
    seen: list[int] = []

    async def consume() -> None:
        async for e in audit_log.follow(0, tenant_id="acme"):
            seen.append(e.index)
            if len(seen) == 3:
                return

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.01)
    await audit_log.append([event(2)])
    await audit_log.append([event(3, tenant="other"), event(4)])
    await asyncio.wait_for(task, 5)
    assert seen == [0, 2, 4]


async def test_reopen_keeps_entries_checkpoint_and_consistency(tmp_path: Path) -> None:
    log = AuditLog.open(tmp_path / "d", segment_entries=4)
    await log.append([event(i) for i in range(10)])
    before, vkey = log.checkpoint, log.verifier_key
    await log.close()
    key = tmp_path / "d" / "signing_key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    log = AuditLog.open(tmp_path / "d")
    try:
        assert log.verifier_key == vkey and log.size == 10 and log.checkpoint == before
        await log.append([event(10)])
        p = log.consistency_proof(10)
        assert verify_consistency(
            10, 11, before.root_hash, log.checkpoint.root_hash, list(p.hashes)
        )
    finally:
        await log.close()


async def test_second_open_of_same_directory_is_refused(audit_log: AuditLog) -> None:
    with pytest.raises(LogLockedError):
        AuditLog.open(audit_log.data_dir)


def _last_segment(data: Path) -> Path:
    return max((data / "segments").glob("*.seg"))


def _append_bytes(path: Path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


def _overwrite_start(path: Path, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.write(data)


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\x00",  # torn header
        struct.pack(">II", 100, 0) + b"{partial",  # header written, data cut short
        struct.pack(">II", 5, zlib.crc32(b"xxxxx") ^ 1)
        + b"xxxxx",  # full length, bad checksum
    ],
)
async def test_torn_tail_is_cut_on_open(tmp_path: Path, garbage: bytes) -> None:
    data = tmp_path / "d"
    log = AuditLog.open(data, segment_entries=4)
    await log.append([event(i) for i in range(6)])
    await log.close()
    seg = _last_segment(data)
    good = seg.stat().st_size
    _append_bytes(seg, garbage)
    _append_bytes(data / "meta.bin", b"\x01" * 20)  # a half-written index record too
    log = AuditLog.open(data)
    try:
        assert log.size == 6 and seg.stat().st_size == good
        await log.append([event(6), event(7), event(8)])
        assert log.get(8).request_id == "r8"
        log.export(tmp_path / "exp")
        assert verify_export(tmp_path / "exp", log.verifier_key).ok
    finally:
        await log.close()


async def test_derived_files_are_rebuilt(tmp_path: Path) -> None:
    data = tmp_path / "d"
    log = AuditLog.open(data, segment_entries=4)
    await log.append([event(i) for i in range(11)])
    root = log.checkpoint.root_hash
    await log.close()
    (data / "meta.bin").unlink()
    _overwrite_start(data / "tree.bin", b"\xff" * 32)  # corrupt leaf 0's hash
    log = AuditLog.open(data)
    try:
        assert log.size == 11 and log.checkpoint.root_hash == root
        assert [e.index for e in log.list_entries(tenant_id="acme").entries] == list(
            range(11)
        )
    finally:
        await log.close()


def _rewrite_entry_1(data: Path) -> None:
    """Replace entry 1 with a different, well-formed record of the same length and a valid CRC."""
    seg = _last_segment(data)
    raw = bytearray(seg.read_bytes())
    start = 8 + struct.unpack_from(">I", raw, 0)[0]
    n1 = struct.unpack_from(">I", raw, start)[0]
    rec = bytes(raw[start + 8 : start + 8 + n1]).replace(b'"r1"', b'"r9"')
    raw[start : start + 8 + n1] = struct.pack(">II", n1, zlib.crc32(rec)) + rec
    seg.write_bytes(bytes(raw))


async def test_rewritten_entry_on_disk_is_detected(tmp_path: Path) -> None:
    data = tmp_path / "d"
    log = AuditLog.open(data, segment_entries=100)
    await log.append([event(i) for i in range(3)])
    await log.close()
    _rewrite_entry_1(data)
    log = AuditLog.open(data)
    try:
        result = log.fsck()
        assert not result.ok and result.first_bad_index == 1
        assert not verify_receipt(log.receipt(1), log.verifier_key).ok
        assert verify_receipt(log.receipt(2), log.verifier_key).ok
        log.export(tmp_path / "exp")
        assert verify_export(tmp_path / "exp", log.verifier_key).first_bad_index == 1
    finally:
        await log.close()


async def test_log_refuses_to_sign_over_rewritten_entries(tmp_path: Path) -> None:
    data = tmp_path / "d"
    log = AuditLog.open(data, segment_entries=100)
    await log.append([event(i) for i in range(3)])
    assert log.fsck().ok
    await log.close()
    _rewrite_entry_1(data)
    (data / "tree.bin").unlink()  # forces a rebuild from the (rewritten) entries
    with pytest.raises(LogCorruptError, match="refusing to sign"):
        AuditLog.open(data)


async def test_seal_segments_keeps_proofs_and_reads_from_cold(tmp_path: Path) -> None:
    data = tmp_path / "d"
    log = AuditLog.open(data, segment_entries=4)
    try:
        await log.append([event(i) for i in range(10)])
        res = log.seal_segments(before_index=9)
        assert res.sealed_segments == [
            "00000000000000000000.seg",
            "00000000000000000004.seg",
        ]
        assert res.hot_from_index == 8
        assert not (data / "segments" / res.sealed_segments[0]).exists()
        assert (data / "cold" / res.sealed_segments[0]).exists()
        assert log.get(1).request_id == "r1"
        assert verify_receipt(log.receipt(2), log.verifier_key).ok
        await log.append([event(10)])
        assert (
            log.seal_segments(
                older_than=datetime(2000, 1, 1, tzinfo=UTC)
            ).sealed_segments
            == []
        )
        log.export(tmp_path / "exp")
        assert verify_export(tmp_path / "exp", log.verifier_key).ok
        os.rename(data / "cold", data / "cold-offline")
        log._segments.close()  # drop cached descriptors so the next read goes to the path
        with pytest.raises(EntrySealedError, match="cold storage"):
            log.get(1)
        assert log.get(9).index == 9
        os.rename(data / "cold-offline", data / "cold")
    finally:
        await log.close()
    log = AuditLog.open(data)
    try:
        assert log.get(0).index == 0 and log.size == 11
    finally:
        await log.close()
