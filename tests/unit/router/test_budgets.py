"""Budgets against a real Valkey server: checks before the call, atomic recording, windows, overrides."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import redis.asyncio
from infrafabric.server.router.budgets import (
    BudgetConfig,
    BudgetConfigError,
    BudgetExceeded,
    BudgetLedger,
    Scope,
    Window,
)

CONFIG = BudgetConfig.from_mapping({
    "tenant": {"day": {"tokens": 10_000, "cost_usd": 1.0}, "month": {"cost_usd": 20.0}},
    "user": {"hour": {"tokens": 1_000}},
    "tenants": {"bigco": {"tenant": {"day": {"tokens": 1_000_000}}}},
})
# 2026-03-31 23:30:00 UTC: the next hour is also a new day and a new month.
T0 = datetime(2026, 3, 31, 23, 30, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_check_passes_then_names_the_exhausted_budget(redis_client: redis.asyncio.Redis) -> None:
    ledger = BudgetLedger(redis_client, CONFIG, clock=Clock(T0))
    await ledger.check("acme", "alice", estimated_tokens=900, estimated_cost=0.01)
    await ledger.record("acme", "alice", input_tokens=800, output_tokens=100, cost=0.01)
    with pytest.raises(BudgetExceeded) as info:
        await ledger.check("acme", "alice", estimated_tokens=200, estimated_cost=0.01)
    err = info.value
    assert (err.scope, err.subject, err.window, err.metric) == (Scope.USER, "alice", Window.HOUR, "tokens")
    assert (err.limit, err.used, err.requested) == (1_000, 900, 200)
    assert err.resets_at == datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
    assert "user 'alice' hourly tokens budget exhausted: used 900 of 1000" in str(err)
    # Another user of the same tenant still has room in the hour.
    await ledger.check("acme", "bob", estimated_tokens=200, estimated_cost=0.01)


async def test_tenant_cost_budget_spans_users(redis_client: redis.asyncio.Redis) -> None:
    ledger = BudgetLedger(redis_client, CONFIG, clock=Clock(T0))
    for user in ("u1", "u2", "u3"):
        await ledger.record("acme", user, input_tokens=6, output_tokens=4, cost=0.3)
    with pytest.raises(BudgetExceeded) as info:
        await ledger.check("acme", "u4", estimated_tokens=10, estimated_cost=0.2)
    assert (info.value.scope, info.value.window, info.value.metric) == (Scope.TENANT, Window.DAY, "cost_usd")
    assert info.value.used == pytest.approx(0.9)
    assert "tenant 'acme' daily cost_usd budget exhausted: used 0.9 of 1 USD" in str(info.value)
    await ledger.check("acme", "u4", estimated_tokens=10, estimated_cost=0.1)
    await ledger.check("other-tenant", "u1", estimated_tokens=10, estimated_cost=0.9)


async def test_estimate_alone_larger_than_limit_is_refused(redis_client: redis.asyncio.Redis) -> None:
    ledger = BudgetLedger(redis_client, CONFIG, clock=Clock(T0))
    with pytest.raises(BudgetExceeded, match="hourly tokens"):
        await ledger.check("acme", "alice", estimated_tokens=5_000, estimated_cost=0)


async def test_windows_roll_over(redis_client: redis.asyncio.Redis) -> None:
    clock = Clock(T0)
    ledger = BudgetLedger(redis_client, CONFIG, clock=clock)
    await ledger.record("acme", "alice", input_tokens=1_000, output_tokens=0, cost=0.9)
    with pytest.raises(BudgetExceeded):
        await ledger.check("acme", "alice", estimated_tokens=1, estimated_cost=0)
    clock.now += 1800  # 00:00 on April 1st: new hour, day and month
    await ledger.check("acme", "alice", estimated_tokens=1_000, estimated_cost=0.9)
    report = await ledger.usage("acme", "alice")
    assert all(w.tokens == 0 for w in report.windows)


async def test_usage_report_and_remaining_fraction(redis_client: redis.asyncio.Redis) -> None:
    ledger = BudgetLedger(redis_client, CONFIG, clock=Clock(T0))
    await ledger.record("acme", "alice", input_tokens=200, output_tokens=50, cost=0.25)
    await ledger.record("acme", "alice", input_tokens=200, output_tokens=50, cost=0.000_0013)
    report = await ledger.usage("acme", "alice")
    day = report.get(Scope.TENANT, Window.DAY)
    assert (day.tokens, day.requests, day.token_limit, day.cost_limit_usd) == (500, 2, 10_000, 1.0)
    assert (day.input_tokens, day.output_tokens) == (400, 100)
    assert day.cost_usd == pytest.approx(0.250002)  # 1.3 micro-dollars round up to 2
    hour = report.get(Scope.USER, Window.HOUR)
    assert hour.remaining_fraction == pytest.approx(0.5)
    assert report.get(Scope.USER, Window.DAY).remaining_fraction is None
    assert report.remaining_fraction == pytest.approx(0.5)  # the user's hour is the tightest
    assert report.get(Scope.TENANT, Window.MONTH).resets_at == datetime(2026, 4, 1, tzinfo=UTC)


async def test_keys_expire_after_their_window(redis_client: redis.asyncio.Redis) -> None:
    ledger = BudgetLedger(redis_client, CONFIG, key_prefix="t", clock=Clock(T0))
    await ledger.record("ac:me{x}", "al ice", input_tokens=1, output_tokens=0, cost=0)
    keys = sorted(k.decode() for k in await redis_client.keys("t:*"))
    assert len(keys) == 6
    assert all(k.startswith("t:{ac%3Ame%7Bx%7D}:") for k in keys)  # one hash slot per tenant, identities escaped
    ttls = {k.split(":")[-2]: await redis_client.ttl(k) for k in keys if ":t:" in k}
    # Windows end 30 minutes from T0, plus one hour of margin.
    assert all(5390 <= ttl <= 5400 for ttl in ttls.values())


async def test_concurrent_records_are_exact(redis_client: redis.asyncio.Redis) -> None:
    ledger = BudgetLedger(redis_client, BudgetConfig(), clock=Clock(T0))
    for _ in range(4):  # 50 at a time: redis-py's default pool caps the connections
        await asyncio.gather(*(
            ledger.record("acme", f"u{i % 5}", input_tokens=5, output_tokens=2, cost=0.001) for i in range(50)
        ))
    report = await ledger.usage("acme", "u0")
    month = report.get(Scope.TENANT, Window.MONTH)
    assert (month.tokens, month.requests, month.cost_usd) == (1_400, 200, pytest.approx(0.2))
    assert report.get(Scope.USER, Window.HOUR).tokens == 280
    assert report.remaining_fraction is None  # no limits configured


async def test_per_tenant_override(redis_client: redis.asyncio.Redis) -> None:
    ledger = BudgetLedger(redis_client, CONFIG, clock=Clock(T0))
    await ledger.record("bigco", "u1", input_tokens=40_000, output_tokens=10_000, cost=0)
    await ledger.check("bigco", "u2", estimated_tokens=900, estimated_cost=0)
    report = await ledger.usage("bigco", "u2")
    assert report.get(Scope.TENANT, Window.DAY).token_limit == 1_000_000
    assert report.get(Scope.TENANT, Window.MONTH).cost_limit_usd is None  # the override replaced the tenant scope


def test_config_errors_name_the_field() -> None:
    with pytest.raises(BudgetConfigError, match=r"budgets: user\.hour\.tokens: Input should be greater than 0"):
        BudgetConfig.from_mapping({"user": {"hour": {"tokens": 0}}})
    with pytest.raises(BudgetConfigError, match=r"tenant\.week: Extra inputs are not permitted"):
        BudgetConfig.from_mapping({"tenant": {"week": {"tokens": 5}}})


async def test_record_rejects_negative(redis_client: redis.asyncio.Redis) -> None:
    with pytest.raises(ValueError):
        await BudgetLedger(redis_client, CONFIG).record("a", "b", input_tokens=-1, output_tokens=0, cost=0)


async def test_concurrent_reservations_cannot_overshoot(redis_client: redis.asyncio.Redis) -> None:
    # The user may spend 1,000 tokens an hour; 20 calls of 100 race for them. Exactly 10 may go ahead.
    ledger = BudgetLedger(redis_client, CONFIG, clock=Clock(T0))
    results = await asyncio.gather(
        *(ledger.reserve("acme", "alice", estimated_tokens=100, estimated_cost=0.001) for _ in range(20)),
        return_exceptions=True,
    )
    holds = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BudgetExceeded)]
    assert (len(holds), len(refused)) == (10, 10)
    assert refused[0].used == 1_000 and refused[0].window is Window.HOUR
    # Holds count against the limit but are not spending: the report shows nothing spent yet.
    assert (await ledger.usage("acme", "alice")).get(Scope.USER, Window.HOUR).tokens == 0
    with pytest.raises(BudgetExceeded):
        await ledger.check("acme", "alice", estimated_tokens=1, estimated_cost=0)


async def test_record_replaces_the_hold_and_release_gives_it_back(redis_client: redis.asyncio.Redis) -> None:
    ledger = BudgetLedger(redis_client, CONFIG, clock=Clock(T0))
    hold = await ledger.reserve("acme", "alice", estimated_tokens=900, estimated_cost=0.5)
    with pytest.raises(BudgetExceeded):
        await ledger.reserve("acme", "alice", estimated_tokens=200, estimated_cost=0)
    # The call used less than estimated: what it really spent replaces the hold.
    await ledger.record("acme", "alice", input_tokens=250, output_tokens=50, cost=0.1, reservation=hold)
    hour = (await ledger.usage("acme", "alice")).get(Scope.USER, Window.HOUR)
    assert (hour.tokens, hour.requests, hour.cost_usd) == (300, 1, pytest.approx(0.1))
    second = await ledger.reserve("acme", "alice", estimated_tokens=700, estimated_cost=0.5)
    with pytest.raises(BudgetExceeded) as info:
        await ledger.reserve("acme", "alice", estimated_tokens=1, estimated_cost=0)
    assert info.value.used == 1_000
    await ledger.release(second)  # the call failed: nothing spent, the room comes back
    await ledger.reserve("acme", "alice", estimated_tokens=700, estimated_cost=0.5)
    month = (await ledger.usage("acme", "alice")).get(Scope.TENANT, Window.MONTH)
    assert (month.tokens, month.requests) == (300, 1)


async def test_a_hold_is_dropped_from_its_own_window_after_the_hour_turns(redis_client: redis.asyncio.Redis) -> None:
    clock = Clock(T0)
    ledger = BudgetLedger(redis_client, CONFIG, clock=clock)
    hold = await ledger.reserve("acme", "alice", estimated_tokens=1_000, estimated_cost=0)
    clock.now = T0 + 3600  # the call finishes in the next hour (and day, and month)
    await ledger.record("acme", "alice", input_tokens=10, output_tokens=0, cost=0, reservation=hold)
    clock.now = T0  # back in the first hour, the hold is gone: only the turn's real spending is elsewhere
    await ledger.reserve("acme", "alice", estimated_tokens=1_000, estimated_cost=0)


async def test_reserve_names_a_cost_budget(redis_client: redis.asyncio.Redis) -> None:
    ledger = BudgetLedger(redis_client, CONFIG, clock=Clock(T0))
    await ledger.record("acme", "u1", input_tokens=1, output_tokens=0, cost=0.95)
    with pytest.raises(BudgetExceeded) as info:
        await ledger.reserve("acme", "u2", estimated_tokens=1, estimated_cost=0.1)
    assert (info.value.scope, info.value.window, info.value.metric) == (Scope.TENANT, Window.DAY, "cost_usd")
    assert info.value.used == pytest.approx(0.95) and info.value.requested == pytest.approx(0.1)
