"""Redis clients that fail fast: connect and command timeouts, and a circuit breaker on every connection.

Redis may fail; the shop keeps selling (PostgreSQL is the only dependency that may stop a sale).
Every command of a guarded client (plain calls, pipelines, SAQ's scripts) goes through the
connection class below, so no caller can forget the breaker: while the circuit is open a call
raises RedisUnavailable at once, and callers treat it like any other Redis ConnectionError.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.adapters.circuit_breaker import CircuitBreaker

_FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisUnavailable(RedisConnectionError):
    """The circuit is open: Redis failed recently, so the command was not attempted."""


def _guarded(base: type[AbstractConnection], breaker: CircuitBreaker) -> type[AbstractConnection]:
    """A subclass of the URL's connection class (TCP, TLS or Unix socket) that reports to `breaker`."""

    class GuardedConnection(base):  # type: ignore[valid-type,misc]
        # A connection admitted since the circuit last opened goes on without asking again, so a
        # half-open trial's connection can finish its handshake and its command.
        _admitted_at_opening = -1

        def _admit(self) -> None:
            if self._admitted_at_opening == breaker.times_opened:
                return
            if not breaker.allow():
                raise RedisUnavailable(f"{breaker.name} is unavailable (circuit open)")
            self._admitted_at_opening = breaker.times_opened

        async def connect(self) -> None:
            if self.is_connected:
                return
            self._admit()
            try:
                await super().connect()
            except RedisUnavailable:
                raise
            except _FAILURES:
                breaker.record_failure()
                raise

        async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            if self.is_connected:
                self._admit()  # connected before the circuit opened: it must ask
            try:
                await super().send_packed_command(command, check_health)
            except RedisUnavailable:
                raise
            except _FAILURES:
                breaker.record_failure()
                raise

        async def read_response(self, *args: Any, **kwargs: Any) -> Any:
            try:
                response = await super().read_response(*args, **kwargs)
            except _FAILURES:
                breaker.record_failure()
                raise
            breaker.record_success()
            return response

    GuardedConnection.__name__ = f"Guarded{base.__name__}"
    return GuardedConnection


def guarded_redis(
    url: str,
    breaker: CircuitBreaker | None,
    *,
    connect_timeout: float | None,
    command_timeout: float | None,
) -> Redis:
    """A client for `url` with the given timeouts (seconds), guarded by `breaker` when one is given."""
    pool = ConnectionPool.from_url(
        url, socket_connect_timeout=connect_timeout, socket_timeout=command_timeout, retry_on_timeout=False
    )
    if breaker is not None:
        pool.connection_class = _guarded(pool.connection_class, breaker)
    return Redis(connection_pool=pool)
