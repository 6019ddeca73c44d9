"""L1 context store against a real valkey-server: round trips, merges, expiry, history, tenancy,
checkpoints, and the degraded mode when Redis dies and comes back."""

from __future__ import annotations

import asyncio

import pytest

from infrafabric.server.memory.engine import (
    CheckpointNotFoundError,
    ContextStore,
    ContextStoreConfig,
    InvalidArgumentError,
    NewTurn,
    SessionNotFoundError,
)

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infrafabric.testing.valkey import ValkeyServer

U = "user-1"


async def test_context_round_trip_and_merge(context_store: ContextStore, tenant: str) -> None:
    with pytest.raises(SessionNotFoundError):
        await context_store.get_context(tenant, U, "s1")
    first = await context_store.update_context(tenant, U, "s1", {"lang": "it", "topics": ["tea", 3], "n": 1})
    assert first.values == {"lang": "it", "topics": ["tea", 3], "n": 1}
    assert first.version == 1 and not first.degraded and first.created_at > 0

    merged = await context_store.update_context(tenant, U, "s1", {"n": 2, "lang": None, "new": {"a": True}})
    assert merged.values == {"topics": ["tea", 3], "n": 2, "new": {"a": True}}
    assert merged.version == 2

    got = await context_store.get_context(tenant, U, "s1")
    assert got.values == merged.values and got.version == 2

    await context_store.delete_context(tenant, U, "s1")
    with pytest.raises(SessionNotFoundError):
        await context_store.get_context(tenant, U, "s1")
    with pytest.raises(SessionNotFoundError):
        await context_store.delete_context(tenant, U, "s1")


async def test_sliding_expiry(valkey: ValkeyServer, tenant: str) -> None:
    store = ContextStore.from_url(valkey.url, ContextStoreConfig(session_ttl_s=0.6))
    try:
        await store.update_context(tenant, U, "short", {"k": "v"})
        await store.append_turn(tenant, U, "short", "user", "hi")
        for _ in range(3):  # reads keep it alive past its original TTL
            await asyncio.sleep(0.3)
            assert (await store.get_context(tenant, U, "short")).values == {"k": "v"}
        await asyncio.sleep(1.0)
        with pytest.raises(SessionNotFoundError):
            await store.get_context(tenant, U, "short")
        with pytest.raises(SessionNotFoundError):
            await store.list_turns(tenant, U, "short")
    finally:
        await store.aclose()


async def test_update_ttl_override(context_store: ContextStore, tenant: str) -> None:
    await context_store.update_context(tenant, U, "ttl", {"k": 1}, ttl_seconds=0.3)
    await asyncio.sleep(0.8)
    with pytest.raises(SessionNotFoundError):
        await context_store.get_context(tenant, U, "ttl")


async def test_history_pagination_both_orders(context_store: ContextStore, tenant: str) -> None:
    for i in range(1, 8):
        await context_store.append_turn(tenant, U, "h", "user" if i % 2 else "assistant", f"turn {i}", metadata={"i": str(i)})

    async def collect(order: str) -> list[str]:
        seen, token = [], ""
        while True:
            page = await context_store.list_turns(tenant, U, "h", page_size=3, page_token=token, order=order)  # type: ignore[arg-type]
            assert len(page.turns) <= 3
            seen += [t.content for t in page.turns]
            token = page.next_page_token
            if not token:
                return seen

    assert await collect("oldest_first") == [f"turn {i}" for i in range(1, 8)]
    assert await collect("newest_first") == [f"turn {i}" for i in range(7, 0, -1)]
    page = await context_store.list_turns(tenant, U, "h", page_size=1)
    assert page.turns[0].seq == 1 and page.turns[0].role == "user" and page.turns[0].metadata == {"i": "1"}
    # A session with turns but no context updates still has an (empty) context.
    assert (await context_store.get_context(tenant, U, "h")).values == {}
    # Tokens are bound to session and order.
    with pytest.raises(InvalidArgumentError) as err:
        await context_store.list_turns(tenant, U, "h", page_token=page.next_page_token, order="newest_first")
    assert err.value.field == "page_token"


async def test_history_cap_trims_oldest(valkey: ValkeyServer, tenant: str) -> None:
    store = ContextStore.from_url(valkey.url, ContextStoreConfig(max_turns=5))
    try:
        for i in range(1, 13):
            appended = await store.append_turn(tenant, U, "cap", "user", f"m{i}")
            assert appended.turn.seq == i
        page = await store.list_turns(tenant, U, "cap", page_size=100)
        assert [t.content for t in page.turns] == [f"m{i}" for i in range(8, 13)]
        assert [t.seq for t in page.turns] == list(range(8, 13))
        # A token taken before trimming still continues correctly (seq-based, not index-based).
        first = await store.list_turns(tenant, U, "cap", page_size=2)
        for i in range(13, 16):
            await store.append_turn(tenant, U, "cap", "user", f"m{i}")
        rest = await store.list_turns(tenant, U, "cap", page_size=100, page_token=first.next_page_token)
        assert [t.content for t in rest.turns] == [f"m{i}" for i in range(11, 16)]
    finally:
        await store.aclose()


async def test_tenant_isolation_every_operation(context_store: ContextStore, tenant: str) -> None:
    other = tenant + "-other"
    await context_store.update_context(tenant, U, "s", {"secret": "a"})
    await context_store.append_turn(tenant, U, "s", "user", "private")
    await context_store.save_checkpoint(tenant, U, "job", b"state", "application/octet-stream")
    # Same user id, different tenant; same tenant, different user; ids that try key injection.
    for t, u in [(other, U), (tenant, "user-2"), (f"{tenant}|{U}", ""), (tenant, f"{U}}}:s:s")]:
        if not u:
            continue
        with pytest.raises(SessionNotFoundError):
            await context_store.get_context(t, u, "s")
        with pytest.raises(SessionNotFoundError):
            await context_store.list_turns(t, u, "s")
        with pytest.raises(SessionNotFoundError):
            await context_store.delete_context(t, u, "s")
        with pytest.raises(CheckpointNotFoundError):
            await context_store.load_checkpoint(t, u, "job")
        with pytest.raises(CheckpointNotFoundError):
            await context_store.delete_checkpoint(t, u, "job")
        await context_store.update_context(t, u, "s", {"secret": "b"})
        await context_store.append_turn(t, u, "s", "user", "intruder")
        await context_store.save_checkpoint(t, u, "job", b"other", "text/plain")
    assert (await context_store.get_context(tenant, U, "s")).values == {"secret": "a"}
    assert [t.content for t in (await context_store.list_turns(tenant, U, "s")).turns] == ["private"]
    assert (await context_store.load_checkpoint(tenant, U, "job")).data == b"state"
    for bad in [("", U), (tenant, ""), (None, U)]:
        with pytest.raises(InvalidArgumentError):
            await context_store.get_context(bad[0], bad[1], "s")  # type: ignore[arg-type]


async def test_checkpoints(context_store: ContextStore, tenant: str) -> None:
    saved = await context_store.save_checkpoint(tenant, U, "task-1", b"\x00\x01binary", "application/x-state", ttl_seconds=60)
    assert saved.expires_at - saved.created_at == pytest.approx(60)
    loaded = await context_store.load_checkpoint(tenant, U, "task-1")
    assert (loaded.data, loaded.content_type, loaded.degraded) == (b"\x00\x01binary", "application/x-state", False)
    await context_store.save_checkpoint(tenant, U, "task-1", b"v2", "application/json")
    assert (await context_store.load_checkpoint(tenant, U, "task-1")).data == b"v2"
    await context_store.delete_checkpoint(tenant, U, "task-1")
    with pytest.raises(CheckpointNotFoundError):
        await context_store.load_checkpoint(tenant, U, "task-1")
    await context_store.save_checkpoint(tenant, U, "short", b"x", "text/plain", ttl_seconds=0.2)
    await asyncio.sleep(0.6)
    with pytest.raises(CheckpointNotFoundError):
        await context_store.load_checkpoint(tenant, U, "short")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s, t: s.update_context(t, U, "s", {}), "changes"),
        (lambda s, t: s.update_context(t, U, "s", {"k": float("nan")}), "changes.k"),
        (lambda s, t: s.update_context(t, U, "s", {"k": object()}), "changes.k"),
        (lambda s, t: s.update_context(t, U, "s", {"big": "x" * 70_000}), "changes.big"),
        (lambda s, t: s.update_context(t, U, "s", {"k": 1}, ttl_seconds=0), "ttl_seconds"),
        (lambda s, t: s.update_context(t, U, "bad id!", {"k": 1}), "session_id"),
        (lambda s, t: s.append_turn(t, U, "s", "robot", "hi"), "role"),
        (lambda s, t: s.append_turn(t, U, "s", "user", "   "), "content"),
        (lambda s, t: s.list_turns(t, U, "s", page_size=10_000), "page_size"),
        (lambda s, t: s.list_turns(t, U, "s", page_token="garbage!"), "page_token"),
        (lambda s, t: s.save_checkpoint(t, U, "c", b"", "text/plain"), "data"),
        (lambda s, t: s.save_checkpoint(t, U, "c", b"x" * (3 << 20), "text/plain"), "data"),
        (lambda s, t: s.save_checkpoint(t, U, "c", b"x", "plain"), "content_type"),
    ],
)
async def test_bad_input_names_the_field(context_store: ContextStore, tenant: str, call, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgumentError) as err:
        await call(context_store, tenant)
    assert err.value.field == field
    assert isinstance(err.value, ValueError)


async def test_max_keys_enforced_atomically(valkey: ValkeyServer, tenant: str) -> None:
    store = ContextStore.from_url(valkey.url, ContextStoreConfig(max_keys=3))
    try:
        await store.update_context(tenant, U, "s", {"a": 1, "b": 2})
        with pytest.raises(InvalidArgumentError):
            await store.update_context(tenant, U, "s", {"c": 3, "d": 4})
        # Replacing and deleting keys does not count as growth.
        ok = await store.update_context(tenant, U, "s", {"a": 10, "b": None, "c": 3, "d": 4})
        assert ok.values == {"a": 10, "c": 3, "d": 4}
    finally:
        await store.aclose()


async def test_redis_down_degraded_then_resync(private_valkey: ValkeyServer, tenant: str) -> None:
    store = ContextStore.from_url(private_valkey.url, ContextStoreConfig(probe_interval_s=0.2))
    try:
        await store.update_context(tenant, U, "s", {"a": 1, "b": 2, "keep": "redis"})
        await store.append_turn(tenant, U, "s", "user", "before outage")
        await store.save_checkpoint(tenant, U, "job", b"v1", "text/plain")
        await store.save_checkpoint(tenant, U, "gone", b"x", "text/plain")
        assert (await store.get_context(tenant, U, "s")).values["a"] == 1  # warms the cache

        private_valkey.stop()
        ctx = await store.get_context(tenant, U, "s")
        assert ctx.degraded and ctx.values == {"a": 1, "b": 2, "keep": "redis"}
        assert store.health().degraded and store.health().last_error

        upd = await store.update_context(tenant, U, "s", {"a": 100, "b": None, "c": "new"})
        assert upd.degraded and upd.values == {"a": 100, "keep": "redis", "c": "new"}
        appended = await store.append_turn(tenant, U, "s", "assistant", "during outage")
        assert appended.degraded
        page = await store.list_turns(tenant, U, "s", order="newest_first")
        assert page.degraded and [t.content for t in page.turns][:2] == ["during outage", "before outage"]
        assert (await store.load_checkpoint(tenant, U, "job")).degraded
        assert (await store.save_checkpoint(tenant, U, "job", b"v2", "text/plain")).degraded
        assert (await store.delete_checkpoint(tenant, U, "gone")).degraded
        unknown = await store.get_context(tenant, U, "never-seen")
        assert unknown.degraded and unknown.values == {}
        assert store.health().pending_writes == 4
        # While Redis is down, the store still answers quickly.
        loop = asyncio.get_running_loop()
        started = loop.time()
        for _ in range(20):
            await store.get_context(tenant, U, "s")
        assert loop.time() - started < 2.0

        private_valkey.start()  # empty server: nothing survived
        # A replica wrote to Redis during the outage: untouched keys keep its value.
        other = ContextStore.from_url(private_valkey.url)
        await other.update_context(tenant, U, "s", {"keep": "replica", "a": -1})
        await other.aclose()

        assert await store.probe()
        health = store.health()
        assert not health.degraded and health.pending_writes == 0 and health.dropped_writes == 0

        ctx = await store.get_context(tenant, U, "s")
        assert not ctx.degraded
        assert ctx.values == {"a": 100, "keep": "replica", "c": "new"}
        turns = await store.list_turns(tenant, U, "s")
        assert [t.content for t in turns.turns] == ["during outage"]
        assert (await store.load_checkpoint(tenant, U, "job")).data == b"v2"
        with pytest.raises(CheckpointNotFoundError):
            await store.load_checkpoint(tenant, U, "gone")
    finally:
        await store.aclose()


async def test_recovers_on_next_call_without_probe(private_valkey: ValkeyServer, tenant: str) -> None:
    store = ContextStore.from_url(private_valkey.url, ContextStoreConfig(probe_interval_s=0.1))
    try:
        private_valkey.stop()
        assert (await store.update_context(tenant, U, "s", {"x": 1})).degraded
        private_valkey.start()
        await asyncio.sleep(0.15)
        ctx = await store.get_context(tenant, U, "s")
        assert not ctx.degraded and ctx.values == {"x": 1}
    finally:
        await store.aclose()


async def test_degraded_cache_is_bounded(private_valkey: ValkeyServer, tenant: str) -> None:
    store = ContextStore.from_url(
        private_valkey.url, ContextStoreConfig(cache_max_entries=3, journal_max_ops=4, probe_interval_s=60)
    )
    try:
        private_valkey.stop()
        for i in range(6):
            await store.update_context(tenant, U, f"s{i}", {"i": i})
        assert (await store.get_context(tenant, U, "s5")).values == {"i": 5}
        assert (await store.get_context(tenant, U, "s0")).values == {}  # evicted
        health = store.health()
        assert health.pending_writes == 4 and health.dropped_writes == 2
    finally:
        await store.aclose()


async def test_context_values_survive_the_json_reply_exactly(context_store: ContextStore, tenant: str) -> None:
    # Redis answers a context as one JSON document built in Lua: keys are escaped there, values spliced in.
    values = {
        'quote"key': 'a "quoted" value',
        "back\\slash/key": "C:\\path/to\\file",
        "ünïcødé-κλειδί-🔑": "ça va? 你好 👋",
        "nested": {"a": [1, 2.5, -3, True, False, None, {"b": []}], "empty": {}},
        "big": 2**53,
        "float": 0.1,
        "neg": -7,
        "text": "line1\nline2\ttab\u2028sep",
        "{\"braces\"}:[]": "}",
    }
    updated = await context_store.update_context(tenant, U, "json", values)
    got = await context_store.get_context(tenant, U, "json")
    assert updated.values == values and got.values == values
    assert type(got.values["big"]) is int and type(got.values["float"]) is float
    assert got.version == 1 and got.created_at > 0 and got.updated_at >= got.created_at


async def test_degraded_cache_byte_bound_counts_values_and_turns(private_valkey: ValkeyServer, tenant: str) -> None:
    # Write-through while healthy: each cached session is sized by its values and its cached turns.
    store = ContextStore.from_url(private_valkey.url, ContextStoreConfig(cache_max_bytes=2_500, probe_interval_s=60))
    try:
        await store.update_context(tenant, U, "a", {"v": "x" * 1_500})
        await store.update_context(tenant, U, "b", {"v": "y" * 1_500})  # a + b > 2,500 bytes: a goes
        await store.update_context(tenant, U, "c", {"k": 1})
        await store.append_turn(tenant, U, "c", "user", "z" * 700)
        await store.append_turn(tenant, U, "c", "assistant", "w" * 700)  # b + c > 2,500 bytes: b goes
        private_valkey.stop()
        assert (await store.get_context(tenant, U, "a")).values == {}
        assert (await store.get_context(tenant, U, "b")).values == {}
        assert (await store.get_context(tenant, U, "c")).values == {"k": 1}
        page = await store.list_turns(tenant, U, "c")
        assert page.degraded and [t.content[0] for t in page.turns] == ["z", "w"]
    finally:
        private_valkey.start()
        await store.aclose()


async def test_batch_append_while_degraded_is_replayed_in_order(private_valkey: ValkeyServer, tenant: str) -> None:
    store = ContextStore.from_url(private_valkey.url, ContextStoreConfig(probe_interval_s=0.1))
    try:
        await store.append_turn(tenant, U, "s", "user", "one")
        private_valkey.stop()
        held = await store.append_turns(tenant, U, "s", [NewTurn("user", "two"), NewTurn("assistant", "three", {"k": 1})])
        assert held.degraded and [t.content for t in held.turns] == ["two", "three"]
        assert store.health().pending_writes == 1  # the batch is one journalled write
        private_valkey.start()  # empty server: only the journal's writes come back
        assert await store.probe()
        page = await store.list_turns(tenant, U, "s")
        assert [(t.seq, t.role, t.content, t.metadata) for t in page.turns] == [
            (1, "user", "two", {}), (2, "assistant", "three", {"k": 1})
        ]
    finally:
        await store.aclose()
