"""The Memory gRPC servicer: the 12 RPCs of infrafabric.memory.v1.MemoryService over the Memory engine.

Tenant and user come only from the verified identity Envoy forwards (`identity_from`); the engine
builds every Redis key and Chroma collection from them, so no request field can reach another
tenant's data. Engine errors become AIP-193 statuses here, with field violations renamed from the
engine's argument names to the request's field paths (`changes` -> `values`, `ttl_seconds` -> `ttl`).

Degraded mode (Redis unreachable): L1 RPCs keep answering from the engine's bounded in-process
cache. It shows in three places:
* responses that have a `degraded` field set it (SessionContext, AppendTurn, ListTurns);
* every L1 response carries the trailing metadata `infrafabric-degraded: redis-unreachable`
  (the only signal DeleteContext and the checkpoint RPCs can give, as their messages have no field);
* health: the service itself stays SERVING (it answers, so Envoy must keep routing to it), while
  the health name `infrafabric.memory.v1.MemoryService/redis` turns NOT_SERVING until Redis is
  back and the writes made meanwhile are replayed. The standard health protocol has no "degraded".
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import grpc
from google.protobuf import duration_pb2, struct_pb2, timestamp_pb2
from grpc_health.v1 import health_pb2
from infrafabric.memory.v1 import memory_service_pb2 as pb
from infrafabric.memory.v1 import memory_service_pb2_grpc as pb_grpc
from infrafabric.server._common.errors import ServiceError, invalid_argument, rpc
from infrafabric.server._common.identity import Identity, identity_from
from infrafabric.server.memory.engine import (
    NewTurn,
    ContextStoreConfig,
    EmbeddingModelMismatchError,
    EmbeddingModelUnavailableError,
    InvalidArgumentError,
    MemoryEngine,
    MemoryRecord,
    NewMemory,
    NotFoundError,
    SessionContext,
    Turn,
    open_memory_engine,
)
from infrafabric.server.memory.settings import MemorySettings
from infrafabric.server.registry import Built

if TYPE_CHECKING:
    from infrafabric.server._common.server import RunningServer

log = logging.getLogger(__name__)

DOMAIN = "memory.infrafabric"
SERVICE_NAME = "infrafabric.memory.v1.MemoryService"
#: Health name that is NOT_SERVING while Redis is unreachable (the service itself stays SERVING).
REDIS_HEALTH_NAME = f"{SERVICE_NAME}/redis"
DEGRADED_TRAILER = ("infrafabric-degraded", "redis-unreachable")
DEFAULT_TOP_K = 5
DEFAULT_CONTENT_TYPE = "application/octet-stream"
_MAX_EXACT_FLOAT_INT = 2**53

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


# --- engine errors -> AIP-193 -------------------------------------------------------------------


def _rename(field: str, renames: Mapping[str, str]) -> str:
    """Map an engine argument path onto the request's field path (longest matching prefix wins)."""
    for engine_name, proto_name in sorted(renames.items(), key=lambda kv: -len(kv[0])):
        if field == engine_name or field.startswith(engine_name + "."):
            return proto_name + field[len(engine_name) :]
    return re.sub(r"^(memories\[\d+\])\.ttl_seconds$", r"\1.ttl", field)


def _engine_errors(**renames: str) -> Callable[[F], F]:
    """Turn Memory engine errors into ServiceErrors (innermost decorator, under @rpc)."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                return await fn(self, request, context)
            except InvalidArgumentError as exc:
                raise invalid_argument({_rename(exc.field, renames): exc.description}) from None
            except NotFoundError as exc:
                raise ServiceError(
                    grpc.StatusCode.NOT_FOUND,
                    str(exc),
                    reason=exc.reason,
                    metadata={"resource_type": exc.resource_type, "name": exc.name},
                ) from None
            except (EmbeddingModelMismatchError, EmbeddingModelUnavailableError) as exc:
                raise ServiceError(grpc.StatusCode.FAILED_PRECONDITION, str(exc), reason=exc.reason) from None

        return wrapper  # type: ignore[return-value]

    return decorate


# --- protobuf <-> Python ----------------------------------------------------------------------


def _py(value: struct_pb2.Value) -> Any:
    """A Struct value as plain Python (several times faster than json_format on the hot L1 path).

    Struct numbers are doubles; integral ones come back as ints, so 3 stays 3 in stored JSON and
    in metadata filters.
    """
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        n = value.number_value
        if math.isfinite(n) and n.is_integer() and abs(n) <= _MAX_EXACT_FLOAT_INT:
            return int(n)
        return n
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return {k: _py(v) for k, v in value.struct_value.fields.items()}
    if kind == "list_value":
        return [_py(v) for v in value.list_value.values]
    return None  # null_value, or a Value with nothing set


def _from_struct(message: Any, field: str) -> dict[str, Any]:
    if not message.HasField(field):
        return {}
    return {k: _py(v) for k, v in getattr(message, field).fields.items()}


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(values))
    return s


def _timestamp(unix_seconds: float) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromNanoseconds(int(unix_seconds * 1e9))
    return ts


def _seconds(message: Any, field: str) -> float | None:
    """A Duration field in seconds, None when unset (an explicit 0 reaches the engine's range check)."""
    if not message.HasField(field):
        return None
    duration: duration_pb2.Duration = getattr(message, field)
    return duration.seconds + duration.nanos / 1e9


def _context_pb(ctx: SessionContext) -> pb.SessionContext:
    out = pb.SessionContext(session_id=ctx.session_id, values=_struct(ctx.values), degraded=ctx.degraded)
    if ctx.expires_at:
        out.expire_time.CopyFrom(_timestamp(ctx.expires_at))
    return out


def _turn_pb(turn: Turn) -> pb.Turn:
    return pb.Turn(
        role=turn.role,
        content=turn.content,
        create_time=_timestamp(turn.created_at),
        sequence=turn.seq,
        metadata=_struct(turn.metadata),
    )


def _memory_pb(record: MemoryRecord) -> pb.Memory:
    out = pb.Memory(id=record.id, text=record.text, metadata=_struct(record.metadata), create_time=_timestamp(record.created_at))
    if record.expires_at is not None:
        out.expire_time.CopyFrom(_timestamp(record.expires_at))
    return out


_ORDERS = {
    pb.TURN_ORDER_UNSPECIFIED: "oldest_first",
    pb.TURN_ORDER_OLDEST_FIRST: "oldest_first",
    pb.TURN_ORDER_NEWEST_FIRST: "newest_first",
}


# --- the servicer -------------------------------------------------------------------------------


def _checkpoint_pb(checkpoint: Any, *, with_state: bool) -> pb.Checkpoint:
    """The proto of a stored checkpoint; Save answers without the state it was just sent."""
    return pb.Checkpoint(
        name=checkpoint.name,
        state=checkpoint.data if with_state else b"",
        content_type=checkpoint.content_type,
        save_time=_timestamp(checkpoint.created_at),
        expire_time=_timestamp(checkpoint.expires_at),
    )


class MemoryServicer(pb_grpc.MemoryServiceServicer):
    def __init__(self, engine: MemoryEngine) -> None:
        self._engine = engine
        self._context = engine.context
        self._semantic = engine.semantic

    @staticmethod
    def _who(context: grpc.aio.ServicerContext) -> tuple[str, str]:
        identity: Identity = identity_from(context)
        return identity.tenant_id, identity.user_id

    @staticmethod
    def _mark(context: grpc.aio.ServicerContext, degraded: bool) -> None:
        if degraded:
            context.set_trailing_metadata((DEGRADED_TRAILER,))

    # -- L1: session context --------------------------------------------------------------------

    @rpc(DOMAIN)
    @_engine_errors()
    async def GetContext(self, request: pb.GetContextRequest, context: grpc.aio.ServicerContext) -> pb.GetContextResponse:
        tenant, user = self._who(context)
        ctx = await self._context.get_context(tenant, user, request.session_id)
        self._mark(context, ctx.degraded)
        return pb.GetContextResponse(context=_context_pb(ctx))

    @rpc(DOMAIN)
    @_engine_errors(changes="values", ttl_seconds="ttl")
    async def UpdateContext(
        self, request: pb.UpdateContextRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateContextResponse:
        tenant, user = self._who(context)
        ctx = await self._context.update_context(
            tenant, user, request.session_id, _from_struct(request, "values"), ttl_seconds=_seconds(request, "ttl")
        )
        self._mark(context, ctx.degraded)
        return pb.UpdateContextResponse(context=_context_pb(ctx))

    @rpc(DOMAIN)
    @_engine_errors()
    async def DeleteContext(
        self, request: pb.DeleteContextRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteContextResponse:
        tenant, user = self._who(context)
        ack = await self._context.delete_context(tenant, user, request.session_id)
        self._mark(context, ack.degraded)
        return pb.DeleteContextResponse()

    # -- L1: turns --------------------------------------------------------------------------------

    @rpc(DOMAIN)
    @_engine_errors(role="turn.role", content="turn.content", metadata="turn.metadata")
    async def AppendTurn(self, request: pb.AppendTurnRequest, context: grpc.aio.ServicerContext) -> pb.AppendTurnResponse:
        tenant, user = self._who(context)
        if not request.HasField("turn"):
            raise invalid_argument({"turn": "required"})
        appended = await self._context.append_turn(
            tenant,
            user,
            request.session_id,
            request.turn.role,
            request.turn.content,
            metadata=_from_struct(request.turn, "metadata"),
        )
        self._mark(context, appended.degraded)
        return pb.AppendTurnResponse(turn=_turn_pb(appended.turn), degraded=appended.degraded)

    @rpc(DOMAIN)
    @_engine_errors()
    async def BatchAppendTurns(
        self, request: pb.BatchAppendTurnsRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchAppendTurnsResponse:
        tenant, user = self._who(context)
        appended = await self._context.append_turns(
            tenant,
            user,
            request.session_id,
            [NewTurn(t.role, t.content, _from_struct(t, "metadata")) for t in request.turns],
        )
        self._mark(context, appended.degraded)
        return pb.BatchAppendTurnsResponse(turns=[_turn_pb(t) for t in appended.turns], degraded=appended.degraded)

    @rpc(DOMAIN)
    @_engine_errors()
    async def ListTurns(self, request: pb.ListTurnsRequest, context: grpc.aio.ServicerContext) -> pb.ListTurnsResponse:
        tenant, user = self._who(context)
        order = _ORDERS.get(request.order)
        if order is None:
            raise invalid_argument({"order": "must be TURN_ORDER_OLDEST_FIRST or TURN_ORDER_NEWEST_FIRST"})
        page = await self._context.list_turns(
            tenant,
            user,
            request.session_id,
            page_size=request.page_size,
            page_token=request.page_token,
            order=order,  # type: ignore[arg-type]
        )
        self._mark(context, page.degraded)
        return pb.ListTurnsResponse(
            turns=[_turn_pb(t) for t in page.turns], next_page_token=page.next_page_token, degraded=page.degraded
        )

    # -- L2: semantic memory ----------------------------------------------------------------------

    @rpc(DOMAIN)
    @_engine_errors()
    async def AddMemories(self, request: pb.AddMemoriesRequest, context: grpc.aio.ServicerContext) -> pb.AddMemoriesResponse:
        tenant, user = self._who(context)
        items = [
            NewMemory(
                text=m.text,
                metadata=_from_struct(m, "metadata"),
                id=m.id or None,
                ttl_seconds=_seconds(m, "ttl"),
            )
            for m in request.memories
        ]
        records = await self._semantic.add(tenant, user, items)
        return pb.AddMemoriesResponse(ids=[r.id for r in records], embedding_model=self._semantic.embedding_model)

    @rpc(DOMAIN)
    @_engine_errors()
    async def SearchMemories(
        self, request: pb.SearchMemoriesRequest, context: grpc.aio.ServicerContext
    ) -> pb.SearchMemoriesResponse:
        tenant, user = self._who(context)
        # Proto3 zero values mean "unset": top_k 0 is the default, min_score 0 is no threshold.
        if math.isnan(request.min_score):
            raise invalid_argument({"min_score": "must be a number in [-1, 1] (cosine similarity)"})
        top_k = request.top_k or DEFAULT_TOP_K
        min_score = request.min_score if request.min_score != 0.0 else None
        hits = await self._semantic.search(
            tenant, user, request.query, top_k=top_k, min_score=min_score, filter=_from_struct(request, "filter") or None
        )
        return pb.SearchMemoriesResponse(results=[pb.ScoredMemory(memory=_memory_pb(h.memory), score=h.score) for h in hits])

    @rpc(DOMAIN)
    @_engine_errors()
    async def GetMemory(self, request: pb.GetMemoryRequest, context: grpc.aio.ServicerContext) -> pb.GetMemoryResponse:
        tenant, user = self._who(context)
        return pb.GetMemoryResponse(memory=_memory_pb(await self._semantic.get(tenant, user, request.id)))

    @rpc(DOMAIN)
    @_engine_errors()
    async def DeleteMemories(
        self, request: pb.DeleteMemoriesRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteMemoriesResponse:
        tenant, user = self._who(context)
        flt = _from_struct(request, "filter")
        if request.ids and flt:
            raise invalid_argument({"filter": "give ids or a filter, not both"})
        if not request.ids and not flt:
            raise invalid_argument(
                {"ids": "give ids or a non-empty filter", "filter": "give ids or a non-empty filter"},
                message="exactly one of ids or filter is required (an empty filter would delete everything)",
            )
        deleted = await self._semantic.delete(tenant, user, ids=list(request.ids) or None, filter=flt or None)
        return pb.DeleteMemoriesResponse(deleted_count=deleted)

    # -- checkpoints ----------------------------------------------------------------------------

    @rpc(DOMAIN)
    @_engine_errors(data="state", ttl_seconds="ttl")
    async def SaveCheckpoint(
        self, request: pb.SaveCheckpointRequest, context: grpc.aio.ServicerContext
    ) -> pb.SaveCheckpointResponse:
        tenant, user = self._who(context)
        saved = await self._context.save_checkpoint(
            tenant,
            user,
            request.name,
            request.state,
            request.content_type or DEFAULT_CONTENT_TYPE,
            ttl_seconds=_seconds(request, "ttl"),
        )
        self._mark(context, saved.degraded)
        return pb.SaveCheckpointResponse(checkpoint=_checkpoint_pb(saved, with_state=False))

    @rpc(DOMAIN)
    @_engine_errors()
    async def LoadCheckpoint(
        self, request: pb.LoadCheckpointRequest, context: grpc.aio.ServicerContext
    ) -> pb.LoadCheckpointResponse:
        tenant, user = self._who(context)
        loaded = await self._context.load_checkpoint(tenant, user, request.name)
        self._mark(context, loaded.degraded)
        return pb.LoadCheckpointResponse(checkpoint=_checkpoint_pb(loaded, with_state=True))

    @rpc(DOMAIN)
    @_engine_errors()
    async def DeleteCheckpoint(
        self, request: pb.DeleteCheckpointRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteCheckpointResponse:
        tenant, user = self._who(context)
        ack = await self._context.delete_checkpoint(tenant, user, request.name)
        self._mark(context, ack.degraded)
        return pb.DeleteCheckpointResponse()


# --- background work ------------------------------------------------------------------------------


class _Background:
    """The Redis health probe and the L2 expiry sweep: periodic tasks that never run on an RPC's path."""

    def __init__(self, engine: MemoryEngine, settings: MemorySettings) -> None:
        self._engine = engine
        self._settings = settings
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, running: RunningServer) -> None:
        self._tasks = [
            asyncio.create_task(self._probe_redis(running), name="memory-redis-probe"),
            asyncio.create_task(self._purge_expired(), name="memory-purge-expired"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _probe_redis(self, running: RunningServer) -> None:
        reported: bool | None = None
        while True:
            try:
                healthy = await self._engine.context.probe()
            except Exception:
                log.exception("redis probe failed")
                healthy = False
            if healthy != reported:
                status = health_pb2.HealthCheckResponse.SERVING if healthy else health_pb2.HealthCheckResponse.NOT_SERVING
                await running.health.set(REDIS_HEALTH_NAME, status)
                if reported is not None or not healthy:
                    h = self._engine.context.health()
                    if healthy:
                        log.warning("redis reachable again: resynchronised, left degraded mode (dropped writes: %d)", h.dropped_writes)
                    else:
                        log.warning("redis unreachable (%s): answering from the in-process cache", h.last_error)
                reported = healthy
            await asyncio.sleep(self._settings.redis_probe_interval_seconds)

    async def _purge_expired(self) -> None:
        while True:
            await asyncio.sleep(self._settings.purge_interval_seconds)
            try:
                purged = await self._engine.semantic.purge_expired()
                if purged:
                    log.info("purged %d expired long-term memories", purged)
            except Exception:
                log.exception("purging expired memories failed")


async def build(settings: MemorySettings) -> Built:
    # Blocking on purpose: loads the embedding model (~1 s) and opens Chroma before serving.
    engine = open_memory_engine(
        redis_url=settings.redis_url,
        data_dir=settings.data_dir,
        chroma_url=settings.chroma_url,
        context_config=ContextStoreConfig(
            session_ttl_s=settings.context_ttl_seconds,
            max_turns=settings.max_turns_per_session,
            checkpoint_ttl_s=settings.checkpoint_ttl_seconds,
            probe_interval_s=settings.redis_probe_interval_seconds,
        ),
        embed_concurrency=settings.embed_concurrency,
    )
    try:
        await engine.semantic.warm_up()
    except BaseException:
        await engine.aclose()
        raise
    background = _Background(engine, settings)

    async def on_started(running: RunningServer) -> None:
        background.start(running)

    return Built(
        servicer=MemoryServicer(engine),
        add_to_server=pb_grpc.add_MemoryServiceServicer_to_server,
        closers=[engine.aclose, background.stop],  # closed in reverse: tasks first, then the engine
        on_started=on_started,
    )
