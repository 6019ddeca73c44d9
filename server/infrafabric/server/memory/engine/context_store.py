"""L1 session memory and task checkpoints in Redis/Valkey, with a degraded in-process fallback.

Data layout (every key carries the tenant AND user, percent-encoded so no id can forge another's
key, inside a ``{...}`` hash tag so one user's keys share a Redis Cluster slot)::

    if:mem:v1:{<tenant>|<user>}:s:<session>:ctx     hash: "v:<key>" -> JSON value, "m:*" metadata
    if:mem:v1:{<tenant>|<user>}:s:<session>:turns   list: "<seq>:<turn JSON>", oldest first, capped
    if:mem:v1:{<tenant>|<user>}:ckpt:<name>         hash: data, content type, timestamps

Every public method takes ``(tenant_id, user_id)`` first; keys are built only in
:meth:`ContextStore._keys`, so there is no way to name another tenant's data.

Expiry: a session's hash and turn list share a sliding TTL, renewed by every read and write
(PEXPIRE in the same round trip). An update may set a session's own TTL; it is kept in the hash
(``m:ttl``, milliseconds) and every later read and write renews by it instead of the default.
Checkpoints have a fixed TTL set when saved.

Degraded mode: when Redis is unreachable (connection refused, timeout) the store does not fail.
It answers from a bounded LRU cache of recently used sessions/checkpoints (write-through while
healthy), records writes in a bounded journal, marks every result ``degraded=True`` and reports
``health().degraded``. At most every ``probe_interval_s`` a call (or :meth:`probe`) pings Redis;
once it answers, the journal is replayed in order and the store leaves degraded mode.
A cache miss while degraded reads as an empty session (a checkpoint miss is NOT_FOUND).

Conflict rule on resync (writes made while degraded vs. what Redis holds, e.g. from replicas):
replay is in the original order on top of Redis's current state, at-least-once.
* context: merged per key; keys written while degraded overwrite Redis's value (the degraded
  writer is treated as the latest writer), keys it did not touch keep Redis's value, keys it
  deleted are deleted;
* turns: appended after whatever Redis already has, keeping their original ``created_at``, with
  new sequence numbers (the local ones were provisional);
* a session or checkpoint deleted while degraded is deleted in Redis (erasure wins);
* checkpoints: last writer wins.
If the journal overflows, its oldest writes are dropped and counted in ``health().dropped_writes``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ._validation import check_identity, check_name, check_text, check_ttl
from .errors import CheckpointNotFoundError, InvalidArgumentError, SessionNotFoundError

T = TypeVar("T")
Scalar = str | int | float | bool
Order = Literal["oldest_first", "newest_first"]
ROLES = frozenset({"user", "assistant", "system", "tool"})
MAX_TURNS_PER_APPEND = 100  # one BatchAppendTurns call
_REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError, asyncio.TimeoutError)


@dataclass(frozen=True)
class ContextStoreConfig:
    key_prefix: str = "if:mem:v1"
    session_ttl_s: float = 24 * 3600.0
    max_ttl_s: float = 90 * 86_400.0
    max_keys: int = 256
    max_key_chars: int = 128
    max_value_bytes: int = 64 * 1024  # JSON-encoded size of one value
    max_turns: int = 1_000  # per session; the oldest are trimmed
    max_turn_chars: int = 32_000
    max_turn_metadata: int = 16
    default_page_size: int = 50
    max_page_size: int = 500
    checkpoint_ttl_s: float = 7 * 86_400.0
    max_checkpoint_bytes: int = 2 * 1024 * 1024
    # Degraded-mode fallback.
    cache_max_entries: int = 10_000
    cache_max_bytes: int = 64 * 1024 * 1024
    cache_turns_per_session: int = 100
    journal_max_ops: int = 100_000
    journal_max_bytes: int = 64 * 1024 * 1024
    probe_interval_s: float = 1.0
    socket_timeout_s: float = 0.5
    connect_timeout_s: float = 0.25


@dataclass(frozen=True)
class SessionContext:
    session_id: str
    values: dict[str, Any]
    version: int  # increments on every update; 0 = never updated
    created_at: float  # unix seconds
    updated_at: float
    degraded: bool = False
    ttl_s: float = 0.0  # the session's sliding TTL (its own if an update set one, else the default)
    expires_at: float = 0.0  # unix seconds; when it expires unless touched again (0 = unknown session)


@dataclass(frozen=True)
class Turn:
    seq: int  # 1-based, per session, increasing; provisional while degraded
    role: str
    content: str
    created_at: float
    metadata: dict[str, Scalar] = field(default_factory=dict)


@dataclass(frozen=True)
class TurnAppended:
    turn: Turn
    degraded: bool = False


@dataclass(frozen=True)
class TurnsAppended:
    turns: list[Turn]
    degraded: bool = False


@dataclass(frozen=True)
class NewTurn:
    """A turn to append: who spoke, what was said, and caller-defined scalar metadata."""

    role: str
    content: str
    metadata: Mapping[str, Scalar] | None = None


@dataclass(frozen=True)
class TurnPage:
    turns: list[Turn]
    next_page_token: str  # "" when there is no further page
    degraded: bool = False


@dataclass(frozen=True)
class Checkpoint:
    name: str
    data: bytes
    content_type: str
    created_at: float
    expires_at: float
    degraded: bool = False


@dataclass(frozen=True)
class Ack:
    degraded: bool = False


@dataclass(frozen=True)
class ContextStoreHealth:
    degraded: bool
    degraded_since: float | None
    pending_writes: int
    dropped_writes: int
    last_error: str | None


# --- Lua: each mutation is one atomic round trip ---------------------------------------------

# A context hash as ONE JSON bulk string, {"v": {key: value, ...}, "m": {"m:version": "3", ...}}.
# Values are stored as JSON text, so they are spliced in as they are; only the field names need
# encoding. One bulk reply instead of a 2n-element array is what keeps the hot L1 path cheap: the
# client parses one reply and runs one json.loads instead of 2n reads and n json.loads.
_CONTEXT_JSON_LUA = """
local function context_json(raw)
  local values, meta = {}, {}
  for i = 1, #raw, 2 do
    local name = raw[i]
    if string.sub(name, 1, 2) == 'v:' then
      values[#values + 1] = cjson.encode(string.sub(name, 3)) .. ':' .. raw[i + 1]
    else
      meta[#meta + 1] = cjson.encode(name) .. ':' .. cjson.encode(raw[i + 1])
    end
  end
  return '{"v":{' .. table.concat(values, ',') .. '},"m":{' .. table.concat(meta, ',') .. '}}'
end
"""

_UPDATE_LUA = _CONTEXT_JSON_LUA + """
local ctx, turns = KEYS[1], KEYS[2]
local now, ttl, maxk, nset = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local first_del = 6 + 2 * nset
local added, removed = 0, 0
for i = 6, first_del - 1, 2 do
  if redis.call('HEXISTS', ctx, ARGV[i]) == 0 then added = added + 1 end
end
for j = first_del, #ARGV do
  if redis.call('HEXISTS', ctx, ARGV[j]) == 1 then removed = removed + 1 end
end
local meta = 4 + redis.call('HEXISTS', ctx, 'm:ttl')
local len = redis.call('HLEN', ctx)
if len == 0 then len = meta end
if len - meta + added - removed > maxk then return redis.error_reply('TOO_MANY_KEYS') end
for i = 6, first_del - 1, 2 do redis.call('HSET', ctx, ARGV[i], ARGV[i + 1]) end
for j = first_del, #ARGV do redis.call('HDEL', ctx, ARGV[j]) end
redis.call('HSETNX', ctx, 'm:created', now)
redis.call('HSETNX', ctx, 'm:seq', 0)
redis.call('HSET', ctx, 'm:updated', now)
redis.call('HINCRBY', ctx, 'm:version', 1)
if ttl > 0 then redis.call('HSET', ctx, 'm:ttl', ttl) else ttl = redis.call('HGET', ctx, 'm:ttl') or ARGV[5] end
redis.call('PEXPIRE', ctx, ttl)
redis.call('PEXPIRE', turns, ttl)
return context_json(redis.call('HGETALL', ctx))
"""

# One EVALSHA is about half the cost of a 3-command pipeline in redis-py's asyncio client.
# An unknown session is false (None in Python).
_GET_LUA = _CONTEXT_JSON_LUA + """
local raw = redis.call('HGETALL', KEYS[1])
if #raw == 0 then return false end
local ttl = redis.call('HGET', KEYS[1], 'm:ttl') or ARGV[1]
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return context_json(raw)
"""

# ARGV: now (ms), default ttl (ms), cap, then one encoded entry per turn. Returns the first new seq;
# the turns get consecutive seqs, in order, all in one atomic step.
_APPEND_LUA = """
local ctx, turns = KEYS[1], KEYS[2]
local now, cap = ARGV[1], tonumber(ARGV[3])
redis.call('HSETNX', ctx, 'm:created', now)
redis.call('HSETNX', ctx, 'm:version', 0)
redis.call('HSET', ctx, 'm:updated', now)
local ttl = redis.call('HGET', ctx, 'm:ttl') or ARGV[2]
local n = #ARGV - 3
local last = redis.call('HINCRBY', ctx, 'm:seq', n)
for i = 1, n do
  redis.call('RPUSH', turns, (last - n + i) .. ':' .. ARGV[3 + i])
end
redis.call('LTRIM', turns, -cap, -1)
redis.call('PEXPIRE', ctx, ttl)
redis.call('PEXPIRE', turns, ttl)
return last - n + 1
"""

# Returns false for an unknown session, else {next_cursor, entry...} in the requested order.
# Turns are trimmed only from the head, so the list holds seqs (last-len+1 .. last).
_LIST_LUA = """
local ctx, turns = KEYS[1], KEYS[2]
local desc, cursor, size = ARGV[1] == 'd', tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('EXISTS', ctx) == 0 then return false end
local ttl = redis.call('HGET', ctx, 'm:ttl') or ARGV[4]
local last = tonumber(redis.call('HGET', ctx, 'm:seq') or '0')
local len = redis.call('LLEN', turns)
if last < len then last = len end
local first = last - len + 1
redis.call('PEXPIRE', ctx, ttl)
redis.call('PEXPIRE', turns, ttl)
local out = {0}
if len == 0 then return out end
if not desc then
  local s = first
  if cursor > 0 and cursor > s then s = cursor end
  if s > last then return out end
  local e = math.min(s + size - 1, last)
  for _, v in ipairs(redis.call('LRANGE', turns, s - first, e - first)) do out[#out + 1] = v end
  if e < last then out[1] = e + 1 end
else
  local s = last
  if cursor > 0 and cursor < s then s = cursor end
  if s < first then return out end
  local e = math.max(s - size + 1, first)
  local items = redis.call('LRANGE', turns, e - first, s - first)
  for i = #items, 1, -1 do out[#out + 1] = items[i] end
  if e > first then out[1] = e - 1 end
end
return out
"""


# --- local fallback ------------------------------------------------------------------------------


@dataclass
class _LocalSession:
    values: dict[str, Any]
    version: int
    created_at: float
    updated_at: float
    seq: int
    turns: deque[Turn]
    expires_at: float
    ttl_s: float | None = None  # the session's own sliding TTL, if an update set one
    # Approximate bytes of `values` (as JSON) and of `turns`, kept up to date by whoever changes them:
    # size() runs on every cache write, which is every L1 call while Redis is healthy.
    values_bytes: int = 2
    turns_bytes: int = 0

    def set_values(self, values: dict[str, Any], encoded_bytes: int | None = None) -> None:
        self.values = values
        self.values_bytes = len(json.dumps(values, default=str)) if encoded_bytes is None else encoded_bytes

    def size(self) -> int:
        return 200 + self.values_bytes + self.turns_bytes


@dataclass
class _LocalCheckpoint:
    checkpoint: Checkpoint

    def size(self) -> int:
        return 200 + len(self.checkpoint.data)

    @property
    def expires_at(self) -> float:
        return self.checkpoint.expires_at


class _LruCache:
    """Bounded by entry count and approximate bytes; least recently used goes first."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self._items: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._max_entries, self._max_bytes = max_entries, max_bytes

    def get(self, key: str, now: float) -> Any | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0].expires_at <= now:
            self.pop(key)
            return None
        self._items.move_to_end(key)
        return item[0]

    def put(self, key: str, value: _LocalSession | _LocalCheckpoint) -> None:
        self.pop(key)
        size = value.size()
        if size > self._max_bytes:
            return
        self._items[key] = (value, size)
        self._bytes += size
        while len(self._items) > self._max_entries or self._bytes > self._max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self._bytes -= dropped

    def pop(self, key: str) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self._bytes -= item[1]

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class _JournalOp:
    kind: str  # update | append | delete_session | save_checkpoint | delete_checkpoint
    keys: tuple[str, ...]
    args: tuple[Any, ...]
    size: int


# --- the store -----------------------------------------------------------------------------------


class ContextStore:
    """Async L1 store. One per process; share it across requests."""

    def __init__(
        self,
        client: aioredis.Redis,
        config: ContextStoreConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self.config = config or ContextStoreConfig()
        self._clock = clock
        self._get = client.register_script(_GET_LUA)
        self._update = client.register_script(_UPDATE_LUA)
        self._append = client.register_script(_APPEND_LUA)
        self._list = client.register_script(_LIST_LUA)
        cfg = self.config
        self._cache = _LruCache(cfg.cache_max_entries, cfg.cache_max_bytes)
        self._journal: deque[_JournalOp] = deque()
        self._journal_bytes = 0
        self._dropped = 0
        self._degraded_since: float | None = None
        self._last_error: str | None = None
        self._last_probe = 0.0
        self._recover_lock = asyncio.Lock()

    @classmethod
    def from_url(cls, url: str, config: ContextStoreConfig | None = None, **kwargs: Any) -> "ContextStore":
        config = config or ContextStoreConfig()
        client = aioredis.Redis.from_url(
            url,
            socket_timeout=config.socket_timeout_s,
            socket_connect_timeout=config.connect_timeout_s,
            # One immediate retry replaces a pooled connection that died with a restarted server;
            # more retries would only delay entering degraded mode.
            retry=Retry(NoBackoff(), 1),
            decode_responses=False,
        )
        return cls(client, config, **kwargs)

    async def aclose(self) -> None:
        await self._redis.aclose()

    # -- health --------------------------------------------------------------------------------

    @property
    def degraded(self) -> bool:
        return self._degraded_since is not None

    def health(self) -> ContextStoreHealth:
        return ContextStoreHealth(
            degraded=self.degraded,
            degraded_since=self._degraded_since,
            pending_writes=len(self._journal),
            dropped_writes=self._dropped,
            last_error=self._last_error,
        )

    async def probe(self) -> bool:
        """Ping Redis now (resyncing if it is back); returns True when healthy. For health loops."""
        if not self.degraded:
            try:
                await self._redis.ping()
                return True
            except _REDIS_DOWN as exc:
                self._enter_degraded(exc)
                return False
        self._last_probe = 0.0
        return await self._maybe_recover()

    # -- session context -----------------------------------------------------------------------

    async def get_context(self, tenant_id: str, user_id: str, session_id: str) -> SessionContext:
        """The session's key-value context; renews the session TTL. Unknown session -> SessionNotFoundError."""
        ctx, turns, cache_key = self._session_keys(tenant_id, user_id, session_id)
        ttl_ms = self._ttl_ms(self.config.session_ttl_s)

        async def remote() -> SessionContext:
            raw = await self._get(keys=[ctx, turns], args=[ttl_ms])
            if raw is None:
                self._cache.pop(cache_key)
                raise SessionNotFoundError(session_id)
            result = self._decode_context(session_id, raw)
            self._cache_context(cache_key, result, len(raw))
            return result

        def local() -> SessionContext:
            entry = self._local_session(cache_key)
            if entry is None:
                return SessionContext(session_id, {}, 0, 0.0, 0.0, degraded=True)
            ttl_s = entry.ttl_s or self.config.session_ttl_s
            entry.expires_at = self._clock() + ttl_s
            return SessionContext(
                session_id, dict(entry.values), entry.version, entry.created_at, entry.updated_at,
                degraded=True, ttl_s=ttl_s, expires_at=entry.expires_at,
            )

        return await self._call(remote, local)

    async def update_context(
        self,
        tenant_id: str,
        user_id: str,
        session_id: str,
        changes: Mapping[str, Any],
        *,
        ttl_seconds: float | None = None,
    ) -> SessionContext:
        """Merge ``changes`` into the context (a None value deletes that key); creates the session.

        Returns the whole context after the merge. ``ttl_seconds`` overrides the sliding TTL.
        """
        ctx, turns, cache_key = self._session_keys(tenant_id, user_id, session_id)
        to_set, to_delete = self._check_changes(changes)
        explicit_ttl_s = self._session_ttl(ttl_seconds)
        now = self._clock()
        now_ms = int(now * 1000)
        explicit_ms = self._ttl_ms(explicit_ttl_s) if explicit_ttl_s is not None else 0
        args: list[Any] = [now_ms, explicit_ms, self.config.max_keys, len(to_set), self._ttl_ms(self.config.session_ttl_s)]
        for key, encoded in to_set.items():
            args += ["v:" + key, encoded]
        args += ["v:" + key for key in to_delete]

        async def remote() -> SessionContext:
            try:
                raw = await self._update(keys=[ctx, turns], args=args)
            except ResponseError as exc:
                if "TOO_MANY_KEYS" in str(exc):
                    raise InvalidArgumentError("changes", f"a context holds at most {self.config.max_keys} keys") from None
                raise
            result = self._decode_context(session_id, raw)
            self._cache_context(cache_key, result, len(raw))
            return result

        def local() -> SessionContext:
            entry = self._local_session(cache_key) or _LocalSession({}, 0, now, now, 0, deque(), 0.0)
            new_values = {**entry.values, **{k: json.loads(v) for k, v in to_set.items()}}
            for key in to_delete:
                new_values.pop(key, None)
            if len(new_values) > self.config.max_keys:
                raise InvalidArgumentError("changes", f"a context holds at most {self.config.max_keys} keys")
            entry.set_values(new_values)
            entry.version += 1
            entry.updated_at = now
            if explicit_ttl_s is not None:
                entry.ttl_s = explicit_ttl_s
            ttl_s = entry.ttl_s or self.config.session_ttl_s
            entry.expires_at = now + ttl_s
            self._cache.put(cache_key, entry)
            self._journal_add("update", (ctx, turns), tuple(args), sum(len(str(a)) for a in args))
            return SessionContext(
                session_id, dict(entry.values), entry.version, entry.created_at, entry.updated_at,
                degraded=True, ttl_s=ttl_s, expires_at=entry.expires_at,
            )

        return await self._call(remote, local)

    async def delete_context(self, tenant_id: str, user_id: str, session_id: str) -> Ack:
        """Delete the session: its context and its turns. Unknown session -> SessionNotFoundError."""
        ctx, turns, cache_key = self._session_keys(tenant_id, user_id, session_id)

        async def remote() -> Ack:
            removed = await self._redis.delete(ctx, turns)
            self._cache.pop(cache_key)
            if not removed:
                raise SessionNotFoundError(session_id)
            return Ack()

        def local() -> Ack:
            self._cache.pop(cache_key)
            self._journal_add("delete_session", (ctx, turns), (), 64)
            return Ack(degraded=True)

        return await self._call(remote, local)

    # -- conversation turns --------------------------------------------------------------------

    async def append_turn(
        self,
        tenant_id: str,
        user_id: str,
        session_id: str,
        role: str,
        content: str,
        *,
        metadata: Mapping[str, Scalar] | None = None,
    ) -> TurnAppended:
        """Append one turn (creating the session); the oldest turns beyond ``max_turns`` are trimmed."""
        appended = await self._append_turns(tenant_id, user_id, session_id, [NewTurn(role, content, metadata)], False)
        return TurnAppended(appended.turns[0], appended.degraded)

    async def append_turns(
        self, tenant_id: str, user_id: str, session_id: str, new_turns: Sequence[NewTurn]
    ) -> TurnsAppended:
        """Append turns in order with consecutive sequence numbers, all or none (every turn is checked
        before anything is written; errors name ``turns[i].<field>``); the oldest turns beyond
        ``max_turns`` are trimmed."""
        return await self._append_turns(tenant_id, user_id, session_id, new_turns, True)

    async def _append_turns(
        self, tenant_id: str, user_id: str, session_id: str, new_turns: Sequence[NewTurn], indexed: bool
    ) -> TurnsAppended:
        ctx, turns, cache_key = self._session_keys(tenant_id, user_id, session_id)
        if not new_turns:
            raise InvalidArgumentError("turns", "must hold at least one turn")
        if len(new_turns) > MAX_TURNS_PER_APPEND:
            raise InvalidArgumentError("turns", f"holds {len(new_turns)} turns; the limit is {MAX_TURNS_PER_APPEND}")
        now = self._clock()
        checked: list[tuple[str, str, dict[str, Scalar]]] = []
        for i, new in enumerate(new_turns):
            try:
                if new.role not in ROLES:
                    raise InvalidArgumentError("role", f"must be one of {', '.join(sorted(ROLES))}")
                check_text(new.content, "content", self.config.max_turn_chars)
                checked.append((new.role, new.content, self._check_turn_metadata(new.metadata)))
            except InvalidArgumentError as exc:
                if not indexed:
                    raise
                raise InvalidArgumentError(f"turns[{i}].{exc.field}", exc.description) from None
        entries = [json.dumps({"r": r, "c": c, "t": now, "m": m}, separators=(",", ":")) for r, c, m in checked]
        ttl_ms = self._ttl_ms(self.config.session_ttl_s)
        args = (int(now * 1000), ttl_ms, self.config.max_turns, *entries)

        async def remote() -> TurnsAppended:
            first = int(await self._append(keys=[ctx, turns], args=list(args)))
            stored = [Turn(first + i, r, c, now, m) for i, (r, c, m) in enumerate(checked)]
            entry = self._local_session(cache_key)
            if entry is not None:
                entry.seq = stored[-1].seq
                for turn in stored:
                    self._push_local_turn(entry, turn)
                self._cache.put(cache_key, entry)
            return TurnsAppended(stored)

        def local() -> TurnsAppended:
            entry = self._local_session(cache_key) or _LocalSession({}, 0, now, now, 0, deque(), 0.0)
            entry.updated_at = now
            entry.expires_at = now + (entry.ttl_s or self.config.session_ttl_s)
            stored = []
            for r, c, m in checked:
                entry.seq += 1
                stored.append(Turn(entry.seq, r, c, now, m))
                self._push_local_turn(entry, stored[-1])
            self._cache.put(cache_key, entry)
            self._journal_add("append", (ctx, turns), args, sum(len(e) for e in entries) + 64)
            return TurnsAppended(stored, degraded=True)

        return await self._call(remote, local)

    async def list_turns(
        self,
        tenant_id: str,
        user_id: str,
        session_id: str,
        *,
        page_size: int = 0,
        page_token: str = "",
        order: Order = "oldest_first",
    ) -> TurnPage:
        """A page of turns; pass ``next_page_token`` back for the next. Unknown session -> SessionNotFoundError."""
        ctx, turns, cache_key = self._session_keys(tenant_id, user_id, session_id)
        if order not in ("oldest_first", "newest_first"):
            raise InvalidArgumentError("order", "must be oldest_first or newest_first")
        if isinstance(page_size, bool) or not isinstance(page_size, int) or not 0 <= page_size <= self.config.max_page_size:
            raise InvalidArgumentError("page_size", f"must be in [0, {self.config.max_page_size}] (0 = default)")
        size = page_size or self.config.default_page_size
        cursor = self._decode_token(page_token, session_id, order)
        ttl_ms = self._ttl_ms(self.config.session_ttl_s)

        async def remote() -> TurnPage:
            raw = await self._list(keys=[ctx, turns], args=["d" if order == "newest_first" else "a", cursor, size, ttl_ms])
            if raw is None:
                raise SessionNotFoundError(session_id)
            next_cursor = int(raw[0])
            page = [_decode_turn(item) for item in raw[1:]]
            token = self._encode_token(next_cursor, session_id, order) if next_cursor else ""
            return TurnPage(page, token)

        def local() -> TurnPage:
            entry = self._local_session(cache_key)
            if entry is None:
                return TurnPage([], "", degraded=True)
            cached = list(entry.turns) if order == "oldest_first" else list(reversed(entry.turns))
            if cursor:
                cached = [t for t in cached if (t.seq >= cursor if order == "oldest_first" else t.seq <= cursor)]
            page, rest = cached[:size], cached[size:]
            token = self._encode_token(rest[0].seq, session_id, order) if rest else ""
            return TurnPage(page, token, degraded=True)

        return await self._call(remote, local)

    # -- checkpoints ---------------------------------------------------------------------------

    async def save_checkpoint(
        self,
        tenant_id: str,
        user_id: str,
        name: str,
        data: bytes,
        content_type: str,
        *,
        ttl_seconds: float | None = None,
    ) -> Checkpoint:
        """Save (replace) a named checkpoint with a fixed TTL (default ``checkpoint_ttl_s``)."""
        key, cache_key = self._checkpoint_key(tenant_id, user_id, name)
        if not isinstance(data, bytes | bytearray) or not data:
            raise InvalidArgumentError("data", "must be non-empty bytes")
        if len(data) > self.config.max_checkpoint_bytes:
            raise InvalidArgumentError("data", f"larger than {self.config.max_checkpoint_bytes} bytes")
        if not isinstance(content_type, str) or not 3 <= len(content_type) <= 127 or "/" not in content_type:
            raise InvalidArgumentError("content_type", "must be a media type such as application/json")
        ttl_s = (
            check_ttl(ttl_seconds, "ttl_seconds", self.config.max_ttl_s) if ttl_seconds is not None else self.config.checkpoint_ttl_s
        )
        now = self._clock()
        checkpoint = Checkpoint(name, bytes(data), content_type, now, now + ttl_s)
        mapping = {"d": checkpoint.data, "ct": content_type, "c": repr(now), "e": repr(now + ttl_s)}
        ttl_ms = self._ttl_ms(ttl_s)

        async def remote() -> Checkpoint:
            await self._write_checkpoint(key, mapping, ttl_ms)
            self._cache.put(cache_key, _LocalCheckpoint(checkpoint))
            return checkpoint

        def local() -> Checkpoint:
            self._cache.put(cache_key, _LocalCheckpoint(checkpoint))
            self._journal_add("save_checkpoint", (key,), (mapping, ttl_ms), len(data) + 128)
            return Checkpoint(name, checkpoint.data, content_type, now, now + ttl_s, degraded=True)

        return await self._call(remote, local)

    async def load_checkpoint(self, tenant_id: str, user_id: str, name: str) -> Checkpoint:
        key, cache_key = self._checkpoint_key(tenant_id, user_id, name)

        async def remote() -> Checkpoint:
            raw = await self._redis.hgetall(key)
            if not raw:
                self._cache.pop(cache_key)
                raise CheckpointNotFoundError(name)
            checkpoint = Checkpoint(
                name, raw[b"d"], raw[b"ct"].decode(), float(raw[b"c"]), float(raw[b"e"])
            )
            self._cache.put(cache_key, _LocalCheckpoint(checkpoint))
            return checkpoint

        def local() -> Checkpoint:
            entry = self._cache.get(cache_key, self._clock())
            if entry is None:
                raise CheckpointNotFoundError(name)
            c = entry.checkpoint
            return Checkpoint(c.name, c.data, c.content_type, c.created_at, c.expires_at, degraded=True)

        return await self._call(remote, local)

    async def delete_checkpoint(self, tenant_id: str, user_id: str, name: str) -> Ack:
        key, cache_key = self._checkpoint_key(tenant_id, user_id, name)

        async def remote() -> Ack:
            removed = await self._redis.delete(key)
            self._cache.pop(cache_key)
            if not removed:
                raise CheckpointNotFoundError(name)
            return Ack()

        def local() -> Ack:
            self._cache.pop(cache_key)
            self._journal_add("delete_checkpoint", (key,), (), 64)
            return Ack(degraded=True)

        return await self._call(remote, local)

    # -- degraded-mode machinery ---------------------------------------------------------------

    async def _call(self, remote: Callable[[], Awaitable[T]], local: Callable[[], T]) -> T:
        if self.degraded and not await self._maybe_recover():
            return local()
        try:
            return await remote()
        except _REDIS_DOWN as exc:
            self._enter_degraded(exc)
            return local()

    def _enter_degraded(self, exc: BaseException) -> None:
        self._last_error = f"{type(exc).__name__}: {exc}"
        if self._degraded_since is None:
            self._degraded_since = self._clock()
            self._last_probe = time.monotonic()

    async def _maybe_recover(self) -> bool:
        if time.monotonic() - self._last_probe < self.config.probe_interval_s:
            return False
        async with self._recover_lock:
            if not self.degraded:
                return True
            self._last_probe = time.monotonic()
            try:
                await self._redis.ping()
                while self._journal:
                    op = self._journal[0]
                    await self._replay(op)
                    self._journal.popleft()
                    self._journal_bytes -= op.size
            except _REDIS_DOWN as exc:
                self._last_error = f"{type(exc).__name__}: {exc}"
                return False
            # Cached sessions touched while degraded hold provisional state; let them refill.
            self._cache = _LruCache(self.config.cache_max_entries, self.config.cache_max_bytes)
            self._degraded_since = None
            return True

    async def _replay(self, op: _JournalOp) -> None:
        if op.kind == "update":
            try:
                await self._update(keys=list(op.keys), args=list(op.args))
            except ResponseError:
                self._dropped += 1  # e.g. the merged context would exceed max_keys
        elif op.kind == "append":
            await self._append(keys=list(op.keys), args=list(op.args))
        elif op.kind in ("delete_session", "delete_checkpoint"):
            await self._redis.delete(*op.keys)
        elif op.kind == "save_checkpoint":
            await self._write_checkpoint(op.keys[0], *op.args)

    def _journal_add(self, kind: str, keys: tuple[str, ...], args: tuple[Any, ...], size: int) -> None:
        self._journal.append(_JournalOp(kind, keys, args, size))
        self._journal_bytes += size
        while len(self._journal) > self.config.journal_max_ops or self._journal_bytes > self.config.journal_max_bytes:
            dropped = self._journal.popleft()
            self._journal_bytes -= dropped.size
            self._dropped += 1

    async def _write_checkpoint(self, key: str, mapping: dict[str, Any], ttl_ms: int) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(key)
        pipe.hset(key, mapping=mapping)
        pipe.pexpire(key, ttl_ms)
        await pipe.execute()

    def _local_session(self, cache_key: str) -> _LocalSession | None:
        entry = self._cache.get(cache_key, self._clock())
        return entry if isinstance(entry, _LocalSession) else None

    def _cache_context(self, cache_key: str, result: SessionContext, encoded_bytes: int) -> None:
        entry = self._local_session(cache_key)
        own_ttl = result.ttl_s if result.ttl_s != self.config.session_ttl_s else None
        if entry is None:
            entry = _LocalSession({}, 0, result.created_at, result.updated_at, 0, deque(), result.expires_at)
        entry.set_values(dict(result.values), encoded_bytes)
        entry.version, entry.ttl_s = result.version, own_ttl
        entry.created_at, entry.updated_at, entry.expires_at = result.created_at, result.updated_at, result.expires_at
        self._cache.put(cache_key, entry)

    def _push_local_turn(self, entry: _LocalSession, turn: Turn) -> None:
        limit = min(self.config.cache_turns_per_session, self.config.max_turns)
        entry.turns.append(turn)
        entry.turns_bytes += len(turn.content) + 64
        while len(entry.turns) > limit:
            entry.turns_bytes -= len(entry.turns.popleft().content) + 64

    # -- keys, validation, encoding ------------------------------------------------------------

    def _scope(self, tenant_id: str, user_id: str) -> str:
        check_identity(tenant_id, user_id)
        # quote(safe="") escapes ':', '|', '{', '}' so ids cannot collide or break the hash tag.
        return f"{self.config.key_prefix}:{{{quote(tenant_id, safe='')}|{quote(user_id, safe='')}}}"

    def _session_keys(self, tenant_id: str, user_id: str, session_id: str) -> tuple[str, str, str]:
        scope = self._scope(tenant_id, user_id)
        check_name(session_id, "session_id")
        base = f"{scope}:s:{quote(session_id, safe='')}"
        return f"{base}:ctx", f"{base}:turns", f"{base}"

    def _checkpoint_key(self, tenant_id: str, user_id: str, name: str) -> tuple[str, str]:
        scope = self._scope(tenant_id, user_id)
        check_name(name, "name")
        key = f"{scope}:ckpt:{quote(name, safe='')}"
        return key, key

    def _ttl_ms(self, seconds: float) -> int:
        return max(1, int(seconds * 1000))

    def _session_ttl(self, ttl_seconds: float | None) -> float | None:
        if ttl_seconds is None:
            return None
        return check_ttl(ttl_seconds, "ttl_seconds", self.config.max_ttl_s)

    def _check_changes(self, changes: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
        if not isinstance(changes, Mapping) or not changes:
            raise InvalidArgumentError("changes", "at least one key is required")
        if len(changes) > 2 * self.config.max_keys:
            raise InvalidArgumentError("changes", f"at most {2 * self.config.max_keys} keys per update")
        to_set: dict[str, str] = {}
        to_delete: list[str] = []
        for key, value in changes.items():
            path = f"changes.{key}"
            if not isinstance(key, str) or not key or len(key) > self.config.max_key_chars or not key.isprintable():
                raise InvalidArgumentError(path, f"keys are 1-{self.config.max_key_chars} printable characters")
            if value is None:
                to_delete.append(key)
                continue
            try:
                encoded = json.dumps(value, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
            except (TypeError, ValueError) as exc:
                raise InvalidArgumentError(path, f"value is not JSON-serialisable: {exc}") from None
            if len(encoded.encode()) > self.config.max_value_bytes:
                raise InvalidArgumentError(path, f"value larger than {self.config.max_value_bytes} bytes as JSON")
            to_set[key] = encoded
        if len(to_set) > self.config.max_keys:
            raise InvalidArgumentError("changes", f"a context holds at most {self.config.max_keys} keys")
        return to_set, to_delete

    def _check_turn_metadata(self, metadata: Mapping[str, Scalar] | None) -> dict[str, Scalar]:
        metadata = dict(metadata or {})
        if len(metadata) > self.config.max_turn_metadata:
            raise InvalidArgumentError("metadata", f"at most {self.config.max_turn_metadata} keys")
        for key, value in metadata.items():
            if not isinstance(key, str) or not 1 <= len(key) <= 64:
                raise InvalidArgumentError(f"metadata.{key}", "keys are 1-64 characters")
            # Scalars only (like L2 metadata), so a turn's metadata round-trips through JSON unchanged.
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidArgumentError(f"metadata.{key}", "numbers must be finite")
            if not isinstance(value, str | int | float | bool) or (isinstance(value, str) and len(value) > 1024):
                raise InvalidArgumentError(
                    f"metadata.{key}", "values are strings (at most 1024 characters), numbers or booleans"
                )
        return metadata

    def _decode_context(self, session_id: str, raw: bytes) -> SessionContext:
        """Decode a context (``_CONTEXT_JSON_LUA``) just read or written, and so just renewed, in Redis."""
        decoded = json.loads(raw)
        meta: dict[str, str] = decoded["m"]
        own_ttl = meta.get("m:ttl")
        ttl_s = int(own_ttl) / 1000 if own_ttl is not None else self.config.session_ttl_s
        return SessionContext(
            session_id,
            decoded["v"],
            int(meta.get("m:version", 0)),
            int(meta.get("m:created", 0)) / 1000,
            int(meta.get("m:updated", 0)) / 1000,
            ttl_s=ttl_s,
            expires_at=self._clock() + ttl_s,
        )

    @staticmethod
    def _token_tag(session_id: str, order: str) -> str:
        return hashlib.blake2b(f"{session_id}\x00{order}".encode(), digest_size=6).hexdigest()

    def _encode_token(self, cursor: int, session_id: str, order: str) -> str:
        body = json.dumps({"s": cursor, "k": self._token_tag(session_id, order)}, separators=(",", ":"))
        return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")

    def _decode_token(self, token: str, session_id: str, order: str) -> int:
        if not token:
            return 0
        try:
            body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            cursor, tag = int(body["s"]), body["k"]
        except (ValueError, KeyError, TypeError):
            raise InvalidArgumentError("page_token", "malformed page token") from None
        if tag != self._token_tag(session_id, order) or cursor < 1:
            raise InvalidArgumentError("page_token", "page token belongs to another session or order")
        return cursor


def _decode_turn(item: bytes) -> Turn:
    seq, _, body = item.partition(b":")
    data = json.loads(body)
    return Turn(int(seq), data["r"], data["c"], float(data["t"]), data.get("m") or {})
