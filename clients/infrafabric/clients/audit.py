"""Typed async client for the Audit service (infrafabric.audit.v1.AuditService)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from infrafabric.audit.v1 import audit_service_pb2 as pb
from infrafabric.audit.v1 import audit_service_pb2_grpc as pb_grpc
from infrafabric.clients._base import ServiceClient
from infrafabric.clients._convert import to_struct


class AuditClient(ServiceClient[pb_grpc.AuditServiceStub]):
    _stub_type = pb_grpc.AuditServiceStub

    async def append_event(
        self,
        type: str,
        payload: Mapping[str, Any] | None = None,
        *,
        session_id: str = "",
        request_id: str = "",
        refs: Sequence[str] = (),
        timeout: float | None = None,
    ) -> pb.Receipt:
        request = pb.AppendEventRequest(
            type=type, payload=to_struct(payload or {}), session_id=session_id, request_id=request_id, refs=refs
        )
        return (await self._unary("AppendEvent", request, timeout=timeout, request_id=request_id or None)).receipt  # type: ignore[no-any-return]

    async def append_events(
        self, events: Sequence[pb.AppendEventRequest], *, timeout: float | None = None
    ) -> list[pb.Receipt]:
        """Append many events in one call (all or none); one receipt each, in order."""
        request = pb.BatchAppendEventsRequest(events=events)
        return list((await self._unary("BatchAppendEvents", request, timeout=timeout)).receipts)

    @staticmethod
    def event(
        type: str, payload: Mapping[str, Any] | None = None, *, session_id: str = "", request_id: str = "", refs: Sequence[str] = ()
    ) -> pb.AppendEventRequest:
        """One event for `append_events`."""
        return pb.AppendEventRequest(type=type, payload=to_struct(payload or {}), session_id=session_id, request_id=request_id, refs=refs)

    async def get_entry(self, index: int | None = None, *, citation: str = "", timeout: float | None = None) -> pb.Entry:
        request = pb.GetEntryRequest(index=index or 0, citation=citation)
        return (await self._unary("GetEntry", request, timeout=timeout)).entry  # type: ignore[no-any-return]

    async def list_entries(
        self,
        *,
        page_size: int = 0,
        page_token: str = "",
        tenant_id: str = "",
        session_id: str = "",
        type: str = "",
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        timeout: float | None = None,
    ) -> pb.ListEntriesResponse:
        request = pb.ListEntriesRequest(
            page_size=page_size, page_token=page_token, tenant_id=tenant_id, session_id=session_id, type=type
        )
        if start_time is not None:
            request.start_time.FromDatetime(start_time)
        if end_time is not None:
            request.end_time.FromDatetime(end_time)
        return await self._unary("ListEntries", request, timeout=timeout)  # type: ignore[no-any-return]

    async def follow_entries(self, start_index: int = 0, *, session_id: str = "", type: str = "") -> AsyncIterator[pb.Entry]:
        request = pb.FollowEntriesRequest(start_index=start_index, session_id=session_id, type=type)
        async for item in self._stream("FollowEntries", request):
            yield item.entry

    async def get_checkpoint(self, *, timeout: float | None = None) -> pb.GetCheckpointResponse:
        return await self._unary("GetCheckpoint", pb.GetCheckpointRequest(), timeout=timeout)  # type: ignore[no-any-return]

    async def get_inclusion_proof(self, index: int, tree_size: int = 0, *, timeout: float | None = None) -> pb.GetInclusionProofResponse:
        request = pb.GetInclusionProofRequest(index=index, tree_size=tree_size)
        return await self._unary("GetInclusionProof", request, timeout=timeout)  # type: ignore[no-any-return]

    async def get_consistency_proof(
        self, first_size: int, second_size: int = 0, *, timeout: float | None = None
    ) -> pb.GetConsistencyProofResponse:
        request = pb.GetConsistencyProofRequest(first_size=first_size, second_size=second_size)
        return await self._unary("GetConsistencyProof", request, timeout=timeout)  # type: ignore[no-any-return]

    async def get_verifier_key(self, *, timeout: float | None = None) -> str:
        return str((await self._unary("GetVerifierKey", pb.GetVerifierKeyRequest(), timeout=timeout)).verifier_key)

    async def seal_segments(self, *, before_index: int = 0, timeout: float | None = None) -> pb.SealSegmentsResponse:
        return await self._unary("SealSegments", pb.SealSegmentsRequest(before_index=before_index), timeout=timeout)  # type: ignore[no-any-return]
