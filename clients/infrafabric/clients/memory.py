"""Typed async client for the Memory service (infrafabric.memory.v1.MemoryService)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from infrafabric.clients._base import ServiceClient
from infrafabric.clients._convert import to_duration, to_struct
from infrafabric.memory.v1 import memory_service_pb2 as pb
from infrafabric.memory.v1 import memory_service_pb2_grpc as pb_grpc


class MemoryClient(ServiceClient[pb_grpc.MemoryServiceStub]):
    _stub_type = pb_grpc.MemoryServiceStub

    async def get_context(self, session_id: str, *, timeout: float | None = None) -> pb.SessionContext:
        resp = await self._unary("GetContext", pb.GetContextRequest(session_id=session_id), timeout=timeout)
        return resp.context  # type: ignore[no-any-return]

    async def update_context(
        self, session_id: str, values: Mapping[str, Any], *, ttl_seconds: float | None = None, timeout: float | None = None
    ) -> pb.SessionContext:
        request = pb.UpdateContextRequest(session_id=session_id, values=to_struct(values), ttl=to_duration(ttl_seconds))
        return (await self._unary("UpdateContext", request, timeout=timeout)).context  # type: ignore[no-any-return]

    async def delete_context(self, session_id: str, *, timeout: float | None = None) -> None:
        await self._unary("DeleteContext", pb.DeleteContextRequest(session_id=session_id), timeout=timeout)

    async def append_turn(
        self, session_id: str, role: str, content: str, *, metadata: Mapping[str, Any] | None = None, timeout: float | None = None
    ) -> pb.AppendTurnResponse:
        turn = pb.Turn(role=role, content=content, metadata=to_struct(metadata))
        return await self._unary("AppendTurn", pb.AppendTurnRequest(session_id=session_id, turn=turn), timeout=timeout)  # type: ignore[no-any-return]

    async def batch_append_turns(
        self,
        session_id: str,
        turns: Sequence[tuple[str, str, Mapping[str, Any] | None]],
        *,
        timeout: float | None = None,
    ) -> pb.BatchAppendTurnsResponse:
        """Appends ``(role, content, metadata)`` turns in order, all or none, with consecutive sequence numbers."""
        request = pb.BatchAppendTurnsRequest(
            session_id=session_id,
            turns=[pb.Turn(role=role, content=content, metadata=to_struct(metadata)) for role, content, metadata in turns],
        )
        return await self._unary("BatchAppendTurns", request, timeout=timeout)  # type: ignore[no-any-return]

    async def list_turns(
        self,
        session_id: str,
        *,
        page_size: int = 0,
        page_token: str = "",
        newest_first: bool = False,
        timeout: float | None = None,
    ) -> pb.ListTurnsResponse:
        order = pb.TURN_ORDER_NEWEST_FIRST if newest_first else pb.TURN_ORDER_OLDEST_FIRST
        request = pb.ListTurnsRequest(session_id=session_id, page_size=page_size, page_token=page_token, order=order)
        return await self._unary("ListTurns", request, timeout=timeout)  # type: ignore[no-any-return]

    async def add_memories(self, memories: Sequence[pb.NewMemory], *, timeout: float | None = None) -> pb.AddMemoriesResponse:
        return await self._unary("AddMemories", pb.AddMemoriesRequest(memories=memories), timeout=timeout)  # type: ignore[no-any-return]

    async def add_memory(
        self, text: str, *, metadata: Mapping[str, Any] | None = None, ttl_seconds: float | None = None, id: str = "",
        timeout: float | None = None,
    ) -> str:
        memory = pb.NewMemory(id=id, text=text, metadata=to_struct(metadata), ttl=to_duration(ttl_seconds))
        return (await self.add_memories([memory], timeout=timeout)).ids[0]

    async def search_memories(
        self,
        query: str,
        *,
        top_k: int = 5,
        min_score: float = 0.0,
        filter: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> list[pb.ScoredMemory]:
        request = pb.SearchMemoriesRequest(query=query, top_k=top_k, min_score=min_score, filter=to_struct(filter))
        return list((await self._unary("SearchMemories", request, timeout=timeout)).results)

    async def get_memory(self, id: str, *, timeout: float | None = None) -> pb.Memory:
        return (await self._unary("GetMemory", pb.GetMemoryRequest(id=id), timeout=timeout)).memory  # type: ignore[no-any-return]

    async def delete_memories(
        self, *, ids: Sequence[str] = (), filter: Mapping[str, Any] | None = None, timeout: float | None = None
    ) -> int:
        request = pb.DeleteMemoriesRequest(ids=ids, filter=to_struct(filter))
        return int((await self._unary("DeleteMemories", request, timeout=timeout)).deleted_count)

    async def save_checkpoint(
        self, name: str, state: bytes, *, content_type: str = "", ttl_seconds: float | None = None, timeout: float | None = None
    ) -> pb.Checkpoint:
        request = pb.SaveCheckpointRequest(name=name, state=state, content_type=content_type, ttl=to_duration(ttl_seconds))
        return (await self._unary("SaveCheckpoint", request, timeout=timeout)).checkpoint  # type: ignore[no-any-return]

    async def load_checkpoint(self, name: str, *, timeout: float | None = None) -> pb.Checkpoint:
        return (await self._unary("LoadCheckpoint", pb.LoadCheckpointRequest(name=name), timeout=timeout)).checkpoint  # type: ignore[no-any-return]

    async def delete_checkpoint(self, name: str, *, timeout: float | None = None) -> None:
        await self._unary("DeleteCheckpoint", pb.DeleteCheckpointRequest(name=name), timeout=timeout)
