"""Repeat offenders: a user blocked too often within a window is refused for a cool-down.

State lives in Redis so every Guard replica sees the same counts. Each block is a member of a
sorted set scored by time (a sliding window, not a fixed bucket); crossing the limit sets a
cool-down key whose TTL is the remaining refusal time. Keys are per tenant and user.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis

__all__ = ["OffenderStatus", "RepeatOffenderTracker"]


@dataclass(frozen=True)
class OffenderStatus:
    refused: bool
    blocks_in_window: int
    cooldown_remaining_s: float


class RepeatOffenderTracker:
    """Counts blocked requests per (tenant, user) and enforces a cool-down after ``limit`` of them."""

    def __init__(self, redis: Redis, *, limit: int = 5, window_s: float = 600.0, cooldown_s: float = 900.0,
                 prefix: str = "if:guard:offender") -> None:
        if limit < 1 or window_s <= 0 or cooldown_s <= 0:
            raise ValueError("limit, window_s and cooldown_s must be positive")
        self._redis = redis
        self.limit = limit
        self.window_s = window_s
        self.cooldown_s = cooldown_s
        self._prefix = prefix

    def _keys(self, tenant: str, user: str) -> tuple[str, str]:
        base = f"{self._prefix}:{tenant or 'default'}:{user}"
        return f"{base}:blocks", f"{base}:cooldown"

    async def status(self, tenant: str, user: str) -> OffenderStatus:
        """Whether the user is currently refused, without recording anything."""
        blocks_key, cooldown_key = self._keys(tenant, user)
        now = time.time()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.pttl(cooldown_key)
            pipe.zcount(blocks_key, now - self.window_s, "+inf")
            ttl_ms, count = await pipe.execute()
        remaining = max(0.0, ttl_ms / 1000.0) if ttl_ms and ttl_ms > 0 else 0.0
        return OffenderStatus(remaining > 0, int(count), remaining)

    async def record_block(self, tenant: str, user: str) -> OffenderStatus:
        """Record one blocked request; start the cool-down when the window holds ``limit`` blocks."""
        blocks_key, cooldown_key = self._keys(tenant, user)
        now = time.time()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(blocks_key, {f"{now:.6f}:{uuid.uuid4().hex[:8]}": now})
            pipe.zremrangebyscore(blocks_key, "-inf", now - self.window_s)
            pipe.zcard(blocks_key)
            pipe.expire(blocks_key, int(self.window_s) + 1)
            _, _, count, _ = await pipe.execute()
        if count >= self.limit:
            await self._redis.set(cooldown_key, str(now), px=int(self.cooldown_s * 1000))
        return await self.status(tenant, user)

    async def clear(self, tenant: str, user: str) -> None:
        """Forgive a user (an operator action)."""
        await self._redis.delete(*self._keys(tenant, user))
