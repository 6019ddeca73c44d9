"""Input checks shared by the stores; each failure names the request field it came from."""

from __future__ import annotations

import re

from .errors import InvalidArgumentError

MAX_IDENTITY_CHARS = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")


def check_identity(tenant_id: object, user_id: object) -> tuple[str, str]:
    """Tenant and user come from the verified identity (Envoy metadata); both are mandatory."""
    for field, value in (("tenant_id", tenant_id), ("user_id", user_id)):
        if not isinstance(value, str) or not value:
            raise InvalidArgumentError(field, "required (from the verified identity)")
        if len(value) > MAX_IDENTITY_CHARS or _CONTROL.search(value):
            raise InvalidArgumentError(field, f"at most {MAX_IDENTITY_CHARS} printable characters")
    return tenant_id, user_id  # type: ignore[return-value]


def check_name(value: object, field: str) -> str:
    """Session ids, memory ids and checkpoint names: 1-128 of [A-Za-z0-9._:@-], starting alphanumeric."""
    if not isinstance(value, str) or not ID_RE.match(value):
        raise InvalidArgumentError(
            field, "must be 1-128 characters of letters, digits, '.', '_', ':', '@', '-', starting alphanumeric"
        )
    return value


def check_text(value: object, field: str, max_chars: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(field, "must be a non-empty string")
    if len(value) > max_chars:
        raise InvalidArgumentError(field, f"longer than {max_chars} characters")
    return value


def check_ttl(value: object, field: str, max_seconds: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= max_seconds:
        raise InvalidArgumentError(field, f"must be a number of seconds in (0, {max_seconds:g}]")
    return float(value)
