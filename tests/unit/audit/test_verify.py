"""Offline verification of exported logs: every kind of tampering names the first bad entry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from infrafabric.server.audit.log import AuditEvent, AuditLog
from infrafabric.transparency import Checkpoint, Signer, verify_export
from infrafabric.transparency.merkle import leaf_hash
from infrafabric.transparency.verify import _Nodes

N = 20


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    import asyncio

    base = tmp_path_factory.mktemp("audit-export")

    async def build() -> str:
        log = AuditLog.open(base / "data", segment_entries=8)
        for batch in range(
            4
        ):  # four batches -> four signed checkpoints of growing size
            await log.append(
                [
                    AuditEvent("chat.turn", "acme", payload={"n": i, "note": "ünïcode"})
                    for i in range(batch * 5, batch * 5 + 5)
                ]
            )
        log.export(base / "export", max_checkpoints=0)
        vkey = log.verifier_key
        await log.close()
        return vkey

    vkey = asyncio.run(build())
    return base / "export", vkey, base / "data"


@pytest.fixture
def copy(exported: tuple[Path, str, Path], tmp_path: Path) -> Path:
    dst = tmp_path / "export"
    shutil.copytree(exported[0], dst)
    return dst


def lines(path: Path) -> list[bytes]:
    return (path / "entries.jsonl").read_bytes().split(b"\n")[:-1]


def write_lines(path: Path, ls: list[bytes]) -> None:
    (path / "entries.jsonl").write_bytes(b"".join(l + b"\n" for l in ls))


def test_intact_export_verifies(exported: tuple[Path, str, Path]) -> None:
    res = verify_export(exported[0], exported[1])
    assert res.ok and res.checked_entries == N and res.first_bad_index is None
    header = json.loads((exported[0] / "export.json").read_text())
    assert (
        len(header["checkpoints"]) == 5
    )  # sizes 0 (signed at creation), 5, 10, 15, 20


def test_every_flipped_byte_of_an_entry_is_pinned_to_that_entry(
    copy: Path, exported: tuple[Path, str, Path]
) -> None:
    original = (copy / "entries.jsonl").read_bytes()
    k = 7
    start = sum(len(l) + 1 for l in lines(copy)[:k])
    end = start + len(lines(copy)[k]) + 1  # including its newline
    for pos in range(start, end):
        data = bytearray(original)
        data[pos] ^= 0x01
        (copy / "entries.jsonl").write_bytes(bytes(data))
        res = verify_export(copy, exported[1])
        assert not res.ok and res.first_bad_index == k, (pos, res)


def test_flipped_byte_in_header_or_tree_is_detected(
    copy: Path, exported: tuple[Path, str, Path]
) -> None:
    for name in ("export.json", "tree.bin"):
        original = (copy / name).read_bytes()
        for pos in range(0, len(original), max(1, len(original) // 40)):
            data = bytearray(original)
            data[pos] ^= 0x04
            (copy / name).write_bytes(bytes(data))
            assert not verify_export(copy, exported[1]).ok, (name, pos)
        (copy / name).write_bytes(original)


def test_reordered_entries(copy: Path, exported: tuple[Path, str, Path]) -> None:
    ls = lines(copy)
    ls[3], ls[11] = ls[11], ls[3]
    write_lines(copy, ls)
    res = verify_export(copy, exported[1])
    assert not res.ok and res.first_bad_index == 3 and "out of order" in res.reason


def test_missing_entry(copy: Path, exported: tuple[Path, str, Path]) -> None:
    ls = lines(copy)
    del ls[9]
    write_lines(copy, ls)
    res = verify_export(copy, exported[1])
    assert not res.ok and res.first_bad_index == 9 and "missing" in res.reason


@pytest.mark.parametrize("cut", [2, 1])
def test_truncated_export(
    copy: Path, exported: tuple[Path, str, Path], cut: int
) -> None:
    write_lines(copy, lines(copy)[:-cut])
    res = verify_export(copy, exported[1])
    assert not res.ok and res.first_bad_index == N - cut and "truncated" in res.reason


def test_torn_last_line(copy: Path, exported: tuple[Path, str, Path]) -> None:
    data = (copy / "entries.jsonl").read_bytes()
    (copy / "entries.jsonl").write_bytes(data[:-30])
    res = verify_export(copy, exported[1])
    assert not res.ok and res.first_bad_index == N - 1


def _signer(data_dir: Path) -> Signer:
    key = serialization.load_pem_private_key(
        (data_dir / "signing_key.pem").read_bytes(), password=None
    )
    return Signer("infrafabric.local/audit", key)  # type: ignore[arg-type]


def test_checkpoint_not_matching_entries(
    copy: Path, exported: tuple[Path, str, Path]
) -> None:
    header = json.loads((copy / "export.json").read_text())
    forged = _signer(exported[2]).sign(
        Checkpoint("infrafabric.local/audit", N, b"\x11" * 32).to_text()
    )
    header["checkpoints"][-1] = forged
    (copy / "export.json").write_text(json.dumps(header))
    res = verify_export(copy, exported[1])
    assert not res.ok and "signed checkpoint for size 20" in res.reason


def test_unsigned_checkpoint_edit_is_rejected(
    copy: Path, exported: tuple[Path, str, Path]
) -> None:
    header = json.loads((copy / "export.json").read_text())
    header["checkpoints"][-1] = header["checkpoints"][-1].replace("\n20\n", "\n21\n")
    (copy / "export.json").write_text(json.dumps(header))
    res = verify_export(copy, exported[1])
    assert not res.ok and "does not verify" in res.reason


def test_history_rewritten_and_resigned_is_caught_by_older_checkpoints(
    copy: Path, exported: tuple[Path, str, Path]
) -> None:
    # The operator edits entry 2, rebuilds the tree and re-signs the newest checkpoint; the older
    # checkpoints (sizes 5, 10, 15) were published before and no longer match.
    ls = lines(copy)
    ls[2] = ls[2].replace(b'"n":2', b'"n":9')
    write_lines(copy, ls)
    nodes = _Nodes()
    for l in ls:
        nodes.append(leaf_hash(l))
    (copy / "tree.bin").write_bytes(bytes(nodes.buf))
    header = json.loads((copy / "export.json").read_text())
    header["checkpoints"][-1] = _signer(exported[2]).sign(
        Checkpoint("infrafabric.local/audit", N, nodes.root(N)).to_text()
    )
    (copy / "export.json").write_text(json.dumps(header))
    res = verify_export(copy, exported[1])
    assert not res.ok and "inconsistent" in res.reason and "size 5" in res.reason


def test_rollback_to_older_signed_state_is_caught_with_expected_checkpoint(
    copy: Path, exported: tuple[Path, str, Path]
) -> None:
    header = json.loads((copy / "export.json").read_text())
    newest = header["checkpoints"][-1]
    # Roll back to the size-15 state: drop the last 5 entries and the newest checkpoint.
    header["checkpoints"] = header["checkpoints"][:-1]
    header["tree_size"] = 15
    (copy / "export.json").write_text(json.dumps(header))
    write_lines(copy, lines(copy)[:15])
    full_tree = (copy / "tree.bin").read_bytes()
    from infrafabric.transparency.merkle import mmr_size

    (copy / "tree.bin").write_bytes(full_tree[: mmr_size(15) * 32])
    assert verify_export(copy, exported[1]).ok  # a consistent prefix on its own
    res = verify_export(copy, exported[1], expected_checkpoint=newest)
    assert not res.ok and "rolled back" in res.reason


def test_wrong_verifier_key_is_rejected(copy: Path) -> None:
    res = verify_export(copy, Signer.generate("infrafabric.local/audit").vkey)
    assert not res.ok and "not the trusted" in res.reason


async def test_export_from_an_offset_verifies_and_pins_tampering(
    tmp_path: Path,
) -> None:
    log = AuditLog.open(tmp_path / "d", segment_entries=8)
    try:
        for _ in range(3):
            await log.append(
                [AuditEvent("t", "acme", payload={"i": i}) for i in range(7)]
            )
        log.export(tmp_path / "part", start=10)
        assert verify_export(tmp_path / "part", log.verifier_key).ok
        ls = lines(tmp_path / "part")
        ls[4] = ls[4].replace(b'"i":', b'"j":')
        write_lines(tmp_path / "part", ls)
        res = verify_export(tmp_path / "part", log.verifier_key)
        assert not res.ok and res.first_bad_index == 14
    finally:
        await log.close()
