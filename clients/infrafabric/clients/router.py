"""Typed async client for the Router service (infrafabric.router.v1.RouterService)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from infrafabric.clients._base import ServiceClient
from infrafabric.router.v1 import router_service_pb2 as pb
from infrafabric.router.v1 import router_service_pb2_grpc as pb_grpc


_TURN_FIELDS = ("session_id", "message", "model", "tier", "persona", "max_output_tokens", "language_hint", "region_code")


def _turn_fields(arguments: dict[str, object]) -> dict[str, object]:
    """Chat and StreamChat requests carry the same fields, named like the methods' parameters."""
    return {name: arguments[name] for name in _TURN_FIELDS}


class RouterClient(ServiceClient[pb_grpc.RouterServiceStub]):
    _stub_type = pb_grpc.RouterServiceStub

    async def chat(
        self,
        session_id: str,
        message: str,
        *,
        model: str = "",
        tier: pb.Tier.ValueType = pb.TIER_UNSPECIFIED,
        persona: str = "",
        max_output_tokens: int = 0,
        language_hint: str = "",
        region_code: str = "",
        timeout: float | None = None,
    ) -> pb.ChatResponse:
        request = pb.ChatRequest(**_turn_fields(locals()))
        return await self._unary("Chat", request, timeout=timeout)  # type: ignore[no-any-return]

    async def stream_chat(
        self,
        session_id: str,
        message: str,
        *,
        model: str = "",
        tier: pb.Tier.ValueType = pb.TIER_UNSPECIFIED,
        persona: str = "",
        max_output_tokens: int = 0,
        language_hint: str = "",
        region_code: str = "",
        timeout: float | None = None,
    ) -> AsyncIterator[pb.StreamChatResponse]:
        request = pb.StreamChatRequest(**_turn_fields(locals()))
        async for event in self._stream("StreamChat", request, timeout=timeout):
            yield event

    async def list_models(self, *, timeout: float | None = None) -> list[pb.ModelInfo]:
        return list((await self._unary("ListModels", pb.ListModelsRequest(), timeout=timeout)).models)

    async def get_usage(self, *, timeout: float | None = None) -> list[pb.BudgetUsage]:
        return list((await self._unary("GetUsage", pb.GetUsageRequest(), timeout=timeout)).budgets)
