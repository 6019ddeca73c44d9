"""Token and cost budgets per tenant and per user, over calendar hour / day / month windows (UTC), in Redis.

    ledger = BudgetLedger(redis_client, BudgetConfig.from_mapping(yaml.safe_load(...)))
    await ledger.check("acme", "alice", estimated_tokens=3000, estimated_cost=0.02)   # raises BudgetExceeded
    ... call the model ...
    await ledger.record("acme", "alice", input_tokens=2400, output_tokens=310, cost=0.0183)
    report = await ledger.usage("acme", "alice")        # for GetUsage; report.remaining_fraction for routing

Storage: one Redis hash per (scope, subject, window, bucket) with integer fields ``tokens`` (input + output, what
token limits apply to), ``input_tokens``, ``output_tokens``, ``cost_micros`` (cost in millionths of a US dollar,
so sums are exact) and ``requests``. ``record`` increments all six hashes
(tenant and user x hour, day, month) in one MULTI/EXEC transaction and sets each key to expire an hour after its
window ends. Keys are ``<prefix>:{<tenant>}:...``: the hash tag keeps one tenant's keys in one Redis Cluster slot,
which MULTI/EXEC needs.

``check`` reads the current usage and refuses when usage plus the estimate would pass a limit. It does not reserve
anything, so concurrent calls of one tenant can together overshoot by at most the calls in flight; ``record``
always counts what was really spent.

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

    def _slots(self, tenant: str, user: str) -> list[tuple[Scope, str, Window, str, datetime, BudgetLimit | None]]:
        now = datetime.fromtimestamp(self._clock(), UTC)
        # quote(): identities come from JWT claims; braces or colons in them must not break the key layout.
        tag = f"{self._prefix}:{{{quote(tenant, safe='')}}}"
        slots = []
        for scope, subject, scope_key in ((Scope.TENANT, tenant, "t"), (Scope.USER, user, f"u:{quote(user, safe='')}")):
            limits = self.config.limits(tenant, scope)
            for window in Window:
                bucket, resets_at = _window_bounds(window, now)
                key = f"{tag}:{scope_key}:{window.value}:{bucket}"
                slots.append((scope, subject, window, key, resets_at, limits.for_window(window)))
        return slots

    async def _read(self, tenant: str, user: str) -> list[tuple[Any, ...]]:
        slots = self._slots(tenant, user)
        async with self._redis.pipeline(transaction=False) as pipe:
            for slot in slots:
                pipe.hmget(slot[3], "tokens", "cost_micros", "requests", "input_tokens", "output_tokens")
            values = await pipe.execute()
        return [(*slot, value) for slot, value in zip(slots, values, strict=True)]

    async def check(self, tenant: str, user: str, estimated_tokens: int, estimated_cost: float) -> None:
        """Raises ``BudgetExceeded`` if spending the estimate would pass any tenant or user limit."""
        for scope, subject, window, _key, resets_at, limit, (tokens, cost_micros, *_rest) in await self._read(
            tenant, user
        ):
            if limit is None:
                continue
            used_tokens = _int(tokens)
            if limit.tokens is not None and used_tokens + estimated_tokens > limit.tokens:
                raise BudgetExceeded(scope=scope, subject=subject, window=window, metric="tokens",
                                     limit=limit.tokens, used=used_tokens, requested=estimated_tokens,
                                     resets_at=resets_at)
            used_cost = _int(cost_micros) / _MICROS
            if limit.cost_usd is not None and used_cost + estimated_cost > limit.cost_usd:
                raise BudgetExceeded(scope=scope, subject=subject, window=window, metric="cost_usd",
                                     limit=limit.cost_usd, used=round(used_cost, 6),
                                     requested=round(estimated_cost, 6), resets_at=resets_at)

    async def record(self, tenant: str, user: str, *, input_tokens: int, output_tokens: int, cost: float) -> None:
        """Adds a finished call's tokens and cost in USD to all six windows (tenant and user) atomically."""
        if input_tokens < 0 or output_tokens < 0 or cost < 0:
            raise ValueError("input_tokens, output_tokens and cost must be >= 0")
        tokens = input_tokens + output_tokens
        now = self._clock()
        cost_micros = math.ceil(cost * _MICROS - 1e-6)  # round up: a budget should not leak fractions of a cent
        async with self._redis.pipeline(transaction=True) as pipe:
            for _scope, _subject, _window, key, resets_at, _limit in self._slots(tenant, user):
                pipe.hincrby(key, "tokens", tokens)
                pipe.hincrby(key, "input_tokens", input_tokens)
                pipe.hincrby(key, "output_tokens", output_tokens)
                pipe.hincrby(key, "cost_micros", cost_micros)
                pipe.hincrby(key, "requests", 1)
                pipe.expire(key, int(resets_at.timestamp() - now) + _EXPIRY_MARGIN_SECONDS)
            await pipe.execute()

    async def usage(self, tenant: str, user: str) -> UsageReport:
        """Current spending and limits of the tenant and the user in every window."""
        windows = []
        for scope, subject, window, _key, resets_at, limit, (tokens, cost_micros, requests, tokens_in, tokens_out) in (
            await self._read(tenant, user)
        ):
            windows.append(WindowUsage(
                scope=scope, subject=subject, window=window, tokens=_int(tokens),
                input_tokens=_int(tokens_in), output_tokens=_int(tokens_out),
                cost_usd=_int(cost_micros) / _MICROS, requests=_int(requests),
                token_limit=limit.tokens if limit else None, cost_limit_usd=limit.cost_usd if limit else None,
                resets_at=resets_at,
            ))
        return UsageReport(tenant, user, tuple(windows))
