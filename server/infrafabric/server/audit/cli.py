"""`infrafabric audit ...`: verify receipts and exported logs offline, export the log, print the key.

    infrafabric audit verify RECEIPT.json --key VKEY        check one receipt (exit 0 valid, 1 not)
    infrafabric audit verify --export DIR --key VKEY        check an exported log; names the first bad entry
    infrafabric audit verify --log --key VKEY               check the log as stored in the data directory
    infrafabric audit export DIR                            export the log from the data directory
    infrafabric audit key                                   print the log's verifier key

`verify` needs no server and no data directory: only the files and a verifier key you trust (from
`audit key`, from the GetVerifierKey RPC, or published by the operator); `--key-file` reads it from
a file. A receipt file is what `Receipt.to_json()` writes (see infrafabric.transparency.proto for
saving one from a gRPC Receipt) or a Receipt in proto3 JSON as the REST gateway returns it.

`export` reads the log's files directly and read-only: it takes no lock and writes nothing in the
data directory, so it is safe while the Audit server runs (the server holds the log's lock; the
files are append-only and every entry a signed checkpoint covers is on disk before that checkpoint
is written). It exports exactly the entries covered by the newest checkpoint in checkpoints.log.
It copies what is stored, damage included (an entry that fails its checksum is exported as read and
reported on stderr), because judging the log is `verify`'s job: a flipped byte, reordered or
missing entries and truncation all make `audit verify --export` fail and name the first bad entry.
`key` reads the signing key file in the data directory (so it needs the operator's permissions).
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infrafabric.transparency.verify import VerifyResult

RECORD_HEADER = struct.Struct(">II")  # as in storage.py: u32be length, u32be crc32, then the bytes
MAX_RECORD_BYTES = 1 << 20
HASH_SIZE = 32


class AuditCliError(Exception):
    """A usage problem (missing file, no log, unreadable key): printed, exit status 2."""


# ------------------------------------------------------------------------------- locating the log


def _log_dirs(args: argparse.Namespace) -> tuple[Path, Path]:
    """(log dir, cold dir) from --audit-dir/--cold-dir, else the mesh config's audit settings."""
    audit_dir: Path | None = getattr(args, "audit_dir", None)
    cold_dir: Path | None = getattr(args, "cold_dir", None)
    if audit_dir is None or cold_dir is None:
        from infrafabric.mesh.config import load_mesh_config

        overrides: dict[str, Any] = {}
        if getattr(args, "data_dir", None):
            overrides["data_dir"] = args.data_dir
        config = load_mesh_config(getattr(args, "config", None), overrides)
        settings = config.services.audit.settings
        if audit_dir is None:
            audit_dir = Path(settings["audit_dir"]) if settings.get("audit_dir") else config.data_dir / "audit"
        if cold_dir is None:
            cold_dir = Path(settings["cold_dir"]) if settings.get("cold_dir") else audit_dir / "cold"
    audit_dir, cold_dir = audit_dir.expanduser(), cold_dir.expanduser()
    if not (audit_dir / "log.json").is_file():
        raise AuditCliError(f"no audit log in {audit_dir} (the Audit service creates it at first start; see --data-dir/--audit-dir)")
    return audit_dir, cold_dir


def _log_config(audit_dir: Path) -> dict[str, Any]:
    return json.loads((audit_dir / "log.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def verifier_key_of(audit_dir: Path) -> str:
    """The log's C2SP verifier key, derived from its signing key file (no server needed)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from infrafabric.transparency.note import Signer

    path = audit_dir / "signing_key.pem"
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise AuditCliError(f"cannot read the log's signing key {path}: {exc.strerror}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditCliError(f"{path} is not an Ed25519 key")
    return Signer(_log_config(audit_dir)["origin"], key).vkey


# ------------------------------------------------------------------------------- read-only snapshot


@dataclass
class Snapshot:
    """What a read-only pass over the log's files found, up to the newest signed checkpoint."""

    origin: str
    signed_size: int
    checkpoints: list[str]
    entries: list[bytes] = field(default_factory=list)
    tree: bytes = b""
    # (entry index or None, what is wrong) for damage seen while reading the stored files.
    problems: list[tuple[int | None, str]] = field(default_factory=list)


def _checkpoint_notes(audit_dir: Path) -> list[tuple[int, str]]:
    try:
        data = (audit_dir / "checkpoints.log").read_bytes()
    except FileNotFoundError:
        return []
    out = []
    for line in data.split(b"\n")[:-1]:  # the last piece is "" or a line still being written
        try:
            obj = json.loads(line)
            out.append((int(obj["size"]), str(obj["note"])))
        except (ValueError, KeyError, TypeError):
            continue  # a damaged line: verify judges the checkpoints that remain
    return out


def _segment_records(path: Path, first_index: int, problems: list[tuple[int | None, str]]) -> tuple[list[bytes], bool]:
    """Records of one segment file in file order; (records, complete) where complete=False means the
    framing broke (a cut or damaged length), so nothing after it can be located."""
    data = path.read_bytes()
    records: list[bytes] = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < RECORD_HEADER.size:
            index = first_index + len(records)
            problems.append((index, f"{path.name}: the record of entry {index} is cut short at byte {pos}"))
            return records, False
        length, crc = RECORD_HEADER.unpack_from(data, pos)
        body = data[pos + RECORD_HEADER.size : pos + RECORD_HEADER.size + length]
        if length > MAX_RECORD_BYTES or len(body) < length:
            index = first_index + len(records)
            problems.append((index, f"{path.name}: the record of entry {index} at byte {pos} has a broken length (cut or changed)"))
            return records, False
        if zlib.crc32(body) != crc:
            index = first_index + len(records)
            problems.append((index, f"{path.name}: the record of entry {index} fails its checksum (stored bytes changed)"))
        records.append(body)
        pos += RECORD_HEADER.size + length
    return records, True


def _tree_bytes(leaf_hashes: list[bytes]) -> bytes:
    """Every complete Merkle node in post-order append order, as the log's tree.bin stores them."""
    from infrafabric.transparency.merkle import node_hash

    buf = bytearray()
    peaks: list[bytes] = []
    for n, h in enumerate(leaf_hashes):
        buf += h
        while n & 1:  # each trailing one bit of the old size completes one parent
            h = node_hash(peaks.pop(), h)
            buf += h
            n >>= 1
        peaks.append(h)
    return bytes(buf)


def read_snapshot(audit_dir: Path, cold_dir: Path) -> Snapshot:
    """Read the log's files without the lock and without writing anything."""
    from infrafabric.transparency.merkle import leaf_hash, mmr_size

    config = _log_config(audit_dir)
    per_segment = int(config["segment_entries"])
    notes = _checkpoint_notes(audit_dir)
    if not notes:
        raise AuditCliError(f"{audit_dir / 'checkpoints.log'} holds no signed checkpoint")
    signed = notes[-1][0]
    snap = Snapshot(config["origin"], signed, [note for _size, note in notes])
    segment = 0
    while len(snap.entries) < signed:
        name = f"{segment * per_segment:020d}.seg"
        path = next((p for p in (audit_dir / "segments" / name, cold_dir / name) if p.is_file()), None)
        if path is None:
            snap.problems.append((len(snap.entries), f"segment {name} is in neither {audit_dir / 'segments'} nor {cold_dir}"))
            break
        records, complete = _segment_records(path, segment * per_segment, snap.problems)
        if len(records) > per_segment:
            snap.problems.append((segment * per_segment + per_segment, f"{name} holds {len(records)} records, more than {per_segment}"))
        snap.entries.extend(records[: signed - len(snap.entries)])
        if not complete:
            break
        if len(records) < per_segment and len(snap.entries) < signed:
            snap.problems.append((len(snap.entries), f"{name} holds {len(records)} records, fewer than {per_segment}"))
        segment += 1
    if len(snap.entries) < signed:
        snap.problems.append((len(snap.entries), f"found {len(snap.entries)} entries but the newest signed checkpoint covers {signed}"))
    # The stored node hashes let verify pin-point a changed entry; fall back to recomputing them.
    want = mmr_size(len(snap.entries)) * HASH_SIZE
    try:
        with open(audit_dir / "tree.bin", "rb") as f:
            stored = f.read(want)
    except OSError:
        stored = b""
    snap.tree = stored if len(stored) == want else _tree_bytes([leaf_hash(e) for e in snap.entries])
    return snap


def export_log(audit_dir: Path, cold_dir: Path, dest: Path, *, verifier_key: str, max_checkpoints: int = 64) -> Snapshot:
    """Write an export (see infrafabric.transparency.export) of the log as stored."""
    from infrafabric.transparency.export import ExportHeader, checkpoint_sample, write_export

    snap = read_snapshot(audit_dir, cold_dir)
    lines = []
    for i, data in enumerate(snap.entries):
        if b"\n" in data:  # only damaged bytes can hold a raw newline; keep one entry per line
            snap.problems.append((i, f"entry {i} holds a raw newline byte (exported as a space)"))
            data = data.replace(b"\n", b" ")
        lines.append(data)
    header = ExportHeader(
        snap.origin, verifier_key, 0, len(lines), tuple(checkpoint_sample(snap.checkpoints, max_checkpoints))
    )
    write_export(dest, header, lines, [snap.tree])
    return snap


# ------------------------------------------------------------------------------- commands


def _trusted_key(args: argparse.Namespace) -> str:
    if args.key_file:
        try:
            return Path(args.key_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise AuditCliError(f"cannot read --key-file {args.key_file}: {exc.strerror}") from None
    return str(args.key).strip()


def _read_text(path: str, what: str) -> str:
    try:
        return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditCliError(f"cannot read {what} {path}: {exc}") from None


def _trusted_checkpoint(path: str) -> str:
    """A checkpoint note file, or a receipt whose checkpoint the caller already trusts."""
    text = _read_text(path, "--checkpoint")
    try:
        obj = json.loads(text)
    except ValueError:
        return text
    if isinstance(obj, dict):
        obj = obj.get("receipt", obj)
        if isinstance(obj, dict) and isinstance(obj.get("checkpoint"), str):
            return str(obj["checkpoint"])
    raise AuditCliError(f"--checkpoint {path}: neither a checkpoint note nor a receipt")


def _earlier_bad_entry(export_dir: Path, before: int) -> tuple[int, str] | None:
    """The first entry line below ``before`` that is not a canonical entry at its position.

    verify_export reports a tree-size mismatch (truncation) before it looks at the entries, so an
    entry damaged just before a cut would otherwise go unnamed.
    """
    from infrafabric.transparency.entry import Entry, InvalidEntryError
    from infrafabric.transparency.export import ENTRIES_FILE, HEADER_FILE, ExportHeader

    try:
        start = ExportHeader.from_json((export_dir / HEADER_FILE).read_text(encoding="utf-8")).start
        lines = (export_dir / ENTRIES_FILE).read_bytes().split(b"\n")
    except (OSError, ValueError):
        return None
    for pos, line in enumerate(lines[: max(0, before - start)]):
        index = start + pos
        try:
            entry = Entry.decode(line)
        except InvalidEntryError as exc:
            return index, f"entry at position {index} is not a valid canonical entry ({exc})"
        if entry.index != index:
            return index, f"line for index {index} holds entry {entry.index}"
    return None


def verify_export_dir(export_dir: Path, key: str, expected_checkpoint: str | None = None) -> VerifyResult:
    """verify_export, naming the first bad entry even when the export is also truncated."""
    from infrafabric.transparency.verify import VerifyResult, verify_export

    result = verify_export(export_dir, key, expected_checkpoint=expected_checkpoint)
    if not result.ok and result.first_bad_index is not None:
        earlier = _earlier_bad_entry(export_dir, result.first_bad_index)
        if earlier is not None:
            index, why = earlier
            return VerifyResult(False, f"{why}; also: {result.reason}", index, result.tree_size, result.checked_entries)
    return result


def verify_stored_log(audit_dir: Path, cold_dir: Path, key: str, expected_checkpoint: str | None = None) -> VerifyResult:
    """Export the stored log to a temporary directory and verify that; storage damage that leaves
    the entries intact (a changed record checksum) fails too, naming the entry."""
    from infrafabric.transparency.verify import VerifyResult

    with tempfile.TemporaryDirectory(prefix="infrafabric-audit-") as tmp:
        snap = export_log(audit_dir, cold_dir, Path(tmp), verifier_key=key)
        result = verify_export_dir(Path(tmp), key, expected_checkpoint)
    located = sorted((i, why) for i, why in snap.problems if i is not None)
    if result.ok and snap.problems:
        index, why = located[0] if located else (None, snap.problems[0][1])
        return VerifyResult(False, f"the entries verify, but the stored files are damaged: {why}", index, result.tree_size)
    if not result.ok:
        # Say what the stored files showed at that entry, when the reader saw it.
        detail = next((why for i, why in located if i == result.first_bad_index), None)
        if detail:
            return VerifyResult(False, f"{result.reason} [{detail}]", result.first_bad_index, result.tree_size, result.checked_entries)
    return result


def cmd_verify(args: argparse.Namespace) -> int:
    from infrafabric.transparency.proto import load_receipt
    from infrafabric.transparency.verify import verify_receipt

    if sum((args.receipt is not None, args.export is not None, args.log)) != 1:
        raise AuditCliError("give exactly one of: a RECEIPT file, --export DIR, --log")
    key = _trusted_key(args)
    expected = _trusted_checkpoint(args.checkpoint) if args.checkpoint else None
    if args.export is not None:
        result = verify_export_dir(Path(args.export), key, expected)
    elif args.log:
        audit_dir, cold_dir = _log_dirs(args)
        result = verify_stored_log(audit_dir, cold_dir, key, expected)
    else:
        if expected is not None:
            raise AuditCliError("--checkpoint applies to --export and --log only")
        try:
            receipt = load_receipt(_read_text(args.receipt, "receipt"))
        except ValueError as exc:
            print(f"FAILED: {exc}")
            return 1
        result = verify_receipt(receipt, key)
    if result.ok:
        print(f"OK: {result.reason}")
        return 0
    if result.first_bad_index is not None:
        print(f"FAILED at entry {result.first_bad_index}: {result.reason}")
    else:
        print(f"FAILED: {result.reason}")
    return 1


def cmd_export(args: argparse.Namespace) -> int:
    audit_dir, cold_dir = _log_dirs(args)
    key = args.key or verifier_key_of(audit_dir)
    snap = export_log(audit_dir, cold_dir, Path(args.dest), verifier_key=key, max_checkpoints=args.max_checkpoints)
    for _index, problem in snap.problems:
        print(f"warning: {problem}", file=sys.stderr)
    print(
        f"exported {len(snap.entries)} entries of {snap.origin} (newest signed checkpoint: {snap.signed_size}) to {args.dest}"
        + (f"; {len(snap.problems)} problem(s) found, run `infrafabric audit verify --export` to judge" if snap.problems else "")
    )
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    audit_dir, _cold = _log_dirs(args)
    print(verifier_key_of(audit_dir))
    return 0


def _guarded(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (AuditCliError, OSError, ValueError) as exc:
            print(f"infrafabric audit: {exc}", file=sys.stderr)
            return 2

    return run


def add_commands(sub: Any, add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Register `infrafabric audit ...`; `add(name, help)` creates one with --config/--data-dir."""
    audit = add("audit", "verify audit receipts and exported logs offline, export the log, print the verifier key")
    commands = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, locate: bool) -> argparse.ArgumentParser:
        p = commands.add_parser(name, help=help_text, description=help_text)
        if locate:
            # SUPPRESS keeps `infrafabric audit --data-dir X key` working: no default overrides X.
            p.add_argument("--config", default=argparse.SUPPRESS, help="mesh configuration YAML")
            p.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="state directory of the mesh")
            p.add_argument("--audit-dir", type=Path, help="the log's directory (default <data dir>/audit)")
            p.add_argument("--cold-dir", type=Path, help="sealed segments (default <audit dir>/cold)")
        return p

    p = command("verify", "check a receipt, an exported log or the stored log against a verifier key, without the server", locate=True)
    p.add_argument("receipt", nargs="?", metavar="RECEIPT.json", help="a saved receipt ('-' reads stdin)")
    p.add_argument("--export", metavar="DIR", help="an exported log directory (from `infrafabric audit export`)")
    p.add_argument("--log", action="store_true", help="the log as stored in the data directory (read-only, like export)")
    keys = p.add_mutually_exclusive_group(required=True)
    keys.add_argument("--key", metavar="VKEY", help="the trusted verifier key, <origin>+<key id>+<base64>")
    keys.add_argument("--key-file", metavar="FILE", help="a file holding the trusted verifier key")
    p.add_argument(
        "--checkpoint", metavar="FILE",
        help="a checkpoint you already trust (note text, or a receipt): the export must reach and match it (catches rollback)",
    )
    p.set_defaults(func=_guarded(cmd_verify))

    p = command("export", "export the log as stored (read-only; safe while the server runs)", locate=True)
    p.add_argument("dest", metavar="DIR", help="directory to write export.json, entries.jsonl and tree.bin into")
    p.add_argument("--key", help="verifier key to name in the export (default: derived from the log's key file)")
    p.add_argument("--max-checkpoints", type=int, default=64, help="signed checkpoints to include, spread evenly (0 = all)")
    p.set_defaults(func=_guarded(cmd_export))

    p = command("key", "print the log's verifier key (from the signing key in the data directory)", locate=True)
    p.set_defaults(func=_guarded(cmd_key))
