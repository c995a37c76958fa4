"""The SAQ job queue on Redis, on a client with the caller's timeouts (and breaker, in web processes)."""

from __future__ import annotations

from saq.queue.redis import RedisQueue

from app.adapters.circuit_breaker import CircuitBreaker
from app.adapters.redis_client import guarded_redis


def build_queue(
    redis_url: str,
    name: str,
    *,
    connect_timeout: float | None = None,
    command_timeout: float | None = None,
    breaker: CircuitBreaker | None = None,
) -> RedisQueue:
    # SAQ's own Queue.from_url() takes no client options, so the queue gets a client built here.
    redis = guarded_redis(redis_url, breaker, connect_timeout=connect_timeout, command_timeout=command_timeout)
    return RedisQueue(redis, name=name)
