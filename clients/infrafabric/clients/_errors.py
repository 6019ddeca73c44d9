"""The one error a client call raises, with the server's AIP-193 details decoded.

    InfraFabricError          every failed call
      .code                   grpc.StatusCode (INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED, ...)
      .message                the status message
      .reason / .domain       from google.rpc.ErrorInfo (e.g. "INVALID_ARGUMENT", "guard.infrafabric")
      .metadata               ErrorInfo metadata
      .field_violations       {field: description} from google.rpc.BadRequest
      .details                every decoded detail message

Errors Envoy itself answers (no token, rate limited, no healthy upstream) carry a code and message
but no details.
"""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import message as pb_message
from google.rpc import error_details_pb2
from grpc_status import rpc_status

_DETAIL_TYPES: tuple[type[pb_message.Message], ...] = (
    error_details_pb2.ErrorInfo,
    error_details_pb2.BadRequest,
    error_details_pb2.RetryInfo,
    error_details_pb2.QuotaFailure,
    error_details_pb2.PreconditionFailure,
    error_details_pb2.ResourceInfo,
    error_details_pb2.DebugInfo,
    error_details_pb2.Help,
    error_details_pb2.LocalizedMessage,
)


class InfraFabricError(Exception):
    """A failed call: status code, message and the decoded google.rpc error details."""

    def __init__(self, code: grpc.StatusCode, message: str, details: list[pb_message.Message] | None = None) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.details: list[pb_message.Message] = details or []
        info = next((d for d in self.details if isinstance(d, error_details_pb2.ErrorInfo)), None)
        self.reason = info.reason if info else ""
        self.domain = info.domain if info else ""
        self.metadata: dict[str, str] = dict(info.metadata) if info else {}
        self.field_violations: dict[str, str] = {
            v.field: v.description
            for d in self.details
            if isinstance(d, error_details_pb2.BadRequest)
            for v in d.field_violations
        }

    @classmethod
    def from_rpc_error(cls, err: grpc.RpcError) -> InfraFabricError:
        call: Any = err
        details: list[pb_message.Message] = []
        try:
            status = rpc_status.from_call(call)
        except ValueError:  # details present but inconsistent with the code: keep the code
            status = None
        if status is not None:
            for packed in status.details:
                for detail_type in _DETAIL_TYPES:
                    if packed.Is(detail_type.DESCRIPTOR):
                        msg = detail_type()
                        packed.Unpack(msg)
                        details.append(msg)
                        break
        return cls(call.code(), call.details() or "", details)
