"""AIP-193 errors for servicers.

Servicer code raises a `ServiceError` (or lets an engine raise one of the plain Python errors mapped
below); the `@rpc` decorator turns it into a `google.rpc.Status` with an `ErrorInfo` (UPPER_SNAKE
reason, domain `<svc>.infrafabric`) and, for bad input, `BadRequest` field violations. Anything else
becomes INTERNAL with no internals leaked to the caller, and is logged.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class ServiceError(Exception):
    """An error with a canonical gRPC code, an ErrorInfo reason and optional field violations."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        *,
        reason: str,
        field_violations: Mapping[str, str] | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.field_violations = dict(field_violations or {})
        self.metadata = dict(metadata or {})


def invalid_argument(field_violations: Mapping[str, str], message: str | None = None) -> ServiceError:
    """Bad input: one violation per offending field (field path -> what is wrong)."""
    text = message or "; ".join(f"{f}: {d}" for f, d in field_violations.items())
    return ServiceError(grpc.StatusCode.INVALID_ARGUMENT, text, reason="INVALID_ARGUMENT", field_violations=field_violations)


def not_found(what: str, name: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.NOT_FOUND, f"{what} {name!r} not found", reason=f"{what.upper().replace(' ', '_')}_NOT_FOUND", metadata={"name": name})


def unauthenticated(message: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.UNAUTHENTICATED, message, reason="IDENTITY_MISSING")


def permission_denied(message: str, reason: str = "PERMISSION_DENIED") -> ServiceError:
    return ServiceError(grpc.StatusCode.PERMISSION_DENIED, message, reason=reason)


def unavailable(message: str, reason: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.UNAVAILABLE, message, reason=reason)


def to_status(err: ServiceError, domain: str) -> status_pb2.Status:
    """Build the rich google.rpc.Status for a ServiceError."""
    details = []
    info = error_details_pb2.ErrorInfo(reason=err.reason, domain=domain, metadata=err.metadata)
    packed = any_pb2.Any()
    packed.Pack(info)
    details.append(packed)
    if err.field_violations:
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=f, description=d) for f, d in err.field_violations.items()
            ]
        )
        packed = any_pb2.Any()
        packed.Pack(bad)
        details.append(packed)
    return status_pb2.Status(code=err.code.value[0], message=err.message, details=details)


def translate(exc: BaseException) -> ServiceError | None:
    """Map engine exceptions onto ServiceErrors.

    Engines raise plain Python errors carrying a `field` attribute (ValueError for bad input,
    KeyError for unknown names, IndexError for positions past the end) so they stay free of gRPC.
    """
    if isinstance(exc, ServiceError):
        return exc
    field = getattr(exc, "field", None)
    if isinstance(exc, ValueError) and field:
        return invalid_argument({field: str(exc)})
    if isinstance(exc, KeyError) and field:
        msg = exc.args[0] if exc.args else str(exc)
        return ServiceError(grpc.StatusCode.NOT_FOUND, str(msg), reason="NOT_FOUND", metadata={"field": field})
    if isinstance(exc, IndexError) and field:
        return ServiceError(grpc.StatusCode.OUT_OF_RANGE, str(exc), reason="OUT_OF_RANGE", field_violations={field: str(exc)})
    return None


def rpc(domain: str) -> Callable[[F], F]:
    """Decorate a grpc.aio servicer method (unary or server-streaming) to emit AIP-193 errors."""

    def decorate(fn: F) -> F:
        async def fail(exc: BaseException, context: grpc.aio.ServicerContext) -> None:
            err = translate(exc)
            if err is None:
                log.exception("unhandled error in %s", fn.__qualname__)
                err = ServiceError(grpc.StatusCode.INTERNAL, "internal error", reason="INTERNAL")
            await context.abort_with_status(rpc_status.to_status(to_status(err, domain)))

        if inspect.isasyncgenfunction(fn):

            @functools.wraps(fn)
            async def stream_wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                try:
                    async for item in fn(self, request, context):
                        yield item
                except grpc.aio.AbortError:
                    raise
                except Exception as exc:  # noqa: BLE001 - every error must become a Status
                    await fail(exc, context)

            return stream_wrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        async def unary_wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                return await fn(self, request, context)
            except grpc.aio.AbortError:
                raise
            except Exception as exc:  # noqa: BLE001 - every error must become a Status
                await fail(exc, context)

        return unary_wrapper  # type: ignore[return-value]

    return decorate


CODE_NAMES = {c.value[0]: c for c in grpc.StatusCode}
assert code_pb2.INVALID_ARGUMENT == grpc.StatusCode.INVALID_ARGUMENT.value[0]
