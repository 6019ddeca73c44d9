"""The durable audit log: group-committed appends, signed checkpoints, proofs, retention, export.

One ``AuditLog`` owns one data directory (see ``storage.py`` for the layout) inside one process
and one asyncio event loop. ``append`` batches concurrent callers into a single write + fsync (the
fsync runs in a worker thread, so the loop keeps serving), then signs one C2SP checkpoint for the
batch after checking that the new tree extends the previously signed one, and hands every caller
receipts that verify offline with ``infrafabric.transparency.verify_receipt``.

Durability rule: an entry is acknowledged only after its record is fsynced, and a checkpoint is
signed only over fsynced entries, so a crash can lose only unacknowledged, unsigned entries. On
open, a torn tail is cut off and the derived files are repaired from the entry segments.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import fcntl
import hashlib
import json
import logging
import os
import stat
import time
from bisect import bisect_left
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from infrafabric.transparency.entry import (
    Entry,
    InvalidEntryError,
    canonical_json,
    format_citation,
    parse_citation,
    validate_event_fields,
)
from infrafabric.transparency.export import (
    ExportHeader,
    checkpoint_sample,
    write_export,
)
from infrafabric.transparency.merkle import leaf_hash, verify_consistency
from infrafabric.transparency.note import Checkpoint, NoteError, Signer, open_checkpoint
from infrafabric.transparency.verify import Receipt, VerifyResult

from .errors import (
    EntryNotFoundError,
    EntrySealedError,
    InvalidEventError,
    InvalidRequestError,
    LogClosedError,
    LogCorruptError,
    LogLockedError,
)
from .storage import (
    RECORD_HEADER,
    HashTreeFile,
    MetaFile,
    SegmentStore,
    encode_record,
    fingerprint,
    fsync_dir,
    write_all,
)

__all__ = [
    "DEFAULT_ORIGIN",
    "AuditEvent",
    "AuditLog",
    "ConsistencyProof",
    "EntryPage",
    "ExportInfo",
    "InclusionProof",
    "SealResult",
    "SignedCheckpoint",
]

log = logging.getLogger(__name__)

DEFAULT_ORIGIN = "infrafabric.local/audit"
DEFAULT_SEGMENT_ENTRIES = 1 << 16
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
DERIVED_SYNC_SECONDS = 1.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class AuditEvent:
    """What a caller asks the log to record; the log assigns index and time."""

    type: str
    tenant_id: str
    user_id: str = ""
    session_id: str = ""
    request_id: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)
    refs: Sequence[str] = ()


@dataclass(frozen=True)
class SignedCheckpoint:
    origin: str
    size: int
    root_hash: bytes
    note: str


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    hashes: tuple[bytes, ...]
    root_hash: bytes


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    hashes: tuple[bytes, ...]


@dataclass(frozen=True)
class EntryPage:
    entries: list[Entry]
    next_page_token: str  # "" when there is nothing more


@dataclass(frozen=True)
class SealResult:
    sealed_segments: list[str]  # file names moved to cold storage by this call
    cold_dir: str
    hot_from_index: int  # entries below this index are all in cold storage


@dataclass(frozen=True)
class ExportInfo:
    path: str
    start: int
    tree_size: int
    entries: int
    checkpoints: int


@dataclass
class _Prepared:
    """An event validated and pre-encoded, so sequencing is a cheap byte join."""

    parts: tuple[
        bytes, ...
    ]  # canonical JSON fragments in sorted-key order, around index and time
    tenant_fp: int
    session_fp: int
    type_fp: int


def _jstr(value: Any, field_name: str) -> bytes:
    """Canonical JSON of a string field (json's own C string encoder, as json.dumps would use)."""
    if not isinstance(value, str):
        raise InvalidEventError(field_name, "must be a string")
    try:
        return encode_basestring(value).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidEventError(
            field_name, "is not valid Unicode (lone surrogate)"
        ) from None


def _prepare(event: AuditEvent | Mapping[str, Any]) -> _Prepared:
    if isinstance(event, AuditEvent):
        fields: dict[str, Any] = {
            "type": event.type,
            "tenant_id": event.tenant_id,
            "user_id": event.user_id,
            "session_id": event.session_id,
            "request_id": event.request_id,
            "payload": event.payload,
            "refs": event.refs,
        }
    elif isinstance(event, Mapping):
        allowed = {
            "type",
            "tenant_id",
            "user_id",
            "session_id",
            "request_id",
            "payload",
            "refs",
        }
        for key in event:
            if key not in allowed:
                raise InvalidEventError(str(key), "unknown field")
        fields = {
            k: event.get(k, "")
            for k in ("type", "tenant_id", "user_id", "session_id", "request_id")
        }
        fields["payload"] = event.get("payload") or {}
        fields["refs"] = event.get("refs") or ()
    else:
        raise InvalidEventError(
            "event", f"expected AuditEvent or mapping, got {type(event).__name__}"
        )
    payload = fields["payload"]
    if isinstance(payload, str | bytes):
        try:
            payload = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidEventError("payload", f"not valid JSON: {exc}") from None
    if not isinstance(payload, Mapping):
        raise InvalidEventError("payload", "must be a JSON object")
    refs = fields["refs"]
    if isinstance(refs, str) or not isinstance(refs, Sequence):
        raise InvalidEventError("refs", "must be a list of strings")
    refs = tuple(refs)
    try:
        payload_json = canonical_json(dict(payload))
    except (ValueError, TypeError, RecursionError) as exc:
        raise InvalidEventError(
            "payload", f"not encodable as canonical JSON: {exc}"
        ) from None
    validate_event_fields(
        type=fields["type"],
        tenant_id=fields["tenant_id"],
        user_id=fields["user_id"],
        session_id=fields["session_id"],
        request_id=fields["request_id"],
        payload=payload,
        refs=refs,
        payload_json=payload_json,
    )
    refs_json = b"[" + b",".join(_jstr(r, "refs") for r in refs) + b"]"
    # Sorted key order: index, payload, refs, request_id, session_id, tenant_id, time, type, user_id.
    parts = (
        b',"payload":'
        + payload_json
        + b',"refs":'
        + refs_json
        + b',"request_id":'
        + _jstr(fields["request_id"], "request_id")
        + b',"session_id":'
        + _jstr(fields["session_id"], "session_id")
        + b',"tenant_id":'
        + _jstr(fields["tenant_id"], "tenant_id")
        + b',"time":"',
        b'","type":'
        + _jstr(fields["type"], "type")
        + b',"user_id":'
        + _jstr(fields["user_id"], "user_id")
        + b"}",
    )
    return _Prepared(
        parts,
        fingerprint(fields["tenant_id"]),
        fingerprint(fields["session_id"]),
        fingerprint(fields["type"]),
    )


def validate_event(event: AuditEvent | Mapping[str, Any]) -> None:
    """Raise InvalidEventError (with ``field``) if ``append`` would refuse this event."""
    _prepare(event)


def _format_us(time_us: int) -> str:
    return (_EPOCH + timedelta(microseconds=time_us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _to_us(value: datetime | str) -> int:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidRequestError(
                "time", f"{value!r} is not an RFC 3339 time"
            ) from None
    if value.tzinfo is None:
        raise InvalidRequestError("time", "times must carry a timezone")
    delta = value - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _load_or_create_key(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise LogCorruptError(
                f"{path} is readable by others (mode {mode:o}); expected 0600"
            )
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise LogCorruptError(f"{path} is not an Ed25519 key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        write_all(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)
    return key


class AuditLog:
    """A durable, append-only, signed Merkle log. Create with ``AuditLog.open``; not thread-safe."""

    def __init__(self) -> None:  # use AuditLog.open
        raise TypeError("use AuditLog.open(data_dir)")

    # ------------------------------------------------------------------ open / close

    @classmethod
    def open(
        cls,
        data_dir: str | os.PathLike[str],
        *,
        origin: str | None = None,
        segment_entries: int = DEFAULT_SEGMENT_ENTRIES,
        cold_dir: str | os.PathLike[str] | None = None,
        max_batch: int = 4096,
    ) -> AuditLog:
        """Open (creating if needed) the log in ``data_dir``, recovering from any crash."""
        self = object.__new__(cls)
        self._init(Path(data_dir), origin, segment_entries, cold_dir, max_batch)
        return self

    def _init(
        self,
        data: Path,
        origin: str | None,
        segment_entries: int,
        cold_dir: Any,
        max_batch: int,
    ) -> None:
        data.mkdir(parents=True, exist_ok=True)
        self.data_dir = data
        self._lock_fd = os.open(data / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise LogLockedError(f"{data} is in use by another process") from None
        try:
            self._open_files(data, origin, segment_entries, cold_dir, max_batch)
        except BaseException:
            for name in ("_segments", "_meta", "_tree"):
                part = self.__dict__.get(name)
                if part is not None:
                    part.close()
            if "_cp_fd" in self.__dict__:
                os.close(self._cp_fd)
            os.close(self._lock_fd)
            raise

    def _open_files(
        self,
        data: Path,
        origin: str | None,
        segment_entries: int,
        cold_dir: Any,
        max_batch: int,
    ) -> None:
        config_path = data / "log.json"
        if config_path.exists():
            config = json.loads(config_path.read_text())
            if origin is not None and origin != config["origin"]:
                raise InvalidRequestError(
                    "origin",
                    f"log in {data} has origin {config['origin']!r}, not {origin!r}",
                )
        else:
            if segment_entries < 1:
                raise InvalidRequestError("segment_entries", "must be >= 1")
            config = {
                "format": 1,
                "origin": origin or DEFAULT_ORIGIN,
                "segment_entries": segment_entries,
            }
            tmp = config_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(config))
            os.replace(tmp, config_path)
            fsync_dir(data)
        self.origin: str = config["origin"]
        self._S: int = config["segment_entries"]
        self._signer = Signer(
            self.origin, _load_or_create_key(data / "signing_key.pem")
        )
        self._max_batch = max_batch
        self._segments = SegmentStore(
            data / "segments", Path(cold_dir) if cold_dir else data / "cold", self._S
        )
        self._meta = MetaFile(data / "meta.bin")
        self._tree = HashTreeFile(data / "tree.bin")
        self._size = self._recover()
        self._cp_path = data / "checkpoints.log"
        self._cp_fd = os.open(
            self._cp_path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644
        )
        self._cut_torn_checkpoint_line()
        self._checkpoint: SignedCheckpoint
        loaded = self._load_checkpoint()
        if loaded is not None:
            self._checkpoint = loaded
        if loaded is None or loaded.size != self._size:
            self._sign(self._size)
        self._last_time_us = self._meta.index.times[-1] if self._size else 0
        self._derived_synced_at = time.monotonic()
        self._queue: list[tuple[list[_Prepared], asyncio.Future[list[Receipt]]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self._closed = False
        self._failure: BaseException | None = None

    def _recover(self) -> int:
        """Make segments, meta.bin and tree.bin agree; return the number of durable entries."""
        S, segs = self._S, self._segments
        # meta.bin and tree.bin are only trusted up to the last derived sync; the rest is redone.
        try:
            trusted = int(
                json.loads((self.data_dir / "derived.json").read_text())["entries"]
            )
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            trusted = 0
        if len(self._meta.index) > trusted:
            self._meta.truncate(trusted)
        if self._tree.size > trusted:
            self._tree.truncate(trusted)
        # Entries a checkpoint was signed over were fsynced before signing: damage there is tampering or
        # disk corruption, never a torn write, and must be left on disk as evidence, not cut away.
        signed = max((size for size, _ in self._read_checkpoint_lines(tail_only=True)), default=0)
        idx = self._meta.index
        n = len(idx)
        # 1. meta.bin may be ahead of the entries (written, then the process died before them).
        while n and (n - 1) // S not in segs.sealed:
            try:
                segs.read(n - 1, idx.offsets[n - 1], idx.lengths[n - 1])
                break
            except (LogCorruptError, OSError):
                n -= 1
        if n != len(idx):
            log.warning(
                "audit: dropping %d index records past the durable entries",
                len(idx) - n,
            )
            self._meta.truncate(n)
        # 2. Entries the index has not seen yet (index behind), ending at a possibly torn tail.
        hot = set(segs.existing_segments())
        seg = n // S
        offset = (
            0
            if n % S == 0
            else idx.offsets[n - 1] + RECORD_HEADER.size + idx.lengths[n - 1]
        )
        meta_buf = bytearray()
        while seg in hot:
            for off, data in segs.scan(seg, offset):
                try:
                    entry = Entry.decode(data)
                except InvalidEntryError as exc:
                    raise LogCorruptError(
                        f"entry record at {segs.name(seg)}:{off} is checksummed but invalid: {exc}"
                    ) from None
                if entry.index != n:
                    raise LogCorruptError(
                        f"{segs.name(seg)}:{off} holds entry {entry.index}, expected {n}"
                    )
                meta_buf += self._meta.pack(
                    _to_us(entry.timestamp),
                    fingerprint(entry.tenant_id),
                    fingerprint(entry.session_id),
                    fingerprint(entry.type),
                    off,
                    len(data),
                )
                n += 1
                offset = off + RECORD_HEADER.size + len(data)
                if n % S == 0:
                    break
            if segs.hot_path(seg).stat().st_size > offset:
                if n < signed:
                    raise LogCorruptError(
                        f"entry {n} in {segs.name(seg)} is damaged but covered by a signed checkpoint of size {signed};"
                        " refusing to open (nothing was changed): export and verify the log"
                    )
                log.warning(
                    "audit: cutting torn tail of %s at byte %d", segs.name(seg), offset
                )
                segs.truncate_segment(seg, offset)
            if n % S or n == seg * S:
                break
            seg, offset = seg + 1, 0
        for extra in sorted(hot):
            if extra * S > n or (extra * S == n and extra != seg):
                if n < signed:
                    raise LogCorruptError(
                        f"entries {n}..{signed - 1} are covered by a signed checkpoint but unreadable;"
                        " refusing to open (nothing was changed): export and verify the log"
                    )
                log.warning(
                    "audit: removing segment %s past the durable end", segs.name(extra)
                )
                segs.remove_segment(extra)
        if meta_buf:
            self._meta.write(meta_buf)
        # 3. tree.bin: cut back, or extend from the entries; rebuild if its last leaf is wrong.
        tree = self._tree
        if tree.size > n:
            tree.truncate(n)
        if n and tree.size == n and tree.node(0, n - 1) != leaf_hash(self._read(n - 1)):
            log.warning("audit: tree.bin disagrees with the entries; rebuilding it")
            tree.truncate(0)
        if tree.size < n:
            tree.append(leaf_hash(self._read(i)) for i in range(tree.size, n))
        self._sync_derived(n)
        return n

    def _load_checkpoint(self) -> SignedCheckpoint | None:
        """The newest checkpoint this log signed; it must match the tree we recovered."""
        lines = list(self._read_checkpoint_lines(tail_only=True))
        if not lines:
            return None
        latest = self._parse_own_checkpoint(*lines[-1])
        if latest.size > self._size:
            raise LogCorruptError(
                f"the log signed a checkpoint for {latest.size} entries but only {self._size} are on disk"
            )
        if self._tree.root(latest.size) != latest.root_hash:
            # tree.bin may be damaged; only the entries are authoritative, so rebuild and look again.
            log.warning(
                "audit: tree.bin does not match the last signed checkpoint; rebuilding it from the entries"
            )
            self._tree.truncate(0)
            self._tree.append(leaf_hash(self._read(i)) for i in range(self._size))
            self._sync_derived(self._size)
            if self._tree.root(latest.size) != latest.root_hash:
                raise LogCorruptError(
                    f"stored entries do not match the signed checkpoint for size {latest.size}; refusing to sign over them"
                )
        return latest

    def _cut_torn_checkpoint_line(self) -> None:
        end = os.fstat(self._cp_fd).st_size
        tail = os.pread(self._cp_fd, min(end, 65536), max(0, end - 65536))
        if tail and not tail.endswith(b"\n"):
            keep = end - len(tail) + tail.rfind(b"\n") + 1
            log.warning("audit: cutting a torn line off checkpoints.log")
            os.ftruncate(self._cp_fd, keep)

    def _parse_own_checkpoint(self, size: int, note: str) -> SignedCheckpoint:
        try:
            cp = open_checkpoint(note, self._signer.verifier, origin=self.origin)
        except NoteError as exc:
            raise LogCorruptError(
                f"checkpoints.log holds a checkpoint this key did not sign: {exc}"
            ) from None
        if cp.size != size:
            raise LogCorruptError("checkpoints.log line size does not match its note")
        return SignedCheckpoint(self.origin, cp.size, cp.root_hash, note)

    def _read_checkpoint_lines(
        self, tail_only: bool = False
    ) -> Iterator[tuple[int, str]]:
        path = self.data_dir / "checkpoints.log"
        try:
            with open(path, "rb") as f:
                end = f.seek(0, os.SEEK_END)
                start = max(0, end - 65536) if tail_only else 0
                f.seek(start)
                data = f.read()
        except FileNotFoundError:
            return
        lines = data.split(b"\n")
        if start > 0:
            lines = lines[1:]  # the first line of a tail read may be partial
        for line in lines[:-1]:  # the last element is "" or a torn line
            obj = json.loads(line)
            yield obj["size"], obj["note"]

    def _sign(self, size: int) -> SignedCheckpoint:
        """Sign a checkpoint for ``size`` after proving it extends the last one we signed."""
        root = self._tree.root(size)
        old: SignedCheckpoint | None = getattr(self, "_checkpoint", None)
        if old is not None:
            proof = self._tree.consistency_proof(old.size, size)
            if not verify_consistency(old.size, size, old.root_hash, root, proof):
                raise LogCorruptError(
                    f"refusing to sign: tree of size {size} does not extend signed size {old.size}"
                )
        note = self._signer.sign(Checkpoint(self.origin, size, root).to_text())
        write_all(
            self._cp_fd, json.dumps({"size": size, "note": note}).encode() + b"\n"
        )
        self._checkpoint = SignedCheckpoint(self.origin, size, root, note)
        return self._checkpoint

    async def close(self) -> None:
        """Finish queued appends, make everything durable and release the directory."""
        if self._closed:
            return
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)
        self._closed = True
        self._changed.set()
        try:
            if self._failure is None:
                self._sync_derived(self._size)
            os.fsync(self._cp_fd)
        finally:
            self._segments.close()
            self._meta.close()
            self._tree.close()
            os.close(self._cp_fd)
            os.close(self._lock_fd)

    # ------------------------------------------------------------------ properties

    @property
    def size(self) -> int:
        """Number of durable, signed entries."""
        return self._size

    @property
    def verifier_key(self) -> str:
        """C2SP verifier key string ``<origin>+<key id>+<base64 key>`` for offline verification."""
        return self._signer.vkey

    @property
    def checkpoint(self) -> SignedCheckpoint:
        """The latest signed checkpoint (always covers every durable entry)."""
        return self._checkpoint

    # ------------------------------------------------------------------ append

    async def append(
        self, events: Sequence[AuditEvent | Mapping[str, Any]]
    ) -> list[Receipt]:
        """Durably append events; returns one receipt per event, in order.

        Concurrent calls are group-committed. Raises InvalidEventError (ValueError with ``field``)
        before anything is written if any event is invalid.
        """
        self._check_open()
        prepared = [_prepare(e) for e in events]
        if not prepared:
            return []
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[list[Receipt]] = loop.create_future()
        self._queue.append((prepared, fut))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_loop())
        return await fut

    async def append_one(self, event: AuditEvent | Mapping[str, Any]) -> Receipt:
        return (await self.append([event]))[0]

    def _check_open(self) -> None:
        if self._failure is not None:
            raise LogClosedError(
                f"a write failed ({self._failure!r}); reopen the log to recover"
            )
        if self._closed:
            raise LogClosedError("the audit log is closed")

    async def _write_loop(self) -> None:
        while self._queue:
            batch: list[tuple[list[_Prepared], asyncio.Future[list[Receipt]]]] = []
            count = 0
            while self._queue and (
                not batch or count + len(self._queue[0][0]) <= self._max_batch
            ):
                item = self._queue.pop(0)
                batch.append(item)
                count += len(item[0])
            try:
                receipts = await self._commit(
                    [p for events, _ in batch for p in events]
                )
            except BaseException as exc:
                # Files may now hold a partial batch; only a reopen (crash recovery) can say what is durable.
                self._failure = exc
                err = LogClosedError(f"audit write failed: {exc!r}")
                for _, fut in batch + self._queue:
                    if not fut.done():
                        fut.set_exception(err)
                self._queue.clear()
                if not isinstance(exc, Exception):
                    raise
                log.exception("audit: write failed; the log needs reopening")
                return
            pos = 0
            for events, fut in batch:
                if not fut.done():
                    fut.set_result(receipts[pos : pos + len(events)])
                pos += len(events)

    async def _commit(self, batch: list[_Prepared]) -> list[Receipt]:
        base = self._size
        time_us = max(
            time.time_ns() // 1000, self._last_time_us
        )  # never let time go backwards
        stamp = _format_us(time_us).encode()
        segs, S = self._segments, self._S
        datas: list[bytes] = []
        meta_buf = bytearray()
        seg_buf = bytearray()
        seg, seg_offset = segs.prepare_write(base)
        for i, p in enumerate(batch):
            index = base + i
            if index // S != seg:
                segs.write(seg_buf)
                seg_buf.clear()
                segs.sync_and_close_write()
                seg, seg_offset = segs.prepare_write(index)
            data = b'{"index":%d' % index + p.parts[0] + stamp + p.parts[1]
            datas.append(data)
            meta_buf += self._meta.pack(
                time_us,
                p.tenant_fp,
                p.session_fp,
                p.type_fp,
                seg_offset + len(seg_buf),
                len(data),
            )
            seg_buf += encode_record(data)
        segs.write(seg_buf)
        self._meta.write(meta_buf)
        hashes = [leaf_hash(d) for d in datas]
        self._tree.append(hashes)
        write_fd = segs.write_fd()
        size = base + len(batch)
        derived: int | None = None
        now = time.monotonic()
        if now - self._derived_synced_at >= DERIVED_SYNC_SECONDS:
            derived, self._derived_synced_at = size, now
        await asyncio.get_running_loop().run_in_executor(
            None, self._sync_files, write_fd, derived
        )
        cp = self._sign(size)
        self._size = size
        self._last_time_us = time_us
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        proof = self._tree.inclusion_proof
        memo: dict[tuple[int, int], bytes] = {}
        return [
            Receipt(
                index=base + i,
                leaf_hash=hashes[i],
                entry=datas[i],
                tree_size=size,
                root_hash=cp.root_hash,
                inclusion_proof=tuple(proof(base + i, size, memo)),
                checkpoint=cp.note,
                citation=format_citation(self.origin, base + i),
            )
            for i in range(len(batch))
        ]

    def _sync_files(self, write_fd: int, derived_size: int | None) -> None:
        """Runs in a worker thread: make the entries durable, and now and then the derived files."""
        os.fdatasync(write_fd)
        if derived_size is not None:
            self._sync_derived(derived_size)

    def _sync_derived(self, size: int) -> None:
        # meta.bin and tree.bin can always be rebuilt from the segments, so they are fsynced about
        # once a second rather than per batch; derived.json records how far they are trustworthy.
        self._meta.sync()
        self._tree.sync()
        path = self.data_dir / "derived.json"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            write_all(fd, json.dumps({"entries": size}).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)

    # ------------------------------------------------------------------ reads

    def _check_index(
        self, index: int, field_name: str = "index", size: int | None = None
    ) -> None:
        size = self._size if size is None else size
        if index < 0:
            raise InvalidRequestError(field_name, f"must be >= 0, got {index}")
        if index >= size:
            raise EntryNotFoundError(
                field_name,
                f"{field_name} {index} is past the end of the log (size {size})",
            )

    def _read(self, index: int) -> bytes:
        idx = self._meta.index
        return self._segments.read(index, idx.offsets[index], idx.lengths[index])

    def get_raw(self, index: int) -> bytes:
        """The canonical entry bytes (the Merkle leaf data) at ``index``."""
        self._check_index(index)
        return self._read(index)

    def get(self, index: int) -> Entry:
        """The entry at ``index``; EntryNotFoundError past the end, EntrySealedError if cold is unreadable."""
        return Entry.decode(self.get_raw(index))

    def get_by_citation(self, citation: str) -> Entry:
        origin, index = parse_citation(citation)
        if origin != self.origin:
            raise InvalidRequestError(
                "citation", f"cites log {origin!r}, this log is {self.origin!r}"
            )
        return self.get(index)

    def citation(self, index: int) -> str:
        return format_citation(self.origin, index)

    def receipt(self, index: int) -> Receipt:
        """A fresh receipt for an existing entry against the latest checkpoint."""
        cp = self._checkpoint
        self._check_index(index, size=cp.size)
        data = self._read(index)
        return Receipt(
            index=index,
            leaf_hash=leaf_hash(data),
            entry=data,
            tree_size=cp.size,
            root_hash=cp.root_hash,
            inclusion_proof=tuple(self._tree.inclusion_proof(index, cp.size)),
            checkpoint=cp.note,
            citation=self.citation(index),
        )

    def inclusion_proof(
        self, index: int, tree_size: int | None = None
    ) -> InclusionProof:
        """Proof that entry ``index`` is in the tree of ``tree_size`` (default: latest checkpoint)."""
        size = self._checkpoint.size if tree_size is None else tree_size
        if size > self._size:
            raise EntryNotFoundError(
                "tree_size",
                f"tree_size {size} is past the end of the log (size {self._size})",
            )
        self._check_index(index, size=size)
        return InclusionProof(
            index,
            size,
            self._tree.node(0, index),
            tuple(self._tree.inclusion_proof(index, size)),
            self._tree.root(size),
        )

    def consistency_proof(
        self, first: int, second: int | None = None
    ) -> ConsistencyProof:
        """Proof that the tree of ``second`` (default: latest) extends the tree of ``first``."""
        second = self._checkpoint.size if second is None else second
        if first < 0:
            raise InvalidRequestError("first", "must be >= 0")
        if first > second:
            raise InvalidRequestError(
                "first", f"first ({first}) must not exceed second ({second})"
            )
        if second > self._size:
            raise EntryNotFoundError(
                "second",
                f"second {second} is past the end of the log (size {self._size})",
            )
        return ConsistencyProof(
            first,
            second,
            self._tree.root(first),
            self._tree.root(second),
            tuple(self._tree.consistency_proof(first, second)),
        )

    def list_entries(
        self,
        *,
        tenant_id: str | None = None,
        session_id: str | None = None,
        type: str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str = "",
    ) -> EntryPage:
        """Entries in index order matching every given filter; time range is [start_time, end_time).

        Tenant and session filters use in-memory posting lists, so only matching entries are read.
        """
        if page_size < 0:
            raise InvalidRequestError("page_size", "must be >= 0")
        page_size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        filters = json.dumps(
            [tenant_id, session_id, type, str(start_time), str(end_time)]
        )
        filter_fp = hashlib.sha256(filters.encode()).hexdigest()[:16]
        begin = 0
        if page_token:
            try:
                tok = json.loads(
                    base64.urlsafe_b64decode(
                        page_token.encode() + b"=" * (-len(page_token) % 4)
                    )
                )
                begin, tok_fp = int(tok["i"]), tok["f"]
            except (ValueError, KeyError, TypeError, binascii.Error):
                raise InvalidRequestError(
                    "page_token", "is not a token this log issued"
                ) from None
            if tok_fp != filter_fp or begin < 0:
                raise InvalidRequestError(
                    "page_token", "was issued for different filters"
                )
        idx = self._meta.index
        size = self._size
        end = size
        if start_time is not None:
            begin = max(begin, bisect_left(idx.times, _to_us(start_time), 0, size))
        if end_time is not None:
            end = bisect_left(idx.times, _to_us(end_time), 0, size)
        candidates: Any
        if tenant_id is not None or session_id is not None:
            lists = []
            if tenant_id is not None:
                lists.append(idx.by_tenant.get(fingerprint(tenant_id), ()))
            if session_id is not None:
                lists.append(idx.by_session.get(fingerprint(session_id), ()))
            postings = min(lists, key=len)
            candidates = (
                postings[j] for j in range(bisect_left(postings, begin), len(postings))
            )
        else:
            candidates = iter(range(begin, end))
        type_fp = fingerprint(type) if type is not None else None
        out: list[Entry] = []
        next_index = -1
        for i in candidates:
            if i >= end:
                break
            if type_fp is not None and idx.types[i] != type_fp:
                continue
            if len(out) == page_size:
                next_index = i
                break
            entry = Entry.decode(self._read(i))
            # Fingerprints can collide; the entry itself decides.
            if (
                (tenant_id is not None and entry.tenant_id != tenant_id)
                or (session_id is not None and entry.session_id != session_id)
                or (type is not None and entry.type != type)
            ):
                continue
            out.append(entry)
        token = ""
        if next_index >= 0:
            token = (
                base64.urlsafe_b64encode(
                    json.dumps({"i": next_index, "f": filter_fp}).encode()
                )
                .decode()
                .rstrip("=")
            )
        return EntryPage(out, token)

    async def follow(
        self,
        start_index: int = 0,
        *,
        tenant_id: str | None = None,
        session_id: str | None = None,
        type: str | None = None,
    ) -> AsyncIterator[Entry]:
        """Yield entries from ``start_index`` on, then new ones as they are committed, until close."""
        if start_index < 0:
            raise InvalidRequestError("start_index", "must be >= 0")
        i = start_index
        while True:
            changed = self._changed
            while i < self._size:
                entry = self.get(i)
                i += 1
                if i % 256 == 0:
                    # A long backlog of other tenants' entries must not starve the event loop.
                    await asyncio.sleep(0)
                if (
                    (tenant_id is None or entry.tenant_id == tenant_id)
                    and (session_id is None or entry.session_id == session_id)
                    and (type is None or entry.type == type)
                ):
                    yield entry
            if self._closed or self._failure is not None:
                return
            await changed.wait()

    def fsck(self) -> VerifyResult:
        """Re-hash every stored entry (hot and cold) against tree.bin and the latest signed root.

        Reports the first index whose stored bytes no longer match the hash the log committed to.
        Reads the whole log: run it from a maintenance job, not per request.
        """
        cp = self._checkpoint
        for i in range(cp.size):
            try:
                data = self._read(i)
            except (LogCorruptError, EntrySealedError) as exc:
                return VerifyResult(
                    False, f"entry {i} cannot be read: {exc}", i, cp.size, i
                )
            if leaf_hash(data) != self._tree.node(0, i):
                return VerifyResult(
                    False,
                    f"entry {i} on disk does not match its committed leaf hash",
                    i,
                    cp.size,
                    i,
                )
        if self._tree.root(cp.size) != cp.root_hash:
            return VerifyResult(
                False,
                "tree.bin does not match the latest signed checkpoint",
                None,
                cp.size,
                cp.size,
            )
        return VerifyResult(
            True, f"all {cp.size} entries match the signed root", None, cp.size, cp.size
        )

    # ------------------------------------------------------------------ retention and export

    def seal_segments(
        self, before_index: int | None = None, older_than: datetime | str | None = None
    ) -> SealResult:
        """Move complete entry segments to cold storage.

        A segment is sealed when it ends at or before ``before_index`` and (if given) its newest entry
        is older than ``older_than``. Merkle nodes stay in tree.bin, so proofs and checkpoints are
        unaffected; ``get`` reads sealed entries from the cold directory.
        """
        if before_index is None and older_than is None:
            raise InvalidRequestError("before_index", "give before_index or older_than")
        if before_index is not None and before_index < 0:
            raise InvalidRequestError("before_index", "must be >= 0")
        limit = self._size if before_index is None else min(before_index, self._size)
        cutoff = _to_us(older_than) if older_than is not None else None
        S, segs, times = self._S, self._segments, self._meta.index.times
        sealed: list[str] = []
        for k in range(limit // S):
            if k in segs.sealed:
                continue
            if cutoff is not None and times[(k + 1) * S - 1] >= cutoff:
                break
            segs.seal(k)
            sealed.append(segs.name(k))
        hot_from = 0
        while hot_from // S in segs.sealed and hot_from < self._size:
            hot_from += S
        return SealResult(sealed, str(segs.cold_dir), min(hot_from, self._size))

    def export(
        self, dest: str | os.PathLike[str], *, start: int = 0, max_checkpoints: int = 64
    ) -> ExportInfo:
        """Write entries [start, latest checkpoint size) in the format ``verify_export`` accepts.

        Includes the latest checkpoint plus up to ``max_checkpoints`` older ones (0 = all).
        """
        cp = self._checkpoint
        size = cp.size
        if start < 0:
            raise InvalidRequestError("start", "must be >= 0")
        if start > size:
            raise EntryNotFoundError(
                "start", f"start {start} is past the end of the log (size {size})"
            )
        notes = [note for s, note in self._read_checkpoint_lines() if start <= s < size]
        notes = checkpoint_sample(notes + [cp.note], max_checkpoints)
        header = ExportHeader(self.origin, self.verifier_key, start, size, tuple(notes))
        path = write_export(
            dest,
            header,
            (self._read(i) for i in range(start, size)),
            self._tree.iter_bytes(size),
        )
        return ExportInfo(str(path), start, size, size - start, len(notes))
