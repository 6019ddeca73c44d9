"""Audit log entries: the canonical byte encoding that is the Merkle leaf data, and citations.

An entry is a JSON object with exactly the keys index, time, type, tenant_id, user_id, session_id,
request_id, payload and refs, serialised with sorted keys, no whitespace, UTF-8 and
``ensure_ascii=False``. Those bytes are hashed into the log; ``decode`` refuses anything that does
not re-encode to the same bytes, so two different byte strings can never claim to be one entry.
Canonical JSON never contains a raw newline (json escapes control characters), which is why an
export can store one entry per line.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "CITATION_PREFIX",
    "MAX_FIELD_CHARS",
    "MAX_PAYLOAD_BYTES",
    "MAX_REFS",
    "Entry",
    "InvalidEntryError",
    "canonical_json",
    "format_citation",
    "format_time",
    "parse_citation",
    "parse_time",
]

CITATION_PREFIX = "if://audit/"
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_FIELD_CHARS = 256
MAX_REFS = 64
MAX_REF_CHARS = 1024
_KEYS = (
    "index",
    "time",
    "type",
    "tenant_id",
    "user_id",
    "session_id",
    "request_id",
    "payload",
    "refs",
)
_ID_FIELDS = ("type", "tenant_id", "user_id", "session_id", "request_id")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


class InvalidEntryError(ValueError):
    """Bad entry input; ``field`` names the offending field (for INVALID_ARGUMENT violations)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.description = message


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8, non-ASCII kept, NaN/Infinity refused."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def format_time(dt: datetime) -> str:
    """RFC 3339 UTC with exactly six fractional digits, e.g. 2025-01-02T03:04:05.000006Z."""
    if dt.tzinfo is None:
        raise ValueError("time must be timezone-aware")
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    if not _TIME_RE.match(text):
        raise ValueError(f"time {text!r} is not RFC 3339 UTC with microseconds")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def format_citation(origin: str, index: int) -> str:
    return f"{CITATION_PREFIX}{origin}/{index}"


def parse_citation(citation: str) -> tuple[str, int]:
    """``if://audit/<origin>/<index>`` -> (origin, index); the origin may itself contain '/'."""
    if not citation.startswith(CITATION_PREFIX):
        raise InvalidEntryError("citation", f"must start with {CITATION_PREFIX}")
    origin, sep, idx = citation[len(CITATION_PREFIX) :].rpartition("/")
    if (
        not sep
        or not origin
        or not idx.isascii()
        or not idx.isdigit()
        or (len(idx) > 1 and idx[0] == "0")
    ):
        raise InvalidEntryError(
            "citation", "must look like if://audit/<origin>/<index>"
        )
    return origin, int(idx)


def _check_json_value(value: Any, path: str, depth: int = 0) -> None:
    if depth > 32:
        raise InvalidEntryError(path, "nested too deeply (max 32 levels)")
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return
    if kind is dict or isinstance(value, Mapping):
        for k, v in value.items():
            if type(k) is not str:
                raise InvalidEntryError(path, "object keys must be strings")
            _check_json_value(v, path, depth + 1)
    elif kind is list or kind is tuple:
        for v in value:
            _check_json_value(v, path, depth + 1)
    elif kind is float:
        if not math.isfinite(value):
            raise InvalidEntryError(path, "NaN and Infinity are not JSON")
    elif not isinstance(value, str | int | float | list):
        raise InvalidEntryError(
            path, f"unsupported JSON value type {type(value).__name__}"
        )


@dataclass(frozen=True)
class Entry:
    """One audit record. ``index`` and ``time`` are assigned by the log."""

    index: int
    time: str
    type: str
    tenant_id: str
    user_id: str = ""
    session_id: str = ""
    request_id: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)
    refs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "time": self.time,
            "type": self.type,
            "tenant_id": self.tenant_id,
            "user_id": self.user_id,
            "session_id": self.session_id,
            "request_id": self.request_id,
            "payload": dict(self.payload),
            "refs": list(self.refs),
        }

    def encode(self) -> bytes:
        """The canonical bytes (Merkle leaf data)."""
        try:
            return canonical_json(self.to_dict())
        except (ValueError, TypeError) as exc:  # lone surrogates, NaN, odd types
            raise InvalidEntryError(
                "payload", f"not encodable as canonical JSON: {exc}"
            ) from None

    @property
    def timestamp(self) -> datetime:
        return parse_time(self.time)

    def citation(self, origin: str) -> str:
        return format_citation(origin, self.index)

    @classmethod
    def decode(cls, data: bytes) -> Entry:
        """Parse canonical entry bytes; raises InvalidEntryError if not exactly canonical."""
        try:
            obj = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidEntryError("entry", f"not valid UTF-8 JSON: {exc}") from None
        if not isinstance(obj, dict) or set(obj) != set(_KEYS):
            raise InvalidEntryError(
                "entry", f"must be an object with exactly the keys {', '.join(_KEYS)}"
            )
        if (
            not isinstance(obj["index"], int)
            or isinstance(obj["index"], bool)
            or obj["index"] < 0
        ):
            raise InvalidEntryError("index", "must be a non-negative integer")
        for name in ("time", *_ID_FIELDS):
            if not isinstance(obj[name], str):
                raise InvalidEntryError(name, "must be a string")
        if not _TIME_RE.match(obj["time"]):
            raise InvalidEntryError("time", "must be RFC 3339 UTC with microseconds")
        if not isinstance(obj["payload"], dict):
            raise InvalidEntryError("payload", "must be a JSON object")
        if not isinstance(obj["refs"], list) or not all(
            isinstance(r, str) for r in obj["refs"]
        ):
            raise InvalidEntryError("refs", "must be a list of strings")
        entry = cls(
            index=obj["index"],
            time=obj["time"],
            type=obj["type"],
            tenant_id=obj["tenant_id"],
            user_id=obj["user_id"],
            session_id=obj["session_id"],
            request_id=obj["request_id"],
            payload=obj["payload"],
            refs=tuple(obj["refs"]),
        )
        if entry.encode() != data:
            raise InvalidEntryError("entry", "bytes are not the canonical encoding")
        return entry


def validate_event_fields(
    *,
    type: str,
    tenant_id: str,
    user_id: str,
    session_id: str,
    request_id: str,
    payload: Mapping[str, Any],
    refs: tuple[str, ...],
    payload_json: bytes | None = None,
) -> int:
    """Check an event before the log accepts it; returns the canonical payload size in bytes.

    Pass ``payload_json`` (the payload's canonical bytes) when already computed, to skip re-encoding.
    """
    values = {
        "type": type,
        "tenant_id": tenant_id,
        "user_id": user_id,
        "session_id": session_id,
        "request_id": request_id,
    }
    for name, value in values.items():
        if not isinstance(value, str):
            raise InvalidEntryError(name, "must be a string")
        if len(value) > MAX_FIELD_CHARS:
            raise InvalidEntryError(name, f"longer than {MAX_FIELD_CHARS} characters")
        if _CONTROL_RE.search(value):
            raise InvalidEntryError(name, "contains control characters")
    for name in ("type", "tenant_id"):
        if not values[name]:
            raise InvalidEntryError(name, "is required")
    if payload.__class__ is not dict and not isinstance(payload, Mapping):
        raise InvalidEntryError("payload", "must be a JSON object")
    _check_json_value(payload, "payload")
    if payload_json is None:
        try:
            payload_json = canonical_json(dict(payload))
        except (ValueError, TypeError) as exc:
            raise InvalidEntryError(
                "payload", f"not encodable as canonical JSON: {exc}"
            ) from None
    size = len(payload_json)
    if size > MAX_PAYLOAD_BYTES:
        raise InvalidEntryError(
            "payload", f"canonical size {size} bytes exceeds {MAX_PAYLOAD_BYTES}"
        )
    if len(refs) > MAX_REFS:
        raise InvalidEntryError("refs", f"more than {MAX_REFS} refs")
    for r in refs:
        if not isinstance(r, str) or not r or len(r) > MAX_REF_CHARS:
            raise InvalidEntryError(
                "refs",
                f"each ref must be a non-empty string of at most {MAX_REF_CHARS} characters",
            )
    return size
