"""Token and cost budgets per tenant and per user, over calendar hour / day / month windows (UTC), in Redis.

    ledger = BudgetLedger(redis_client, BudgetConfig.from_mapping(yaml.safe_load(...)))
    hold = await ledger.reserve("acme", "alice", estimated_tokens=3000, estimated_cost=0.02)  # or BudgetExceeded
    ... call the model (on failure: await ledger.release(hold)) ...
    await ledger.record("acme", "alice", input_tokens=2400, output_tokens=310, cost=0.0183, reservation=hold)
    report = await ledger.usage("acme", "alice")        # for GetUsage; report.remaining_fraction for routing

Storage: one Redis hash per (scope, subject, window, bucket) with integer fields ``tokens`` (input + output, what
token limits apply to), ``input_tokens``, ``output_tokens``, ``cost_micros`` (cost in millionths of a US dollar,
so sums are exact), ``requests``, and ``held_tokens`` / ``held_cost_micros`` for calls in flight. Every write
touches all six hashes (tenant and user x hour, day, month) in one Lua script, so it is atomic and one round trip,
and sets each key to expire an hour after its window ends. Keys are ``<prefix>:{<tenant>}:...``: the hash tag
keeps one tenant's keys in one Redis Cluster slot, which a multi-key script needs.

The governed turn uses ``reserve`` before the call: it checks spent + held + the estimate against every limit
and, only if all fit, holds the estimate, atomically, so concurrent calls of one tenant cannot together overshoot
a limit. ``record(..., reservation=...)`` then counts what was really spent and drops the hold in the same
script; ``release`` drops a hold whose call never happened. A hold orphaned by a crash ends with its window.
``check`` is the read-only form of the test (for callers that do not hold).

Configuration (all limits optional; a missing limit is no limit)::

    tenant: {day: {tokens: 2000000, cost_usd: 50}, month: {cost_usd: 1000}}
    user:   {hour: {tokens: 100000}}
    tenants:                       # per-tenant overrides replace the default scope limits
      acme: {tenant: {month: {cost_usd: 5000}}}
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from redis.asyncio import Redis

__all__ = [
    "BudgetConfig",
    "BudgetConfigError",
    "BudgetExceeded",
    "BudgetLedger",
    "BudgetLimit",
    "Reservation",
    "Scope",
    "UsageReport",
    "Window",
    "WindowUsage",
]

_MICROS = 1_000_000
_EXPIRY_MARGIN_SECONDS = 3600


class Window(StrEnum):
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"


class Scope(StrEnum):
    TENANT = "tenant"
    USER = "user"


class BudgetConfigError(ValueError):
    """Invalid budget configuration; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BudgetLimit(_Strict):
    tokens: int | None = Field(default=None, gt=0)
    cost_usd: float | None = Field(default=None, gt=0)


class ScopeLimits(_Strict):
    hour: BudgetLimit | None = None
    day: BudgetLimit | None = None
    month: BudgetLimit | None = None

    def for_window(self, window: Window) -> BudgetLimit | None:
        return {Window.HOUR: self.hour, Window.DAY: self.day, Window.MONTH: self.month}[window]


class TenantOverride(_Strict):
    tenant: ScopeLimits | None = None
    user: ScopeLimits | None = None


class BudgetConfig(_Strict):
    tenant: ScopeLimits = ScopeLimits()
    user: ScopeLimits = ScopeLimits()
    tenants: dict[str, TenantOverride] = {}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, *, source: str = "budgets") -> BudgetConfig:
        try:
            return cls.model_validate(dict(data or {}))
        except ValidationError as exc:
            lines = [f"{source}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
            raise BudgetConfigError("\n".join(lines)) from None

    def limits(self, tenant: str, scope: Scope) -> ScopeLimits:
        override = self.tenants.get(tenant)
        default = self.tenant if scope is Scope.TENANT else self.user
        if override is None:
            return default
        chosen = override.tenant if scope is Scope.TENANT else override.user
        return chosen or default


@dataclass(frozen=True)
class WindowUsage:
    scope: Scope
    subject: str  # tenant id or user id
    window: Window
    tokens: int  # input + output
    input_tokens: int
    output_tokens: int
    cost_usd: float
    requests: int
    token_limit: int | None
    cost_limit_usd: float | None
    resets_at: datetime

    @property
    def remaining_fraction(self) -> float | None:
        """Share of the tighter of this window's limits still unspent; None without limits."""
        fractions = []
        if self.token_limit is not None:
            fractions.append(1 - self.tokens / self.token_limit)
        if self.cost_limit_usd is not None:
            fractions.append(1 - self.cost_usd / self.cost_limit_usd)
        return max(0.0, min(fractions)) if fractions else None


@dataclass(frozen=True)
class UsageReport:
    tenant: str
    user: str
    windows: tuple[WindowUsage, ...]  # tenant hour, day, month, then user hour, day, month

    @property
    def remaining_fraction(self) -> float | None:
        """The tightest remaining share over every limited window (what routing downgrades on); None if unlimited."""
        fractions = [f for w in self.windows if (f := w.remaining_fraction) is not None]
        return min(fractions) if fractions else None

    def get(self, scope: Scope, window: Window) -> WindowUsage:
        return next(w for w in self.windows if w.scope == scope and w.window == window)


_ADVERB = {Window.HOUR: "hourly", Window.DAY: "daily", Window.MONTH: "monthly"}


class BudgetExceeded(Exception):
    """A budget would be exceeded; names which one (scope, window, metric) and by how much."""

    def __init__(
        self, *, scope: Scope, subject: str, window: Window, metric: str, limit: float, used: float,
        requested: float, resets_at: datetime,
    ) -> None:
        self.scope = scope
        self.subject = subject
        self.window = window
        self.metric = metric  # "tokens" or "cost_usd"
        self.limit = limit
        self.used = used
        self.requested = requested
        self.resets_at = resets_at
        unit = "tokens" if metric == "tokens" else "USD"
        super().__init__(
            f"{scope.value} {subject!r} {_ADVERB[window]} {metric} budget exhausted: used {used:g} of {limit:g} {unit},"
            f" this request needs about {requested:g}; resets at {resets_at.isoformat()}"
        )

    @property
    def retry_after_seconds(self) -> float:
        return max(0.0, self.resets_at.timestamp() - time.time())


def _window_bounds(window: Window, now: datetime) -> tuple[str, datetime]:
    """The bucket label of the window containing ``now`` and the moment that window ends."""
    if window is Window.HOUR:
        start = now.replace(minute=0, second=0, microsecond=0)
        return start.strftime("%Y%m%d%H"), datetime.fromtimestamp(start.timestamp() + 3600, UTC)
    if window is Window.DAY:
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return start.strftime("%Y%m%d"), datetime.fromtimestamp(start.timestamp() + 86400, UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start.strftime("%Y%m"), end


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def _micros(cost_usd: float) -> int:
    """USD to whole micro-dollars, rounded up: a budget should not leak fractions of a cent."""
    return math.ceil(cost_usd * _MICROS - 1e-6)


# KEYS: the six window keys. ARGV: tokens, cost_micros, then per key: token limit, cost limit (-1: none), ttl.
# Returns {0} after holding the estimate everywhere, or {key index, metric, used} for the first limit it would pass.
_RESERVE = """
local tokens, cost = tonumber(ARGV[1]), tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'tokens', 'cost_micros', 'held_tokens', 'held_cost_micros')
  local used_tokens = (tonumber(v[1]) or 0) + (tonumber(v[3]) or 0)
  local used_cost = (tonumber(v[2]) or 0) + (tonumber(v[4]) or 0)
  local token_limit, cost_limit = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1])
  if token_limit >= 0 and used_tokens + tokens > token_limit then return {i, 'tokens', used_tokens} end
  if cost_limit >= 0 and used_cost + cost > cost_limit then return {i, 'cost_usd', used_cost} end
end
for i, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'held_tokens', tokens)
  redis.call('HINCRBY', key, 'held_cost_micros', cost)
  redis.call('EXPIRE', key, ARGV[3 * i + 2])
end
return {0}
"""

# KEYS: the six current window keys, then the six keys a hold was placed on (the window may have turned since).
# ARGV: tokens, input_tokens, output_tokens, cost_micros, requests, held tokens, held cost_micros, six ttls.
_SETTLE = """
for i = 1, 6 do
  local key = KEYS[i]
  if tonumber(ARGV[5]) > 0 then
    redis.call('HINCRBY', key, 'tokens', ARGV[1])
    redis.call('HINCRBY', key, 'input_tokens', ARGV[2])
    redis.call('HINCRBY', key, 'output_tokens', ARGV[3])
    redis.call('HINCRBY', key, 'cost_micros', ARGV[4])
    redis.call('HINCRBY', key, 'requests', ARGV[5])
    redis.call('EXPIRE', key, ARGV[7 + i])
  end
  if tonumber(ARGV[6]) > 0 or tonumber(ARGV[7]) > 0 then
    redis.call('HINCRBY', KEYS[6 + i], 'held_tokens', -tonumber(ARGV[6]))
    redis.call('HINCRBY', KEYS[6 + i], 'held_cost_micros', -tonumber(ARGV[7]))
  end
end
return 1
"""


@dataclass(frozen=True)
class Reservation:
    """An estimate held against every window of a tenant and user until the call is recorded or released."""

    tenant: str
    user: str
    keys: tuple[str, ...]
    tokens: int
    cost_micros: int


@dataclass(frozen=True)
class _Slot:
    scope: Scope
    subject: str
    window: Window
    key: str
    resets_at: datetime
    limit: BudgetLimit | None


class BudgetLedger:
    """Checks and records spending in Redis. Stateless apart from Redis: any number of router replicas may share it."""

    def __init__(
        self,
        redis: Redis,
        config: BudgetConfig,
        *,
        key_prefix: str = "if:budget",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self.config = config
        self._prefix = key_prefix
        self._clock = clock
        self._reserve = redis.register_script(_RESERVE)
        self._settle = redis.register_script(_SETTLE)
        # Window buckets change once an hour at most; working them out is most of a budget call's CPU otherwise.
        self._bounds_hour = -1
        self._bounds: list[tuple[Window, str, datetime]] = []

    def _current_windows(self, now: float) -> list[tuple[Window, str, datetime]]:
        hour = int(now // 3600)
        if hour != self._bounds_hour:
            moment = datetime.fromtimestamp(now, UTC)
            self._bounds = [(w, *_window_bounds(w, moment)) for w in Window]
            self._bounds_hour = hour
        return self._bounds

    def _slots(self, tenant: str, user: str, now: float) -> list[_Slot]:
        # quote(): identities come from JWT claims; braces or colons in them must not break the key layout.
        tag = f"{self._prefix}:{{{quote(tenant, safe='')}}}"
        bounds = self._current_windows(now)
        slots = []
        for scope, subject, scope_key in ((Scope.TENANT, tenant, "t"), (Scope.USER, user, f"u:{quote(user, safe='')}")):
            limits = self.config.limits(tenant, scope)
            for window, bucket, resets_at in bounds:
                key = f"{tag}:{scope_key}:{window.value}:{bucket}"
                slots.append(_Slot(scope, subject, window, key, resets_at, limits.for_window(window)))
        return slots

    @staticmethod
    def _ttl(slot: _Slot, now: float) -> int:
        return int(slot.resets_at.timestamp() - now) + _EXPIRY_MARGIN_SECONDS

    async def _read(self, slots: list[_Slot]) -> list[list[Any]]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for slot in slots:
                pipe.hmget(slot.key, "tokens", "cost_micros", "requests", "input_tokens", "output_tokens",
                           "held_tokens", "held_cost_micros")
            return list(await pipe.execute())

    async def check(self, tenant: str, user: str, estimated_tokens: int, estimated_cost: float) -> None:
        """Raises ``BudgetExceeded`` if spending the estimate would pass any tenant or user limit (holds nothing)."""
        slots = self._slots(tenant, user, self._clock())
        for slot, (tokens, cost_micros, _req, _in, _out, held_tokens, held_cost) in zip(
            slots, await self._read(slots), strict=True
        ):
            if slot.limit is None:
                continue
            used_tokens = _int(tokens) + _int(held_tokens)
            if slot.limit.tokens is not None and used_tokens + estimated_tokens > slot.limit.tokens:
                raise self._exceeded(slot, "tokens", used_tokens, estimated_tokens)
            used_cost = (_int(cost_micros) + _int(held_cost)) / _MICROS
            if slot.limit.cost_usd is not None and used_cost + estimated_cost > slot.limit.cost_usd:
                raise self._exceeded(slot, "cost_usd", round(used_cost, 6), round(estimated_cost, 6))

    async def reserve(self, tenant: str, user: str, estimated_tokens: int, estimated_cost: float) -> Reservation:
        """Holds the estimate against every window if it fits them all, atomically; else ``BudgetExceeded``."""
        if estimated_tokens < 0 or estimated_cost < 0:
            raise ValueError("estimated_tokens and estimated_cost must be >= 0")
        now = self._clock()
        slots = self._slots(tenant, user, now)
        cost_micros = _micros(estimated_cost)
        args: list[int] = [estimated_tokens, cost_micros]
        for slot in slots:
            limit = slot.limit
            token_limit = limit.tokens if limit is not None and limit.tokens is not None else -1
            cost_limit = round(limit.cost_usd * _MICROS) if limit is not None and limit.cost_usd is not None else -1
            args += [token_limit, cost_limit, self._ttl(slot, now)]
        keys = [slot.key for slot in slots]
        index, *rest = await self._reserve(keys=keys, args=args)
        if index:
            slot = slots[int(index) - 1]
            metric = rest[0].decode() if isinstance(rest[0], bytes) else str(rest[0])
            used = int(rest[1])
            if metric == "tokens":
                raise self._exceeded(slot, metric, used, estimated_tokens)
            raise self._exceeded(slot, metric, round(used / _MICROS, 6), round(estimated_cost, 6))
        return Reservation(tenant, user, tuple(keys), estimated_tokens, cost_micros)

    async def release(self, reservation: Reservation) -> None:
        """Drops a hold whose call was never made or never finished."""
        await self._write(reservation.tenant, reservation.user, 0, 0, 0, 0, requests=0, reservation=reservation)

    async def record(
        self, tenant: str, user: str, *, input_tokens: int, output_tokens: int, cost: float,
        reservation: Reservation | None = None,
    ) -> None:
        """Adds a finished call's tokens and cost in USD to all six windows (tenant and user) atomically, dropping
        its hold when given one."""
        if input_tokens < 0 or output_tokens < 0 or cost < 0:
            raise ValueError("input_tokens, output_tokens and cost must be >= 0")
        await self._write(tenant, user, input_tokens + output_tokens, input_tokens, output_tokens, _micros(cost),
                          requests=1, reservation=reservation)

    async def _write(
        self, tenant: str, user: str, tokens: int, input_tokens: int, output_tokens: int, cost_micros: int, *,
        requests: int, reservation: Reservation | None,
    ) -> None:
        now = self._clock()
        slots = self._slots(tenant, user, now)
        keys = [slot.key for slot in slots]
        held = (reservation.tokens, reservation.cost_micros) if reservation is not None else (0, 0)
        keys += list(reservation.keys) if reservation is not None else keys
        args = [tokens, input_tokens, output_tokens, cost_micros, requests, *held,
                *(self._ttl(slot, now) for slot in slots)]
        await self._settle(keys=keys, args=args)

    @staticmethod
    def _exceeded(slot: _Slot, metric: str, used: float, requested: float) -> BudgetExceeded:
        assert slot.limit is not None
        limit = slot.limit.tokens if metric == "tokens" else slot.limit.cost_usd
        assert limit is not None
        return BudgetExceeded(scope=slot.scope, subject=slot.subject, window=slot.window, metric=metric,
                              limit=limit, used=used, requested=requested, resets_at=slot.resets_at)

    async def usage(self, tenant: str, user: str) -> UsageReport:
        """Current spending and limits of the tenant and the user in every window (holds not counted)."""
        slots = self._slots(tenant, user, self._clock())
        windows = []
        for slot, (tokens, cost_micros, requests, tokens_in, tokens_out, _held, _held_cost) in zip(
            slots, await self._read(slots), strict=True
        ):
            limit = slot.limit
            windows.append(WindowUsage(
                scope=slot.scope, subject=slot.subject, window=slot.window, tokens=_int(tokens),
                input_tokens=_int(tokens_in), output_tokens=_int(tokens_out),
                cost_usd=_int(cost_micros) / _MICROS, requests=_int(requests),
                token_limit=limit.tokens if limit else None, cost_limit_usd=limit.cost_usd if limit else None,
                resets_at=slot.resets_at,
            ))
        return UsageReport(tenant, user, tuple(windows))
