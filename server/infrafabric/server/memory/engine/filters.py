"""The small, safe metadata filter language of L2 memory, validated before it reaches Chroma.

Grammar (a JSON object, the same shape Chroma uses)::

    filter    := {field: value}                       equality
               | {field: {op: operand}}               op in $eq $ne $gt $gte $lt $lte $in $nin
               | {"$and": [filter, ...]} | {"$or": [filter, ...]}
               | {cond, cond, ...}                     several keys = implicit $and
    value     := str | int | float | bool              (scalar; no null, no nested objects)

``$gt/$gte/$lt/$lte`` take numbers; ``$in/$nin`` take a non-empty list (max 100) of scalars of one
type. Field names are metadata keys (``[A-Za-z][A-Za-z0-9_.-]{0,63}``); names starting with ``_``
are reserved for the engine and cannot be filtered on. Any other operator, type or shape raises
:class:`InvalidArgumentError` whose ``field`` is the path to the offending part, e.g.
``filter.color.$regex``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import InvalidArgumentError

Scalar = str | int | float | bool
FIELD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
COMPARISON_OPS = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"})
LOGICAL_OPS = frozenset({"$and", "$or"})
MAX_DEPTH = 5
MAX_CONDITIONS = 32
MAX_IN_ITEMS = 100
MAX_STRING = 1024


def validate_field_name(name: object, path: str) -> str:
    if not isinstance(name, str) or not FIELD_RE.match(name):
        raise InvalidArgumentError(
            path, f"invalid field name {name!r}: use letters, digits, '_', '.', '-', starting with a letter"
        )
    return name


def check_scalar(value: object, path: str) -> Scalar:
    if isinstance(value, bool | int):
        if not isinstance(value, bool) and not -(2**63) <= value < 2**63:
            raise InvalidArgumentError(path, "integer out of 64-bit range")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgumentError(path, "number must be finite")
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise InvalidArgumentError(path, f"string longer than {MAX_STRING} characters")
        return value
    raise InvalidArgumentError(path, f"expected a string, number or boolean, got {type(value).__name__}")


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def tick(self, path: str) -> None:
        self.n += 1
        if self.n > MAX_CONDITIONS:
            raise InvalidArgumentError(path, f"filter has more than {MAX_CONDITIONS} conditions")


def validate_filter(raw: Mapping[str, Any] | None, path: str = "filter") -> dict[str, Any] | None:
    """Validate ``raw`` and return the equivalent Chroma ``where`` clause (None for no filter)."""
    if raw is None or (isinstance(raw, Mapping) and not raw):
        return None
    return _node(raw, path, 1, _Counter())


def _node(raw: object, path: str, depth: int, counter: _Counter) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise InvalidArgumentError(path, f"filter nested deeper than {MAX_DEPTH} levels")
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidArgumentError(path, "expected a non-empty object")
    clauses = []
    for key, value in raw.items():
        sub = f"{path}.{key}"
        if isinstance(key, str) and key.startswith("$"):
            if key not in LOGICAL_OPS:
                raise InvalidArgumentError(sub, f"unknown operator {key!r} (allowed here: $and, $or)")
            if not isinstance(value, list) or not value:
                raise InvalidArgumentError(sub, "expected a non-empty list of filters")
            parts = [_node(v, f"{sub}[{i}]", depth + 1, counter) for i, v in enumerate(value)]
            # Chroma rejects $and/$or with a single operand.
            clauses.append(parts[0] if len(parts) == 1 else {key: parts})
        else:
            validate_field_name(key, sub)
            if key.startswith("_"):
                raise InvalidArgumentError(sub, "fields starting with '_' are reserved")
            clauses.append({key: _condition(value, sub, counter)})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _condition(value: object, path: str, counter: _Counter) -> Any:
    counter.tick(path)
    if not isinstance(value, Mapping):
        return {"$eq": check_scalar(value, path)}
    if len(value) != 1:
        raise InvalidArgumentError(path, "expected exactly one operator, e.g. {\"$gt\": 3}")
    ((op, operand),) = value.items()
    sub = f"{path}.{op}"
    if op not in COMPARISON_OPS:
        raise InvalidArgumentError(sub, f"unknown operator {op!r} (allowed: {', '.join(sorted(COMPARISON_OPS))})")
    if op in ("$in", "$nin"):
        if not isinstance(operand, list) or not operand:
            raise InvalidArgumentError(sub, "expected a non-empty list")
        if len(operand) > MAX_IN_ITEMS:
            raise InvalidArgumentError(sub, f"more than {MAX_IN_ITEMS} values")
        items = [check_scalar(v, f"{sub}[{i}]") for i, v in enumerate(operand)]
        kinds = {bool if isinstance(v, bool) else str if isinstance(v, str) else float for v in items}
        if len(kinds) > 1:
            raise InvalidArgumentError(sub, "all values must have the same type")
        return {op: items}
    scalar = check_scalar(operand, sub)
    if op in ("$gt", "$gte", "$lt", "$lte") and (isinstance(scalar, bool) or not isinstance(scalar, int | float)):
        raise InvalidArgumentError(sub, f"{op} needs a number")
    return {op: scalar}
