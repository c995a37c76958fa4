"""Rate-limit counters: a moving window in Redis (one Lua script, one round trip per hit), or in memory.

The Redis counters run on the shop's own guarded client, so their calls have the shop's timeouts
and go through the Redis circuit breaker: while Redis is down a hit fails at once. They keep the
layout of the `limits` package's moving window (one list per key, newest timestamp first, trimmed to
the limit, expiring with the window; keys `ratelimit:<policy>/<id>/<limit>/<window>/second`), whose
`MemoryStorage` counts in memory while Redis is down (`local_rate_limiter`).

`limits`' own Redis strategy takes two round trips per hit (its acquire script, then its window
script for the remaining count and the reset time); `_HIT_SCRIPT` does both in one.
"""

from __future__ import annotations

import hashlib
import math
import time
from functools import lru_cache
from typing import Any

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.services.rate_limits import RateLimitDecision, RateLimitPolicy, RateLimitUnavailable

KEY_PREFIX = "ratelimit"

_HIT_SCRIPT = """
-- KEYS[1]: the window's list, newest first. ARGV: now (seconds, as text), limit, window (seconds).
-- Returns {admitted (1/0), entries in the window after this hit, the oldest of them (or now)}.
local key = KEYS[1]
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local expiry = tonumber(ARGV[3])
local start = now - expiry
local admitted = 0
local entry = redis.call('lindex', key, limit - 1)
if not (entry and tonumber(entry) >= start) then
    redis.call('lpush', key, ARGV[1])
    redis.call('ltrim', key, 0, limit - 1)
    redis.call('expire', key, expiry)
    admitted = 1
end
local length = redis.call('llen', key)
if length == 0 then
    return {admitted, 0, ARGV[1]}
end
local last = redis.call('lindex', key, length - 1)
if tonumber(last) >= start then
    return {admitted, length, last}  -- every entry is in the window (the usual case)
end
local low, high, found = 0, length - 2, -1  -- binary search for the oldest entry still in the window
while low <= high do
    local mid = math.floor((low + high) / 2)
    if tonumber(redis.call('lindex', key, mid)) >= start then
        found = mid
        low = mid + 1
    else
        high = mid - 1
    end
end
if found < 0 then
    return {admitted, 0, ARGV[1]}
end
return {admitted, found + 1, redis.call('lindex', key, found)}
"""


def _identifier(key: str) -> str:
    """A fixed-length Redis key part, whatever a client sent (usernames are the client's to choose)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@lru_cache(maxsize=64)
def _item(policy: RateLimitPolicy) -> RateLimitItemPerSecond:
    return RateLimitItemPerSecond(policy.limit, policy.window_seconds, namespace=policy.name)


def _decision(policy: RateLimitPolicy, allowed: bool, in_window: int, oldest: float) -> RateLimitDecision:
    # A refused client is told to wait at least a second, so it never retries at once.
    reset_seconds = max(0 if allowed else 1, math.ceil(oldest + policy.window_seconds - time.time()))
    return RateLimitDecision(policy, allowed, max(0, policy.limit - in_window), reset_seconds)


class RedisRateLimiter:
    """The RateLimiter port on Redis: a moving window, counted and read in one script call."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._hit = redis.register_script(_HIT_SCRIPT)

    @staticmethod
    def key(policy: RateLimitPolicy, key: str) -> str:
        return f"{KEY_PREFIX}:{_item(policy).key_for(_identifier(key))}"

    async def hit(self, policy: RateLimitPolicy, key: str) -> RateLimitDecision:
        now = repr(time.time())
        try:
            admitted, in_window, oldest = await self._hit(
                keys=[self.key(policy, key)], args=[now, policy.limit, policy.window_seconds]
            )
        except (RedisError, OSError) as error:
            raise RateLimitUnavailable(str(error)) from error
        return _decision(policy, bool(admitted), int(in_window), float(oldest))

    async def reset(self, policy: RateLimitPolicy, key: str) -> None:
        try:
            await self._redis.delete(self.key(policy, key))
        except (RedisError, OSError) as error:
            raise RateLimitUnavailable(str(error)) from error


class LimitsRateLimiter:
    """The RateLimiter port on a `limits` storage, moving-window strategy (the in-memory fallback)."""

    def __init__(self, storage: Any) -> None:
        self._strategy = MovingWindowRateLimiter(storage)

    async def hit(self, policy: RateLimitPolicy, key: str) -> RateLimitDecision:
        item = _item(policy)
        identifier = _identifier(key)
        try:
            allowed = await self._strategy.hit(item, identifier)
            reset_at, remaining = await self._strategy.get_window_stats(item, identifier)
        except (RedisError, OSError, StorageError) as error:
            raise RateLimitUnavailable(str(error)) from error
        return _decision(policy, allowed, policy.limit - remaining, reset_at - policy.window_seconds)

    async def reset(self, policy: RateLimitPolicy, key: str) -> None:
        try:
            await self._strategy.clear(_item(policy), _identifier(key))
        except (RedisError, OSError, StorageError) as error:
            raise RateLimitUnavailable(str(error)) from error


def redis_rate_limiter(redis: Redis) -> RedisRateLimiter:
    """Counters shared by every process using this Redis (its keys start with `ratelimit:`)."""
    return RedisRateLimiter(redis)


def local_rate_limiter() -> LimitsRateLimiter:
    """Counters in this process's memory: the fallback while Redis is down (see WhenUnavailable.LOCAL)."""
    return LimitsRateLimiter(MemoryStorage())
