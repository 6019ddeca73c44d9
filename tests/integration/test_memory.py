"""The Memory service end to end through Envoy, against the session mesh's real Valkey and an embedded Chroma.

Covers: context round trip, merge and sliding expiry; turn pagination in both orders and the cap;
semantic search on a small hand-written labelled set; metadata filters; bad input with field
violations; tenant isolation under every RPC; checkpoints; and Redis killed mid-run (degraded but
answering, then recovered with the writes made meanwhile). That the embedding model loads with no
network at all is tested in tests/unit/memory/test_semantic_store.py (test_model_loads_with_no_network).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import grpc
import pytest
import redis
from grpc_health.v1 import health_pb2, health_pb2_grpc
from infrafabric.clients import InfraFabricError, MemoryClient
from infrafabric.memory.v1 import memory_service_pb2 as pb
from infrafabric.memory.v1 import memory_service_pb2_grpc as pb_grpc
from infrafabric.mesh.envoy_config import SERVICE_HEADER

from tests.conftest import LOAD_TEST_USER

SERVICE = "infrafabric.memory.v1.MemoryService"
REDIS_HEALTH_NAME = f"{SERVICE}/redis"
DEFAULT_CONTEXT_TTL = 24 * 3600
DEFAULT_TURN_CAP = 1_000

# Ten topics, three passages each: the two siblings of a query's passage are hard negatives.
# Written for this test; not taken from any dataset.
PASSAGES: dict[str, list[str]] = {
    "garden": [
        "The user keeps three beehives at the bottom of the garden and harvests honey in September.",
        "Slugs keep eating the lettuce in the user's vegetable patch.",
        "The user planted an apple tree in the garden when their daughter was born.",
    ],
    "bike": [
        "The user commutes 12 km each way on a steel touring bicycle.",
        "The user's bicycle was stolen from outside the train station last winter.",
        "The user is saving up for an electric cargo bike to carry the kids.",
    ],
    "cooking": [
        "The user bakes sourdough bread every Saturday with a starter named Gerald.",
        "The user cannot stand coriander; to them it tastes like soap.",
        "The user's signature dish is a slow-cooked lamb tagine with apricots.",
    ],
    "job": [
        "The user has a job interview with a renewable energy company on Friday.",
        "The user wants a fully remote position with at most one office day a month.",
        "The user's current contract ends in December and will not be renewed.",
    ],
    "child": [
        "The user's son Tomas is seven and obsessed with dinosaurs.",
        "Tomas has a peanut allergy and carries an epinephrine pen to school.",
        "Tomas starts swimming lessons on Wednesday afternoons.",
    ],
    "housing": [
        "The user is moving from Manchester to Edinburgh at the end of the month.",
        "The user's landlord is raising the rent by fifteen percent.",
        "The user dreams of buying a small cottage by the sea.",
    ],
    "tech": [
        "The user's home wifi drops every evening around 9 pm.",
        "The user forgot the password of their old email account and cannot recover it.",
        "The user's printer only works when it is connected by USB cable.",
    ],
    "photo": [
        "The user shoots street photography on a 35 mm film camera.",
        "The user develops black and white film in a darkroom set up in their bathroom.",
        "One of the user's photos was exhibited in a local cafe gallery.",
    ],
    "volunteer": [
        "The user volunteers at a food bank every Sunday morning.",
        "The user is a trained mountain rescue volunteer on call at weekends.",
        "The user tutors refugees in English two evenings a week.",
    ],
    "dentist": [
        "The user gets migraines triggered by bright flickering lights.",
        "The user had their wisdom teeth removed last week and can only eat soft food.",
        "The user's blood pressure is slightly high and the doctor told them to eat less salt.",
    ],
}
QUERIES: list[tuple[str, str, int]] = [
    ("When does the user collect honey?", "garden", 0),
    ("What happened to the user's bike at the station?", "bike", 1),
    ("Which herb does the user dislike?", "cooking", 1),
    ("When does the user's current contract finish?", "job", 2),
    ("What is the child allergic to?", "child", 1),
    ("Which city is the user relocating to?", "housing", 0),
    ("Why can't the user log in to their old mailbox?", "tech", 1),
    ("Where does the user process their film?", "photo", 1),
    ("What subject does the user teach to refugees?", "volunteer", 2),
    ("Why can the user only eat soft food right now?", "dentist", 1),
]


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def client(mesh, token) -> AsyncIterator[Callable[..., MemoryClient]]:  # type: ignore[no-untyped-def]
    """client(tenant, user="alice") -> a MemoryClient through Envoy with that identity's token."""
    made: list[MemoryClient] = []

    def make(tenant: str, user: str = "alice", **kwargs) -> MemoryClient:  # type: ignore[no-untyped-def]
        c = MemoryClient(mesh.target, token=token(tenant=tenant, user=user), timeout=20, **kwargs)
        made.append(c)
        return c

    yield make
    for c in made:
        await c.close()


@pytest.fixture
async def raw(mesh, token) -> AsyncIterator[Callable[..., tuple[pb_grpc.MemoryServiceStub, list[tuple[str, str]]]]]:  # type: ignore[no-untyped-def]
    """raw(tenant, user) -> (stub through Envoy, call metadata), for what the typed client cannot send or see."""
    channel = grpc.aio.insecure_channel(mesh.target)

    def make(tenant: str, user: str = "alice"):  # type: ignore[no-untyped-def]
        return pb_grpc.MemoryServiceStub(channel), [("authorization", f"Bearer {token(tenant=tenant, user=user)}")]

    yield make
    await channel.close()


@contextlib.contextmanager
def fails(code: grpc.StatusCode, field: str | None = None) -> Iterator[None]:
    with pytest.raises(InfraFabricError) as err:
        yield
    assert err.value.code == code, err.value
    assert err.value.domain == "memory.infrafabric", err.value
    if field is not None:
        assert field in err.value.field_violations, err.value.field_violations


# --- L1: context ------------------------------------------------------------------------------


async def test_context_round_trip_merge_and_null_removes(client) -> None:  # type: ignore[no-untyped-def]
    mem = client(fresh("t"))
    with fails(grpc.StatusCode.NOT_FOUND):
        await mem.get_context("s1")
    first = await mem.update_context("s1", {"lang": "it", "n": 1, "tags": ["tea", 3], "prefs": {"short": True}})
    assert dict(first.values) == {"lang": "it", "n": 1, "tags": ["tea", 3], "prefs": {"short": True}}
    assert not first.degraded
    assert first.expire_time.ToSeconds() == pytest.approx(time.time() + DEFAULT_CONTEXT_TTL, abs=30)

    merged = await mem.update_context("s1", {"n": 2, "lang": None, "new": "x"})
    expected = {"n": 2, "tags": ["tea", 3], "prefs": {"short": True}, "new": "x"}
    assert _values(merged) == expected
    got = await mem.get_context("s1")
    assert _values(got) == expected and got.session_id == "s1" and not got.degraded

    await mem.delete_context("s1")
    with fails(grpc.StatusCode.NOT_FOUND):
        await mem.get_context("s1")
    with fails(grpc.StatusCode.NOT_FOUND):
        await mem.delete_context("s1")


def _values(ctx: pb.SessionContext) -> dict[str, object]:
    from google.protobuf import json_format

    return json_format.MessageToDict(ctx.values)  # type: ignore[no-any-return]


async def test_context_sliding_expiry_with_own_ttl(client) -> None:  # type: ignore[no-untyped-def]
    mem = client(fresh("t"))
    await mem.update_context("short", {"k": "v"}, ttl_seconds=1.0)
    await mem.append_turn("short", "user", "hello")
    for _ in range(3):  # reads renew by the session's own TTL, not the 24 h default
        await asyncio.sleep(0.5)
        got = await mem.get_context("short")
        assert _values(got) == {"k": "v"}
        assert got.expire_time.ToMilliseconds() / 1000 == pytest.approx(time.time() + 1.0, abs=0.5)
    await asyncio.sleep(1.6)
    with fails(grpc.StatusCode.NOT_FOUND):
        await mem.get_context("short")
    with fails(grpc.StatusCode.NOT_FOUND):
        await mem.list_turns("short")


# --- L1: turns --------------------------------------------------------------------------------


async def test_turn_pagination_both_orders(client) -> None:  # type: ignore[no-untyped-def]
    mem = client(fresh("t"))
    for i in range(1, 8):
        appended = await mem.append_turn("h", "user" if i % 2 else "assistant", f"turn {i}", metadata={"i": i, "tag": "x"})
        assert appended.turn.sequence == i and not appended.degraded
        assert appended.turn.create_time.ToSeconds() == pytest.approx(time.time(), abs=30)

    async def collect(newest_first: bool) -> list[str]:
        seen, page_token = [], ""
        while True:
            page = await mem.list_turns("h", page_size=3, page_token=page_token, newest_first=newest_first)
            assert len(page.turns) <= 3 and not page.degraded
            seen += [t.content for t in page.turns]
            page_token = page.next_page_token
            if not page_token:
                return seen

    assert await collect(False) == [f"turn {i}" for i in range(1, 8)]
    assert await collect(True) == [f"turn {i}" for i in range(7, 0, -1)]
    first = await mem.list_turns("h", page_size=1)
    turn = first.turns[0]
    assert (turn.sequence, turn.role, dict(turn.metadata)) == (1, "user", {"i": 1, "tag": "x"})
    # A page token is bound to its session and order.
    with fails(grpc.StatusCode.INVALID_ARGUMENT, "page_token"):
        await mem.list_turns("h", page_token=first.next_page_token, newest_first=True)
    with fails(grpc.StatusCode.NOT_FOUND):
        await mem.list_turns("never-created")
    with fails(grpc.StatusCode.INVALID_ARGUMENT, "page_size"):
        await mem.list_turns("h", page_size=501)


async def test_batch_append_is_in_order_and_all_or_none(client) -> None:  # type: ignore[no-untyped-def]
    mem = client(fresh("batch"))
    await mem.append_turn("b", "user", "first")
    done = await mem.batch_append_turns("b", [("user", "second", {"k": 1}), ("assistant", "third", None)])
    assert [(t.sequence, t.role, t.content) for t in done.turns] == [(2, "user", "second"), (3, "assistant", "third")]
    assert dict(done.turns[0].metadata) == {"k": 1} and not done.degraded
    # One bad turn anywhere: nothing of the batch is stored, and the violation names it.
    with fails(grpc.StatusCode.INVALID_ARGUMENT, "turns[1].role"):
        await mem.batch_append_turns("b", [("user", "fourth", None), ("robot", "fifth", None)])
    with fails(grpc.StatusCode.INVALID_ARGUMENT, "turns[0].content"):
        await mem.batch_append_turns("b", [("user", "  ", None)])
    with fails(grpc.StatusCode.INVALID_ARGUMENT, "turns"):
        await mem.batch_append_turns("b", [])
    with fails(grpc.StatusCode.INVALID_ARGUMENT, "turns"):
        await mem.batch_append_turns("b", [("user", "x", None)] * 101)
    page = await mem.list_turns("b")
    assert [t.content for t in page.turns] == ["first", "second", "third"]


async def test_turn_cap_keeps_the_newest(client) -> None:  # type: ignore[no-untyped-def]
    mem = client(fresh("t"), user=LOAD_TEST_USER)  # far above the per-user rate limit
    total = DEFAULT_TURN_CAP + 5
    gate = asyncio.Semaphore(16)

    async def append(i: int) -> int:
        async with gate:
            return (await mem.append_turn("capped", "user", f"m{i}")).turn.sequence

    sequences = await asyncio.gather(*(append(i) for i in range(total)))
    assert sorted(sequences) == list(range(1, total + 1))
    kept, page_token = [], ""
    while True:
        page = await mem.list_turns("capped", page_size=500, page_token=page_token)
        kept += [t.sequence for t in page.turns]
        page_token = page.next_page_token
        if not page_token:
            break
    assert kept == list(range(total - DEFAULT_TURN_CAP + 1, total + 1))
    newest = await mem.list_turns("capped", page_size=1, newest_first=True)
    assert newest.turns[0].sequence == total


# --- L2: semantic memory ------------------------------------------------------------------------


async def _add_labelled_set(mem: MemoryClient) -> None:
    memories = [
        pb.NewMemory(id=f"{topic}-{i}", text=text, metadata=_struct({"topic": topic, "i": i, "kind": "fact"}))
        for topic, texts in PASSAGES.items()
        for i, text in enumerate(texts)
    ]
    added = await mem.add_memories(memories)
    assert list(added.ids) == [m.id for m in memories]
    assert added.embedding_model == "all-MiniLM-L6-v2-onnx-int8"


def _struct(values: dict[str, object]):  # type: ignore[no-untyped-def]
    from google.protobuf import struct_pb2

    s = struct_pb2.Struct()
    s.update(values)
    return s


async def test_search_ranks_the_right_passage_first(client) -> None:  # type: ignore[no-untyped-def]
    mem = client(fresh("t"))
    await _add_labelled_set(mem)
    misses = []
    for query, topic, index in QUERIES:
        hits = await mem.search_memories(query, top_k=3)
        assert len(hits) == 3 and hits[0].score >= hits[1].score >= hits[2].score
        if hits[0].memory.id != f"{topic}-{index}":
            misses.append((query, hits[0].memory.text))
    assert not misses


async def test_search_filters_threshold_get_and_delete(client) -> None:  # type: ignore[no-untyped-def]
    mem = client(fresh("t"))
    await _add_labelled_set(mem)
    query = "Which herb does the user dislike?"
    hits = await mem.search_memories(query, top_k=10, filter={"topic": "child"})
    assert {h.memory.metadata["topic"] for h in hits} == {"child"} and len(hits) == 3
    hits = await mem.search_memories(query, top_k=10, filter={"$and": [{"i": {"$gte": 2}}, {"topic": {"$in": ["job", "tech"]}}]})
    assert sorted(h.memory.id for h in hits) == ["job-2", "tech-2"]
    hits = await mem.search_memories(query, top_k=10, filter={"$or": [{"topic": "cooking"}, {"i": {"$lt": 0}}]})
    assert hits[0].memory.id == "cooking-1" and len(hits) == 3
    # A threshold drops weak matches; the best one stays.
    strict = await mem.search_memories(query, top_k=30, min_score=hits[0].score - 1e-6)
    assert [h.memory.id for h in strict] == ["cooking-1"]

    memory = await mem.get_memory("cooking-1")
    assert memory.text == PASSAGES["cooking"][1] and dict(memory.metadata) == {"topic": "cooking", "i": 1, "kind": "fact"}
    assert memory.create_time.ToSeconds() > 0 and not memory.HasField("expire_time")

    expiring = await mem.add_memory("The user's gym membership lapses soon.", ttl_seconds=3600, id="gym")
    assert (await mem.get_memory(expiring)).expire_time.ToSeconds() == pytest.approx(time.time() + 3600, abs=30)

    assert await mem.delete_memories(filter={"topic": "garden"}) == 3
    assert await mem.delete_memories(ids=["bike-0", "bike-1"]) == 2
    with fails(grpc.StatusCode.NOT_FOUND):
        await mem.get_memory("garden-0")
    with fails(grpc.StatusCode.NOT_FOUND):
        await mem.delete_memories(ids=["bike-0"])
    assert await mem.delete_memories(filter={"topic": "no-such-topic"}) == 0
    remaining = await mem.search_memories("bees and honey", top_k=100)
    assert len(remaining) == 30 - 5 + 1 and not any(h.memory.id.startswith("garden") for h in remaining)


async def test_memory_ttl_expires(client) -> None:  # type: ignore[no-untyped-def]
    mem = client(fresh("t"))
    await mem.add_memory("The user is in Lisbon this week.", ttl_seconds=1.0, id="trip")
    assert (await mem.get_memory("trip")).text.startswith("The user is in Lisbon")
    await asyncio.sleep(1.5)
    with fails(grpc.StatusCode.NOT_FOUND):
        await mem.get_memory("trip")
    assert await mem.search_memories("Where is the user this week?") == []


# --- bad input -------------------------------------------------------------------------------


async def test_bad_input_is_invalid_argument_with_field(client) -> None:  # type: ignore[no-untyped-def]
    mem = client(fresh("t"))
    cases = [
        (mem.update_context("s", {}), "values"),
        (mem.update_context("s", {"big": "x" * 70_000}), "values.big"),
        (mem.update_context("s", {"k": 1}, ttl_seconds=0), "ttl"),
        (mem.update_context("", {"k": 1}), "session_id"),
        (mem.update_context("bad id!", {"k": 1}), "session_id"),
        (mem.get_context(""), "session_id"),
        (mem.append_turn("s", "robot", "hi"), "turn.role"),
        (mem.append_turn("s", "user", "   "), "turn.content"),
        (mem.append_turn("s", "user", "x" * 40_000), "turn.content"),
        (mem.append_turn("s", "user", "hi", metadata={"nested": {"a": 1}}), "turn.metadata.nested"),
        (mem.list_turns("s", page_token="garbage!"), "page_token"),
        (mem.add_memories([]), "memories"),
        (mem.add_memory("   "), "memories[0].text"),
        (mem.add_memory("x" * 9_000), "memories[0].text"),
        (mem.add_memory("ok", ttl_seconds=-5), "memories[0].ttl"),
        (mem.add_memory("ok", metadata={"_reserved": 1}), "memories[0].metadata._reserved"),
        (mem.add_memory("ok", metadata={"k": [1, 2]}), "memories[0].metadata.k"),
        (mem.search_memories(""), "query"),
        (mem.search_memories("q", top_k=101), "top_k"),
        (mem.search_memories("q", top_k=-1), "top_k"),
        (mem.search_memories("q", min_score=1.5), "min_score"),
        (mem.search_memories("q", filter={"color": {"$regex": "re.*"}}), "filter.color.$regex"),
        (mem.search_memories("q", filter={"n": {"$gt": "abc"}}), "filter.n.$gt"),
        (mem.search_memories("q", filter={"$not": [{"a": 1}]}), "filter.$not"),
        (mem.delete_memories(), "ids"),
        (mem.delete_memories(ids=["a"], filter={"k": 1}), "filter"),
        (mem.delete_memories(filter={"k": {"$exists": True}}), "filter.k.$exists"),
        (mem.get_memory("no spaces allowed"), "id"),
        (mem.save_checkpoint("c", b""), "state"),
        (mem.save_checkpoint("c", b"x", content_type="plain"), "content_type"),
        (mem.save_checkpoint("c", b"x", ttl_seconds=0), "ttl"),
        (mem.load_checkpoint(""), "name"),
    ]
    for call, field in cases:
        with fails(grpc.StatusCode.INVALID_ARGUMENT, field):
            await call


async def test_append_turn_without_a_turn_is_invalid(raw) -> None:  # type: ignore[no-untyped-def]
    stub, md = raw(fresh("t"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.AppendTurn(pb.AppendTurnRequest(session_id="s"), metadata=md, timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "turn" in InfraFabricError.from_rpc_error(err.value).field_violations


async def test_unknown_things_are_not_found(client) -> None:  # type: ignore[no-untyped-def]
    mem = client(fresh("t"))
    for call, reason in [
        (mem.get_context("nope"), "SESSION_NOT_FOUND"),
        (mem.delete_context("nope"), "SESSION_NOT_FOUND"),
        (mem.list_turns("nope"), "SESSION_NOT_FOUND"),
        (mem.get_memory("nope"), "MEMORY_NOT_FOUND"),
        (mem.delete_memories(ids=["nope"]), "MEMORY_NOT_FOUND"),
        (mem.load_checkpoint("nope"), "CHECKPOINT_NOT_FOUND"),
        (mem.delete_checkpoint("nope"), "CHECKPOINT_NOT_FOUND"),
    ]:
        with pytest.raises(InfraFabricError) as err:
            await call
        assert (err.value.code, err.value.reason, err.value.metadata.get("name")) == (grpc.StatusCode.NOT_FOUND, reason, "nope")


# --- tenancy ---------------------------------------------------------------------------------


async def test_tenant_isolation_under_every_rpc(client) -> None:  # type: ignore[no-untyped-def]
    tenant_a, tenant_b = fresh("ta"), fresh("tb")
    a = client(tenant_a, "alice")
    await a.update_context("s", {"secret": "a"})
    await a.append_turn("s", "user", "private words of alice")
    await a.add_memory("Alice's bank PIN hint is the name of her first cat.", id="m1", metadata={"owner": "a"})
    await a.save_checkpoint("job", b"state-a", content_type="application/json")

    intruders = {
        "same user id, other tenant": client(tenant_b, "alice"),
        "same tenant, other user": client(tenant_a, "mallory"),
        # Identity headers sent by the client are dropped by Envoy, which sets them from the token.
        "forged x-tenant-id/x-user-id": client(
            tenant_b, "bob", metadata=[("x-tenant-id", tenant_a), ("x-user-id", "alice")]
        ),
    }
    for who, b in intruders.items():
        for call in (
            b.get_context("s"),
            b.list_turns("s"),
            b.delete_context("s"),
            b.get_memory("m1"),
            b.delete_memories(ids=["m1"]),
            b.load_checkpoint("job"),
            b.delete_checkpoint("job"),
        ):
            with fails(grpc.StatusCode.NOT_FOUND):
                await call
        assert await b.search_memories("bank PIN hint", top_k=100) == [], who
        assert await b.delete_memories(filter={"owner": "a"}) == 0, who

    # Writing under the same names creates the intruder's own data and never touches A's.
    for who, b in intruders.items():
        await b.update_context("s", {"secret": who})
        await b.append_turn("s", "user", f"words of {who}")
        await b.batch_append_turns("s", [("assistant", f"reply to {who}", None)])
        await b.add_memory(f"The PIN hint of {who} is a dog's name.", id="m1", metadata={"owner": "a"})
        await b.save_checkpoint("job", who.encode())
        assert _values(await b.get_context("s")) == {"secret": who}
        assert [h.memory.text for h in await b.search_memories("PIN hint", top_k=100)] == [f"The PIN hint of {who} is a dog's name."]
        assert (await b.load_checkpoint("job")).state == who.encode()
        assert await b.delete_memories(filter={"owner": "a"}) == 1
        await b.delete_context("s")
        await b.delete_checkpoint("job")

    assert _values(await a.get_context("s")) == {"secret": "a"}
    assert [t.content for t in (await a.list_turns("s")).turns] == ["private words of alice"]
    assert (await a.get_memory("m1")).text.startswith("Alice's bank PIN hint")
    assert [h.memory.id for h in await a.search_memories("bank PIN hint", top_k=100)] == ["m1"]
    assert (await a.load_checkpoint("job")).state == b"state-a"


# --- checkpoints -----------------------------------------------------------------------------


async def test_checkpoint_save_load_replace_delete_and_ttl(client) -> None:  # type: ignore[no-untyped-def]
    mem = client(fresh("t"))
    saved = await mem.save_checkpoint("task-1", b"\x00\x01binary", content_type="application/x-state", ttl_seconds=60)
    assert (saved.name, saved.state, saved.content_type) == ("task-1", b"", "application/x-state")
    assert saved.expire_time.ToMilliseconds() - saved.save_time.ToMilliseconds() == pytest.approx(60_000, abs=2)
    loaded = await mem.load_checkpoint("task-1")
    assert (loaded.state, loaded.content_type, loaded.save_time) == (b"\x00\x01binary", "application/x-state", saved.save_time)

    default = await mem.save_checkpoint("task-2", b"{}")
    assert default.content_type == "application/octet-stream"
    assert default.expire_time.ToSeconds() - default.save_time.ToSeconds() == pytest.approx(24 * 3600, abs=1)

    await mem.save_checkpoint("task-1", b"v2", content_type="application/json")
    assert (await mem.load_checkpoint("task-1")).state == b"v2"
    await mem.delete_checkpoint("task-1")
    with fails(grpc.StatusCode.NOT_FOUND):
        await mem.load_checkpoint("task-1")
    with fails(grpc.StatusCode.NOT_FOUND):
        await mem.delete_checkpoint("task-1")

    await mem.save_checkpoint("short", b"x", ttl_seconds=1.0)
    assert (await mem.load_checkpoint("short")).state == b"x"
    await asyncio.sleep(1.5)
    with fails(grpc.StatusCode.NOT_FOUND):
        await mem.load_checkpoint("short")


# --- Redis outage --------------------------------------------------------------------------------


async def _health(mesh, name: str) -> str:  # type: ignore[no-untyped-def]
    async with grpc.aio.insecure_channel(mesh.target) as channel:
        try:
            resp = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=name), metadata=[(SERVICE_HEADER, "memory")], timeout=2
            )
        except grpc.aio.AioRpcError as err:
            return err.code().name
    return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)


async def _eventually(probe: Callable[[], object], expected: object, timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        got = await probe()  # type: ignore[misc]
        if got == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"still {got!r} after {timeout} s, expected {expected!r}")
        await asyncio.sleep(0.1)


async def _wait_for_redis(url: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    with redis.Redis.from_url(url, socket_connect_timeout=0.2, socket_timeout=0.5) as r:
        while True:
            try:
                if r.ping():
                    return
            except redis.RedisError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the mesh's Redis did not come back")
            await asyncio.sleep(0.05)


async def test_redis_outage_degraded_but_answering_then_recovered(mesh, client, raw) -> None:  # type: ignore[no-untyped-def]
    redis_child = next(c for c in mesh.children if c.name == "redis")
    tenant = fresh("t")
    mem = client(tenant)
    await mem.update_context("s", {"a": 1})
    await mem.append_turn("s", "user", "before the outage")
    await mem.save_checkpoint("job", b"v1")
    await mem.add_memory("The user keeps bees in the garden.", id="bees")
    assert not (await mem.get_context("s")).degraded  # also fills the service's fallback cache
    assert await _health(mesh, REDIS_HEALTH_NAME) == "SERVING"

    os.kill(redis_child.pid, signal.SIGKILL)
    redis_child.popen.wait(timeout=10)
    try:
        ctx = await mem.get_context("s")
        assert ctx.degraded and _values(ctx) == {"a": 1}
        updated = await mem.update_context("s", {"b": 2})
        assert updated.degraded and _values(updated) == {"a": 1, "b": 2}
        appended = await mem.append_turn("s", "assistant", "during the outage")
        assert appended.degraded
        page = await mem.list_turns("s", newest_first=True)
        assert page.degraded and [t.content for t in page.turns] == ["during the outage", "before the outage"]
        # Responses without a degraded field say so in the trailing metadata.
        stub, md = raw(tenant)
        call = stub.LoadCheckpoint(pb.LoadCheckpointRequest(name="job"), metadata=md, timeout=10)
        assert (await call).checkpoint.state == b"v1"
        assert ("infrafabric-degraded", "redis-unreachable") in list(await call.trailing_metadata())
        # Long-term memory does not depend on Redis.
        assert (await mem.search_memories("bees"))[0].memory.id == "bees"
        # The service answers, so it stays SERVING for Envoy; its /redis health name says what is wrong.
        await _eventually(lambda: _health(mesh, REDIS_HEALTH_NAME), "NOT_SERVING")
        assert await _health(mesh, SERVICE) == "SERVING"
    finally:
        # Other tests share this Redis: always bring it back (same argv, so the same port and AOF).
        if not redis_child.alive():
            redis_child.start()
        await _wait_for_redis(mesh.redis_url)

    await _eventually(lambda: _health(mesh, REDIS_HEALTH_NAME), "SERVING", timeout=15)
    ctx = await mem.get_context("s")
    assert not ctx.degraded and _values(ctx) == {"a": 1, "b": 2}
    page = await mem.list_turns("s")
    assert not page.degraded and [t.content for t in page.turns] == ["before the outage", "during the outage"]
    assert [t.sequence for t in page.turns] == [1, 2]
    # The writes made while degraded reached Redis itself, not only the service's cache.
    with redis.Redis.from_url(mesh.redis_url) as r:
        assert len(list(r.scan_iter(match=f"*{tenant}*"))) >= 2
