"""On-disk structures of the audit log: entry segments, the Merkle node file and the entry index.

Layout of a data directory::

    log.json            origin and segment size, fixed at creation
    signing_key.pem     Ed25519 key (PKCS#8, mode 0600), generated at first start
    LOCK                flock'ed by the one process that owns the log
    segments/<first index, 20 digits>.seg   entries; each record is u32be len | u32be crc32 | bytes
    cold/<same names>   sealed segments (retention); the Merkle nodes stay in tree.bin
    tree.bin            every complete Merkle node, 32 bytes each, post-order append order
    meta.bin            per entry: time, tenant/session/type fingerprints, offset, length (44 bytes)
    checkpoints.log     one JSON string per line: every signed checkpoint note, oldest first

The segments are the source of truth. tree.bin and meta.bin are derived: on open they are cut back
or rebuilt from the segments if a crash left them ahead or behind.
"""

from __future__ import annotations

import mmap
import os
import shutil
import struct
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path

from infrafabric.transparency import merkle
from infrafabric.transparency.merkle import HASH_SIZE, mmr_position, mmr_size

from .errors import EntrySealedError, LogCorruptError

RECORD_HEADER = struct.Struct(">II")  # length, crc32 of the data
MAX_RECORD_BYTES = 1 << 20
META = struct.Struct(
    ">qQQQQI"
)  # time_us, tenant fp, session fp, type fp, offset, length


def fingerprint(text: str) -> int:
    """64-bit fingerprint used by the in-memory filters; matches are re-checked on the entry itself."""
    return int.from_bytes(blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def encode_record(data: bytes) -> bytes:
    return RECORD_HEADER.pack(len(data), zlib.crc32(data)) + data


class HashTreeFile:
    """Append-only file of all complete Merkle nodes; answers proofs with O(log n) reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self._map: mmap.mmap | None = None
        nodes = os.fstat(self._fd).st_size // HASH_SIZE
        leaves = nodes // 2
        while mmr_size(leaves + 1) <= nodes:
            leaves += 1
        while leaves and mmr_size(leaves) > nodes:
            leaves -= 1
        self.truncate(leaves)

    @property
    def size(self) -> int:
        return self._size

    def _remap(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        if os.fstat(self._fd).st_size:
            self._map = mmap.mmap(self._fd, 0, access=mmap.ACCESS_READ)

    def node(self, level: int, index: int) -> bytes:
        pos = mmr_position(level, index) * HASH_SIZE
        if self._map is None or pos + HASH_SIZE > len(self._map):
            self._remap()
            if self._map is None or pos + HASH_SIZE > len(self._map):
                raise LogCorruptError(f"tree.bin has no node ({level}, {index})")
        return self._map[pos : pos + HASH_SIZE]

    def truncate(self, leaves: int) -> None:
        os.ftruncate(self._fd, mmr_size(leaves) * HASH_SIZE)
        os.lseek(self._fd, 0, os.SEEK_END)
        self._size = leaves
        self._remap()
        self._peaks = [self.node(level, idx) for level, idx in merkle.peaks(leaves)]

    def append(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaves and every parent they complete, in one write."""
        buf = bytearray()
        n = self._size
        peaks = self._peaks
        node_hash = merkle.node_hash
        for h in leaf_hashes:
            buf += h
            m = n
            while m & 1:
                h = node_hash(peaks.pop(), h)
                buf += h
                m >>= 1
            peaks.append(h)
            n += 1
        write_all(self._fd, buf)
        self._size = n

    def sync(self) -> None:
        os.fdatasync(self._fd)

    def root(self, size: int) -> bytes:
        return merkle.root(self.node, size)

    def inclusion_proof(
        self, index: int, size: int, memo: dict[tuple[int, int], bytes] | None = None
    ) -> list[bytes]:
        return merkle.inclusion_proof(self.node, index, size, memo)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        return merkle.consistency_proof(self.node, first, second)

    def iter_bytes(self, leaves: int, chunk: int = 1 << 20) -> Iterator[bytes]:
        """The raw node bytes of the tree of ``leaves`` leaves (for exports); safe from a thread."""
        end = mmr_size(leaves) * HASH_SIZE
        pos = 0
        while pos < end:
            data = os.pread(self._fd, min(chunk, end - pos), pos)
            if not data:
                raise LogCorruptError("tree.bin is shorter than expected")
            yield data
            pos += len(data)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        os.close(self._fd)


@dataclass
class MetaIndex:
    """In-memory copy of meta.bin plus posting lists for tenant and session filters."""

    times: array
    types: array
    offsets: array
    lengths: array
    by_tenant: dict[int, array]
    by_session: dict[int, array]

    @classmethod
    def empty(cls) -> MetaIndex:
        return cls(array("q"), array("Q"), array("Q"), array("I"), {}, {})

    def __len__(self) -> int:
        return len(self.offsets)

    def add(
        self,
        time_us: int,
        tenant: int,
        session: int,
        type_fp: int,
        offset: int,
        length: int,
    ) -> None:
        index = len(self.offsets)
        self.times.append(time_us)
        self.types.append(type_fp)
        self.offsets.append(offset)
        self.lengths.append(length)
        self.by_tenant.setdefault(tenant, array("Q")).append(index)
        self.by_session.setdefault(session, array("Q")).append(index)


class MetaFile:
    """meta.bin: fixed-size records, one per entry, loaded into a MetaIndex on open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self.index = MetaIndex.empty()
        size = os.fstat(self._fd).st_size
        count = size // META.size
        data = os.pread(self._fd, count * META.size, 0)
        for rec in META.iter_unpack(data):
            self.index.add(*rec)
        if size != count * META.size:
            self.truncate(count)
        os.lseek(self._fd, 0, os.SEEK_END)

    def truncate(self, count: int) -> None:
        """Cut back to ``count`` records (a crash left meta ahead of the entries)."""
        idx = self.index
        total = os.fstat(self._fd).st_size // META.size
        if count < len(idx):
            # The dropped records are the newest, so they sit at the end of every posting list.
            tail = os.pread(self._fd, (len(idx) - count) * META.size, count * META.size)
            for _time, tenant, session, _type, _off, _len in reversed(
                list(META.iter_unpack(tail))
            ):
                for postings, fp in (
                    (idx.by_tenant, tenant),
                    (idx.by_session, session),
                ):
                    postings[fp].pop()
                    if not postings[fp]:
                        del postings[fp]
            for arr in (idx.times, idx.types, idx.offsets, idx.lengths):
                del arr[count:]
        if count < total or os.fstat(self._fd).st_size != count * META.size:
            os.ftruncate(self._fd, count * META.size)
        os.lseek(self._fd, 0, os.SEEK_END)

    def pack(
        self,
        time_us: int,
        tenant: int,
        session: int,
        type_fp: int,
        offset: int,
        length: int,
    ) -> bytes:
        self.index.add(time_us, tenant, session, type_fp, offset, length)
        return META.pack(time_us, tenant, session, type_fp, offset, length)

    def write(self, data: bytes | bytearray) -> None:
        write_all(self._fd, data)

    def sync(self) -> None:
        os.fdatasync(self._fd)

    def close(self) -> None:
        os.close(self._fd)


class SegmentStore:
    """Entry records in fixed-count segment files; sealed segments live in a cold directory."""

    def __init__(self, hot_dir: Path, cold_dir: Path, segment_entries: int) -> None:
        self.hot_dir, self.cold_dir, self.segment_entries = (
            hot_dir,
            cold_dir,
            segment_entries,
        )
        hot_dir.mkdir(parents=True, exist_ok=True)
        self._read_fds: dict[int, int] = {}
        self._write_seg = -1
        self._write_fd: int = -1
        self._write_offset = 0
        self.sealed: set[int] = set()
        for p in cold_dir.glob("*.seg") if cold_dir.is_dir() else ():
            seg = int(p.stem) // segment_entries
            if not (hot_dir / p.name).exists():
                self.sealed.add(seg)

    def name(self, seg: int) -> str:
        return f"{seg * self.segment_entries:020d}.seg"

    def hot_path(self, seg: int) -> Path:
        return self.hot_dir / self.name(seg)

    def existing_segments(self) -> list[int]:
        return sorted(
            int(p.stem) // self.segment_entries for p in self.hot_dir.glob("*.seg")
        )

    def _read_fd(self, seg: int) -> int:
        fd = self._read_fds.get(seg)
        if fd is None:
            if seg in self.sealed:
                path = self.cold_dir / self.name(seg)
                try:
                    fd = os.open(path, os.O_RDONLY)
                except OSError as exc:
                    raise EntrySealedError(
                        f"segment {self.name(seg)} is sealed in cold storage at {path}, which is not readable: {exc.strerror}"
                    ) from None
            else:
                fd = os.open(self.hot_path(seg), os.O_RDONLY)
            self._read_fds[seg] = fd
        return fd

    def read(self, index: int, offset: int, length: int) -> bytes:
        seg = index // self.segment_entries
        raw = os.pread(self._read_fd(seg), RECORD_HEADER.size + length, offset)
        if len(raw) != RECORD_HEADER.size + length:
            raise LogCorruptError(f"entry {index} is cut short in {self.name(seg)}")
        n, crc = RECORD_HEADER.unpack_from(raw)
        data = raw[RECORD_HEADER.size :]
        if n != length or zlib.crc32(data) != crc:
            raise LogCorruptError(
                f"entry {index} fails its checksum in {self.name(seg)}"
            )
        return data

    def scan(self, seg: int, offset: int) -> Iterator[tuple[int, bytes]]:
        """Yield (offset, data) of complete, checksummed records from ``offset``; stops at a torn tail."""
        path = self.hot_path(seg)
        with open(path, "rb") as f:
            f.seek(offset)
            while True:
                head = f.read(RECORD_HEADER.size)
                if len(head) < RECORD_HEADER.size:
                    return
                n, crc = RECORD_HEADER.unpack(head)
                if n > MAX_RECORD_BYTES:
                    return
                data = f.read(n)
                if len(data) < n or zlib.crc32(data) != crc:
                    return
                yield offset, data
                offset += RECORD_HEADER.size + n

    def truncate_segment(self, seg: int, length: int) -> None:
        with open(self.hot_path(seg), "r+b") as f:
            f.truncate(length)
            os.fsync(f.fileno())

    def remove_segment(self, seg: int) -> None:
        self.hot_path(seg).unlink()
        fsync_dir(self.hot_dir)

    def prepare_write(self, index: int) -> tuple[int, int]:
        """Make the segment for ``index`` the write target; return (segment, offset of next record)."""
        seg = index // self.segment_entries
        if seg != self._write_seg:
            self.sync_and_close_write()
            path = self.hot_path(seg)
            created = not path.exists()
            self._write_fd = os.open(
                path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644
            )
            if created:
                fsync_dir(self.hot_dir)  # the new file's name must survive a crash too
            self._write_seg = seg
            self._write_offset = os.fstat(self._write_fd).st_size
        return seg, self._write_offset

    def sync_and_close_write(self) -> None:
        """Finish the current write segment: make it durable before letting go of its descriptor."""
        if self._write_fd >= 0:
            os.fdatasync(self._write_fd)
            os.close(self._write_fd)
            self._write_fd, self._write_seg = -1, -1

    def write(self, data: bytes | bytearray) -> None:
        write_all(self._write_fd, data)
        self._write_offset += len(data)

    def write_fd(self) -> int:
        return self._write_fd

    def seal(self, seg: int) -> Path:
        """Move a complete segment to cold storage durably; proofs are unaffected."""
        self.cold_dir.mkdir(parents=True, exist_ok=True)
        src, dst = self.hot_path(seg), self.cold_dir / self.name(seg)
        if seg == self._write_seg:
            os.close(self._write_fd)
            self._write_fd, self._write_seg = -1, -1
        fd = self._read_fds.pop(seg, None)
        if fd is not None:
            os.close(fd)
        if os.stat(src).st_dev == os.stat(self.cold_dir).st_dev:
            os.replace(src, dst)
        else:
            tmp = dst.with_suffix(".tmp")
            shutil.copyfile(src, tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, dst)
            fsync_dir(self.cold_dir)
            src.unlink()
        fsync_dir(self.cold_dir)
        fsync_dir(self.hot_dir)
        self.sealed.add(seg)
        return dst

    def close(self) -> None:
        for fd in self._read_fds.values():
            os.close(fd)
        self._read_fds.clear()
        if self._write_fd >= 0:
            os.close(self._write_fd)
            self._write_fd = -1
