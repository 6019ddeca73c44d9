"""The audit log export format, shared by the log (writer) and the offline verifier (reader).

An export is a directory:

- ``export.json``: ``{"format": "infrafabric-audit-export/v1", "origin", "verifier_key", "start",
  "tree_size", "checkpoints": [signed checkpoint notes, ascending size, the last one at tree_size]}``.
  The embedded verifier key is informational; verifiers must be given the key they trust.
- ``entries.jsonl``: the canonical bytes of entries ``[start, tree_size)``, one per line. Canonical
  JSON never contains a raw newline, so each line is exactly the Merkle leaf data.
- ``tree.bin``: every complete Merkle node of the tree of ``tree_size`` leaves, 32 bytes each, in
  post-order append order (``merkle.mmr_position``). It lets a verifier check exports that start
  after index 0 and pin-point the first tampered entry; it is redundant with the entries otherwise.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ENTRIES_FILE",
    "EXPORT_FORMAT",
    "HEADER_FILE",
    "TREE_FILE",
    "ExportHeader",
    "write_export",
]

EXPORT_FORMAT = "infrafabric-audit-export/v1"
HEADER_FILE = "export.json"
ENTRIES_FILE = "entries.jsonl"
TREE_FILE = "tree.bin"


@dataclass(frozen=True)
class ExportHeader:
    origin: str
    verifier_key: str
    start: int
    tree_size: int
    checkpoints: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": EXPORT_FORMAT,
                "origin": self.origin,
                "verifier_key": self.verifier_key,
                "start": self.start,
                "tree_size": self.tree_size,
                "checkpoints": list(self.checkpoints),
            },
            indent=1,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> ExportHeader:
        obj = json.loads(text)
        # ValueError throughout (not TypeError): every problem here is "malformed file" to callers.
        if not isinstance(obj, dict) or obj.get("format") != EXPORT_FORMAT:
            raise ValueError(f"not an {EXPORT_FORMAT} header")
        start, size, cps = (
            obj.get("start"),
            obj.get("tree_size"),
            obj.get("checkpoints"),
        )
        if (
            not isinstance(start, int)
            or not isinstance(size, int)
            or not 0 <= start <= size
        ):
            raise ValueError("header needs integers 0 <= start <= tree_size")
        if (
            not isinstance(cps, list)
            or not cps
            or not all(isinstance(c, str) for c in cps)
        ):
            raise ValueError("header needs a non-empty list of checkpoint notes")
        origin, vkey = obj.get("origin"), obj.get("verifier_key")
        if not isinstance(origin, str) or not isinstance(vkey, str):
            raise ValueError("header needs origin and verifier_key strings")  # noqa: TRY004
        return cls(origin, vkey, start, size, tuple(cps))


def write_export(
    dest: str | os.PathLike[str],
    header: ExportHeader,
    entries: Iterable[bytes],
    tree_chunks: Iterable[bytes],
) -> Path:
    """Write an export directory (created if needed; existing export files are replaced)."""
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(out / ENTRIES_FILE, "wb") as f:
        for data in entries:
            if b"\n" in data:
                raise ValueError("entry bytes contain a newline; not canonical")
            f.write(data)
            f.write(b"\n")
            count += 1
    if count != header.tree_size - header.start:
        raise ValueError(
            f"wrote {count} entries, header promises {header.tree_size - header.start}"
        )
    with open(out / TREE_FILE, "wb") as f:
        f.writelines(tree_chunks)
    (out / HEADER_FILE).write_text(header.to_json() + "\n", encoding="utf-8")
    return out


def checkpoint_sample(checkpoints: Sequence[str], limit: int) -> list[str]:
    """Keep at most ``limit`` checkpoints, evenly spread, always including the last one."""
    if limit <= 0 or len(checkpoints) <= limit:
        return list(checkpoints)
    step = len(checkpoints) / limit
    picked = [checkpoints[int(i * step)] for i in range(limit - 1)]
    picked.append(checkpoints[-1])
    return picked
