"""The caller's identity, as Envoy forwards it after verifying the JWT.

Envoy's jwt_authn filter maps the token's `sub` to x-user-id, the tenant claim to x-tenant-id and
the role claim to x-user-role, and strips any client-sent copies of those headers. Services bind to
loopback only and trust these headers; they never trust identity fields in request bodies.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import grpc

from infrafabric.server._common.errors import unauthenticated

AUDITOR_ROLE = "auditor"


@dataclass(frozen=True, slots=True)
class Identity:
    tenant_id: str
    user_id: str
    role: str
    request_id: str
    authorization: str  # the caller's bearer token, passed on when this service calls another

    @property
    def is_auditor(self) -> bool:
        return self.role == AUDITOR_ROLE


def identity_from(context: grpc.aio.ServicerContext) -> Identity:
    """Read the verified identity from the call's metadata, or fail with UNAUTHENTICATED."""
    md = {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}
    tenant, user = md.get("x-tenant-id", ""), md.get("x-user-id", "")
    missing = [name for name, value in (("x-tenant-id", tenant), ("x-user-id", user)) if not value]
    if missing:
        raise unauthenticated(f"no verified identity ({', '.join(missing)} missing): call through Envoy with a bearer token")
    return Identity(
        tenant_id=tenant,
        user_id=user,
        role=md.get("x-user-role", ""),
        request_id=md.get("x-request-id") or uuid.uuid4().hex,
        authorization=md.get("authorization", ""),
    )
