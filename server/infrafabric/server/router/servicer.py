"""The Router gRPC servicer: Chat and StreamChat run the governed turn (pipeline.py); ListModels, GetUsage."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import redis.asyncio as aioredis
import yaml

from infrafabric.router.v1 import router_service_pb2 as pb
from infrafabric.router.v1 import router_service_pb2_grpc as pb_grpc
from infrafabric.server._common.errors import rpc
from infrafabric.server._common.identity import identity_from
from infrafabric.server.registry import Built
from infrafabric.server.router.budgets import BudgetConfig, BudgetLedger, Scope, Window
from infrafabric.server.router.pipeline import TIER_TO_PROTO, GovernedTurns
from infrafabric.server.router.providers import Deadline
from infrafabric.server.router.registry import ModelRegistry
from infrafabric.server.router.routing import Router
from infrafabric.server.router.settings import RouterSettings

DOMAIN = "router.infrafabric"
DEFAULT_BUDGETS = Path(__file__).with_name("budgets.yaml")
SCOPES = {Scope.TENANT: pb.BUDGET_SCOPE_TENANT, Scope.USER: pb.BUDGET_SCOPE_USER}
WINDOWS = {Window.HOUR: pb.BUDGET_WINDOW_HOUR, Window.DAY: pb.BUDGET_WINDOW_DAY, Window.MONTH: pb.BUDGET_WINDOW_MONTH}


class RouterServicer(pb_grpc.RouterServiceServicer):
    def __init__(self, settings: RouterSettings, turns: GovernedTurns) -> None:
        self.settings = settings
        self.turns = turns

    def _deadline(self, context: grpc.aio.ServicerContext) -> Deadline:
        remaining = context.time_remaining()
        return Deadline.after(min(remaining, self.settings.turn_timeout_seconds) if remaining else self.settings.turn_timeout_seconds)

    @rpc(DOMAIN)
    async def Chat(self, request: pb.ChatRequest, context: grpc.aio.ServicerContext) -> pb.ChatResponse:
        return await self.turns.run(identity_from(context), request, self._deadline(context))

    @rpc(DOMAIN)
    async def StreamChat(self, request: pb.StreamChatRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.StreamChatResponse]:
        identity = identity_from(context)
        chat = pb.ChatRequest()
        chat.ParseFromString(request.SerializeToString())  # same fields, same numbers
        GovernedTurns.validate(chat, self.settings.max_message_chars)
        deltas: asyncio.Queue[str | None] = asyncio.Queue()

        async def on_delta(text: str) -> None:
            await deltas.put(text)

        async def run() -> pb.ChatResponse:
            try:
                return await self.turns.run(identity, chat, self._deadline(context), on_delta=on_delta)
            finally:
                await deltas.put(None)

        task = asyncio.create_task(run())
        try:
            while (text := await deltas.get()) is not None:
                yield pb.StreamChatResponse(delta=text)
            yield pb.StreamChatResponse(final=await task)
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    @rpc(DOMAIN)
    async def ListModels(self, request: pb.ListModelsRequest, context: grpc.aio.ServicerContext) -> pb.ListModelsResponse:
        identity_from(context)
        available = {m.id for m in self.turns.router.available_models()}
        return pb.ListModelsResponse(
            models=[
                pb.ModelInfo(
                    id=m.id, provider=m.provider, tier=TIER_TO_PROTO[m.tier], context_window=m.context_window,
                    input_usd_per_mtok=m.input_price_per_mtok, output_usd_per_mtok=m.output_price_per_mtok,
                    max_output_tokens=m.max_output_tokens, available=m.id in available,
                )
                for m in self.turns.registry.models
            ]
        )

    @rpc(DOMAIN)
    async def GetUsage(self, request: pb.GetUsageRequest, context: grpc.aio.ServicerContext) -> pb.GetUsageResponse:
        identity = identity_from(context)
        report = await self.turns.ledger.usage(identity.tenant_id, identity.user_id)
        return pb.GetUsageResponse(
            budgets=[
                pb.BudgetUsage(
                    scope=SCOPES[w.scope], window=WINDOWS[w.window], tokens_used=w.tokens, tokens_limit=w.token_limit or 0,
                    cost_used_usd=w.cost_usd, cost_limit_usd=w.cost_limit_usd or 0.0,
                )
                for w in report.windows
            ]
        )


async def build(settings: RouterSettings) -> Built:  # type: ignore[override]
    registry = ModelRegistry.load(settings.models_file)
    budgets_path = settings.budgets_file or DEFAULT_BUDGETS
    budgets = BudgetConfig.from_mapping(yaml.safe_load(Path(budgets_path).read_text(encoding="utf-8")), source=str(budgets_path))
    router = Router.from_registry(registry)
    redis = aioredis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    # The bridge reads escalations through a consumer group; create it up front so no event is missed
    # between the first escalation and the bridge's first read.
    with contextlib.suppress(aioredis.ResponseError, aioredis.ConnectionError):
        await redis.xgroup_create(settings.escalation_stream, settings.escalation_group, id="0", mkstream=True)
    channel = grpc.aio.insecure_channel(settings.mesh_target)
    turns = GovernedTurns(settings, channel, registry, router, BudgetLedger(redis, budgets), redis)

    async def close() -> None:
        await channel.close()
        await router.aclose()
        await redis.aclose()

    return Built(servicer=RouterServicer(settings, turns), add_to_server=pb_grpc.add_RouterServiceServicer_to_server, closers=[close])
