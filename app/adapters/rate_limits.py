"""Rate-limit counters with the `limits` package: a moving window in Redis (one Lua script per hit), or in memory.

The Redis storage runs on the shop's own guarded connection pool, so its calls have the shop's
timeouts and go through the Redis circuit breaker: while Redis is down a hit fails at once.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.services.rate_limits import RateLimitDecision, RateLimitPolicy, RateLimitUnavailable

KEY_PREFIX = "ratelimit"


def _identifier(key: str) -> str:
    """A fixed-length Redis key part, whatever a client sent (usernames are the client's to choose)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class LimitsRateLimiter:
    """The RateLimiter port on a `limits` storage, moving-window strategy."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._strategy = MovingWindowRateLimiter(storage)

    async def hit(self, policy: RateLimitPolicy, key: str) -> RateLimitDecision:
        item = RateLimitItemPerSecond(policy.limit, policy.window_seconds, namespace=policy.name)
        identifier = _identifier(key)
        try:
            allowed = await self._strategy.hit(item, identifier)
            reset_at, remaining = await self._strategy.get_window_stats(item, identifier)
        except (RedisError, OSError, StorageError) as error:
            raise RateLimitUnavailable(str(error)) from error
        # A refused client is told to wait at least a second, so it never retries at once.
        reset_seconds = max(0 if allowed else 1, math.ceil(reset_at - time.time()))
        return RateLimitDecision(policy, allowed, max(0, remaining), reset_seconds)

    async def reset(self, policy: RateLimitPolicy, key: str) -> None:
        item = RateLimitItemPerSecond(policy.limit, policy.window_seconds, namespace=policy.name)
        try:
            await self._strategy.clear(item, _identifier(key))
        except (RedisError, OSError, StorageError) as error:
            raise RateLimitUnavailable(str(error)) from error


def redis_rate_limiter(redis: Redis) -> LimitsRateLimiter:
    """Counters shared by every process using this Redis (its keys start with `ratelimit:`)."""
    # `limits` types its options as scalars, but the redis-py bridge hands `connection_pool` to redis.asyncio.Redis.
    pool: Any = redis.connection_pool
    storage = RedisStorage("async+redis://", implementation="redispy", key_prefix=KEY_PREFIX, connection_pool=pool)
    return LimitsRateLimiter(storage)


def local_rate_limiter() -> LimitsRateLimiter:
    """Counters in this process's memory: the fallback while Redis is down (see WhenUnavailable.LOCAL)."""
    return LimitsRateLimiter(MemoryStorage())
