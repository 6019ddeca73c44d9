"""Small conversions between Python values and well-known Protobuf types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import duration_pb2, json_format, struct_pb2


def to_struct(values: Mapping[str, Any] | None) -> struct_pb2.Struct | None:
    if values is None:
        return None
    s = struct_pb2.Struct()
    s.update(dict(values))
    return s


def from_struct(s: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(s)  # type: ignore[no-any-return]


def to_duration(seconds: float | None) -> duration_pb2.Duration | None:
    if seconds is None:
        return None
    d = duration_pb2.Duration()
    d.FromNanoseconds(int(seconds * 1e9))
    return d
