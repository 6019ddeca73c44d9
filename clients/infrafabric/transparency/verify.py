"""Offline verification of audit receipts and whole exported logs.

``verify_receipt`` checks one receipt (an entry, its inclusion proof and the signed checkpoint it
was issued under) against a trusted verifier key. ``verify_export`` recomputes an exported log
(see ``export.py``) and names the first entry index that fails: a flipped byte, reordered,
missing or extra entries, truncation, a checkpoint the entries do not match, or checkpoints that
are inconsistent with each other. Nothing here talks to a server.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .entry import Entry, InvalidEntryError, parse_citation
from .export import ENTRIES_FILE, HEADER_FILE, TREE_FILE, ExportHeader
from .merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    ProofError,
    leaf_hash,
    mmr_position,
    mmr_size,
    node_hash,
    peaks,
    root_from_inclusion_proof,
    verify_consistency,
)
from .note import Checkpoint, NoteError, Verifier, open_checkpoint

__all__ = [
    "Receipt",
    "VerifyResult",
    "verify_checkpoint_consistency",
    "verify_export",
    "verify_receipt",
]


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a verification. ``first_bad_index`` is None when no single entry is to blame."""

    ok: bool
    reason: str
    first_bad_index: int | None = None
    tree_size: int | None = None
    checked_entries: int = 0

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class Receipt:
    """Proof that an entry is in the log: everything needed to verify it offline."""

    index: int
    leaf_hash: bytes
    entry: bytes
    tree_size: int
    root_hash: bytes
    inclusion_proof: tuple[bytes, ...]
    checkpoint: str
    citation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "leaf_hash": self.leaf_hash.hex(),
            "entry": self.entry.decode("utf-8"),
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "inclusion_proof": [p.hex() for p in self.inclusion_proof],
            "checkpoint": self.checkpoint,
            "citation": self.citation,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> Receipt:
        return cls(
            index=int(obj["index"]),
            leaf_hash=bytes.fromhex(obj["leaf_hash"]),
            entry=obj["entry"].encode("utf-8"),
            tree_size=int(obj["tree_size"]),
            root_hash=bytes.fromhex(obj["root_hash"]),
            inclusion_proof=tuple(bytes.fromhex(p) for p in obj["inclusion_proof"]),
            checkpoint=obj["checkpoint"],
            citation=obj.get("citation", ""),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Receipt:
        return cls.from_dict(json.loads(text))


def _verifier(verifier_key: str | Verifier) -> Verifier:
    return (
        verifier_key
        if isinstance(verifier_key, Verifier)
        else Verifier.from_vkey(verifier_key)
    )


def verify_receipt(receipt: Receipt, verifier_key: str | Verifier) -> VerifyResult:
    """Check signature, checkpoint/receipt agreement, leaf hash, entry index and inclusion proof."""

    def bad(reason: str, entry_level: bool = False) -> VerifyResult:
        return VerifyResult(
            False, reason, receipt.index if entry_level else None, receipt.tree_size
        )

    try:
        verifier = _verifier(verifier_key)
        cp = open_checkpoint(receipt.checkpoint, verifier)
    except NoteError as exc:
        return bad(f"checkpoint does not verify: {exc}")
    if cp.size != receipt.tree_size or cp.root_hash != receipt.root_hash:
        return bad(
            f"receipt tree ({receipt.tree_size}, {receipt.root_hash.hex()[:16]}…) is not the signed checkpoint ({cp.size}, {cp.root_hash.hex()[:16]}…)"
        )
    if leaf_hash(receipt.entry) != receipt.leaf_hash:
        return bad("leaf_hash is not the hash of the entry bytes", True)
    try:
        entry = Entry.decode(receipt.entry)
    except InvalidEntryError as exc:
        return bad(f"entry bytes are not a canonical entry: {exc}", True)
    if entry.index != receipt.index:
        return bad(
            f"entry says index {entry.index} but the receipt says {receipt.index}", True
        )
    if receipt.citation:
        try:
            origin, idx = parse_citation(receipt.citation)
        except InvalidEntryError as exc:
            return bad(str(exc))
        if origin != cp.origin or idx != receipt.index:
            return bad(
                f"citation {receipt.citation} does not name index {receipt.index} in log {cp.origin}"
            )
    try:
        computed = root_from_inclusion_proof(
            receipt.index, receipt.tree_size, receipt.leaf_hash, receipt.inclusion_proof
        )
    except ProofError as exc:
        return bad(f"inclusion proof is malformed: {exc}", True)
    if computed != cp.root_hash:
        return bad("inclusion proof does not lead to the signed root", True)
    return VerifyResult(
        True,
        f"entry {receipt.index} is included in the signed tree of size {cp.size}",
        None,
        cp.size,
        1,
    )


def verify_checkpoint_consistency(
    old_note: str, new_note: str, proof: Sequence[bytes], verifier_key: str | Verifier
) -> VerifyResult:
    """Check that a newer signed checkpoint extends an older one (a client's rollback/fork check)."""
    try:
        verifier = _verifier(verifier_key)
        old = open_checkpoint(old_note, verifier)
        new = open_checkpoint(new_note, verifier, origin=old.origin)
    except NoteError as exc:
        return VerifyResult(False, f"checkpoint does not verify: {exc}")
    if not verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof):
        return VerifyResult(
            False,
            f"tree of size {new.size} is not consistent with the tree of size {old.size}",
            None,
            new.size,
        )
    return VerifyResult(
        True,
        f"tree of size {new.size} extends the tree of size {old.size}",
        None,
        new.size,
    )


class _Nodes:
    """Complete Merkle nodes in post-order layout held in one buffer; appends like the log does."""

    def __init__(self, prefix: bytes = b"", prefix_leaves: int = 0) -> None:
        self.buf = bytearray(prefix)
        self.size = prefix_leaves
        self._peaks = [self.node(level, idx) for level, idx in peaks(prefix_leaves)]

    def node(self, level: int, index: int) -> bytes:
        pos = mmr_position(level, index) * HASH_SIZE
        return bytes(self.buf[pos : pos + HASH_SIZE])

    def append(self, h: bytes) -> None:
        self.buf += h
        n = self.size
        self.size += 1
        while n & 1:  # each trailing one bit of the old size completes one parent
            h = node_hash(self._peaks.pop(), h)
            self.buf += h
            n >>= 1
        self._peaks.append(h)

    def root(self, size: int) -> bytes:
        return _fold([self.node(level, idx) for level, idx in peaks(size)])


def _fold(hs: list[bytes]) -> bytes:
    acc = hs[-1]
    for h in reversed(hs[:-1]):
        acc = node_hash(h, acc)
    return acc


def _locate(
    computed: _Nodes, sidecar: bytes | None, size: int, signed_root: bytes
) -> tuple[int | None, str]:
    """Find the first leaf whose recomputed hash differs from what the signed root commits to.

    The exported node hashes are trusted only as far as they hash up to the signed root, so the
    descent re-authenticates every node it steps on.
    """
    if sidecar is None:
        return None, "no tree.bin to locate the entry with"

    def provided(level: int, index: int) -> bytes:
        pos = mmr_position(level, index) * HASH_SIZE
        return sidecar[pos : pos + HASH_SIZE]

    top = peaks(size)
    if _fold([provided(level, idx) for level, idx in top]) != signed_root:
        return None, "tree.bin does not match the signed root either"
    for level, idx in top:
        if computed.node(level, idx) == provided(level, idx):
            continue
        while level > 0:
            left, right = provided(level - 1, 2 * idx), provided(level - 1, 2 * idx + 1)
            if node_hash(left, right) != provided(level, idx):
                first = idx << level
                return (
                    first,
                    f"entries [{first}, {(idx + 1) << level}) do not match the signed root and tree.bin is inconsistent there",
                )
            level -= 1
            idx = 2 * idx if computed.node(level, 2 * idx) != left else 2 * idx + 1
        return (
            idx,
            f"entry {idx} does not match the hash the signed root commits to (modified)",
        )
    return None, "recomputed peaks match tree.bin but not the root"


def verify_export(
    path: str | os.PathLike[str],
    verifier_key: str | Verifier,
    *,
    expected_checkpoint: str | None = None,
) -> VerifyResult:
    """Recompute an exported log and report the first entry index that fails.

    ``expected_checkpoint`` is a signed checkpoint the caller already trusts (for example from a
    receipt or a witness); the export must contain and match it, which catches rollback to an
    older but validly signed state.
    """
    root_dir = Path(path)
    try:
        verifier = _verifier(verifier_key)
    except NoteError as exc:
        return VerifyResult(False, f"verifier key is invalid: {exc}")
    try:
        header = ExportHeader.from_json(
            (root_dir / HEADER_FILE).read_text(encoding="utf-8")
        )
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        return VerifyResult(False, f"{HEADER_FILE} is missing or malformed: {exc}")
    start, size = header.start, header.tree_size
    if header.verifier_key != verifier.vkey:
        return VerifyResult(
            False,
            f"export names verifier key {header.verifier_key!r}, not the trusted {verifier.vkey!r}",
            None,
            size,
        )

    checkpoints: list[Checkpoint] = []
    for i, note in enumerate(header.checkpoints):
        try:
            checkpoints.append(open_checkpoint(note, verifier, origin=header.origin))
        except NoteError as exc:
            return VerifyResult(
                False,
                f"checkpoint #{i} in {HEADER_FILE} does not verify: {exc}",
                None,
                size,
            )
    if expected_checkpoint is not None:
        try:
            checkpoints.append(
                open_checkpoint(expected_checkpoint, verifier, origin=header.origin)
            )
        except NoteError as exc:
            return VerifyResult(
                False, f"expected checkpoint does not verify: {exc}", None, size
            )
    latest = max(checkpoints, key=lambda c: c.size)
    if latest.size != size:
        return VerifyResult(
            False,
            f"the newest signed checkpoint covers {latest.size} entries but the export has tree_size {size}"
            + (" (rolled back or truncated)" if latest.size > size else ""),
            min(latest.size, size),
            size,
        )

    sidecar: bytes | None = None
    try:
        raw_tree = (root_dir / TREE_FILE).read_bytes()
        if len(raw_tree) == mmr_size(size) * HASH_SIZE:
            sidecar = raw_tree
    except OSError:
        pass
    if sidecar is None and start > 0:
        return VerifyResult(
            False,
            f"{TREE_FILE} is missing or has the wrong length; it is required when the export starts at {start}",
            None,
            size,
        )

    try:
        data = (root_dir / ENTRIES_FILE).read_bytes()
    except OSError as exc:
        return VerifyResult(False, f"{ENTRIES_FILE} is unreadable: {exc}", start, size)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()

    failures: list[tuple[int | None, str]] = []
    prev_time = ""
    for pos, line in enumerate(lines):
        idx = start + pos
        try:
            entry = Entry.decode(line)
        except InvalidEntryError as exc:
            failures.append(
                (idx, f"entry at position {idx} is not a valid canonical entry ({exc})")
            )
            break
        if entry.index != idx:
            wanted = b'{"index":%d,' % idx
            later = any(other.startswith(wanted) for other in lines[pos + 1 :])
            what = (
                "out of order (it appears later)"
                if later
                else "missing"
                if entry.index > idx
                else "duplicated or out of order"
            )
            failures.append(
                (
                    idx,
                    f"line for index {idx} holds entry {entry.index}: entry {idx} is {what}",
                )
            )
            break
        if entry.time < prev_time:
            failures.append(
                (
                    idx,
                    f"entry {idx} has time {entry.time}, earlier than the entry before it (reordered)",
                )
            )
            break
        prev_time = entry.time
    expected = size - start
    if len(lines) < expected:
        failures.append(
            (
                start + len(lines),
                f"export ends after {start + len(lines)} entries but the signed checkpoint covers {size} (truncated)",
            )
        )
    elif len(lines) > expected:
        failures.append(
            (
                size,
                f"export has {len(lines) - expected} entries beyond the signed tree size {size}",
            )
        )

    prefix = sidecar[: mmr_size(start) * HASH_SIZE] if sidecar is not None else b""
    computed = _Nodes(prefix, start)
    for line in lines[:expected]:
        computed.append(leaf_hash(line))

    checked_sizes: dict[int, bytes] = {}
    for cp in sorted(checkpoints, key=lambda c: c.size):
        if cp.size in checked_sizes and checked_sizes[cp.size] != cp.root_hash:
            failures.append(
                (
                    None,
                    f"two signed checkpoints for size {cp.size} have different roots (split view)",
                )
            )
            continue
        checked_sizes[cp.size] = cp.root_hash
        if cp.size == 0 or cp.size > computed.size:
            if cp.size == 0 and cp.root_hash != EMPTY_ROOT:
                failures.append(
                    (None, "checkpoint for size 0 does not carry the empty-tree root")
                )
            continue
        if computed.root(cp.size) == cp.root_hash:
            continue
        bad_index, why = _locate(computed, sidecar, cp.size, cp.root_hash)
        if cp.size == size:
            failures.append(
                (
                    bad_index,
                    f"entries do not match the signed checkpoint for size {size}: {why}",
                )
            )
        else:
            failures.append(
                (
                    bad_index,
                    f"checkpoint for size {cp.size} is inconsistent with the log (entries before {cp.size} changed after it was signed): {why}",
                )
            )

    if not failures and sidecar is not None and bytes(computed.buf) != sidecar:
        pos = next(
            i
            for i in range(0, len(sidecar), HASH_SIZE)
            if computed.buf[i : i + HASH_SIZE] != sidecar[i : i + HASH_SIZE]
        )
        failures.append(
            (
                None,
                f"{TREE_FILE} differs from the recomputed tree at node {pos // HASH_SIZE}; the entries themselves verify",
            )
        )

    if failures:
        indexed = [f for f in failures if f[0] is not None]
        first = min(indexed, key=lambda f: f[0]) if indexed else failures[0]  # type: ignore[arg-type,return-value]
        return VerifyResult(False, first[1], first[0], size, len(lines))
    return VerifyResult(
        True,
        f"{expected} entries [{start}, {size}) verify against {len(checkpoints)} signed checkpoint(s)",
        None,
        size,
        expected,
    )
