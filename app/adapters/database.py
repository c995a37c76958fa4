"""The PostgreSQL engine: built by the composition root, bound to every table, pooled per process.

A connection the server dropped (restart, failover, `pg_terminate_backend`) surfaces as one of
CONNECTION_LOST; the web layer answers any of DATABASE_UNAVAILABLE with 503 and Retry-After.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import asyncpg
import structlog
from piccolo.engine.postgres import PostgresEngine

from app.tables.tables import ALL_TABLES

T = TypeVar("T")
log = structlog.get_logger(__name__)

CONNECTION_LOST: tuple[type[Exception], ...] = (
    asyncpg.exceptions.PostgresConnectionError,  # includes ConnectionDoesNotExistError
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    ConnectionError,
)
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    *CONNECTION_LOST,
    asyncpg.exceptions.CannotConnectNowError,  # the server is starting up or shutting down
    asyncpg.exceptions.TooManyConnectionsError,
    OSError,  # connecting: refused, unreachable, timed out
)


class Database:
    def __init__(self, url: str, *, pool_min_size: int = 1, pool_max_size: int = 10) -> None:
        self.engine = PostgresEngine(config={"dsn": url})
        self._pool_sizes = (pool_min_size, pool_max_size)
        for table in ALL_TABLES:
            table._meta.db = self.engine

    async def connect(self) -> None:
        await self.engine.start_connection_pool(min_size=self._pool_sizes[0], max_size=self._pool_sizes[1])

    async def disconnect(self) -> None:
        await self.engine.close_connection_pool()

    async def ping(self) -> None:
        await fetch(self.engine, "SELECT 1")


async def fetch(engine: PostgresEngine, sql: str, args: Sequence[Any] = ()) -> list[Any]:
    """Run one parameterised statement on a pooled connection, outside any unit of work."""
    if engine.pool is None:
        raise RuntimeError("the database pool is not started")
    async with engine.pool.acquire() as connection:
        return list(await connection.fetch(sql, *args))


async def retry_read_once(engine: PostgresEngine, read: Callable[[], Awaitable[T]]) -> T:
    """Run `read`, and once more on a fresh connection if the server dropped the first one.

    Only for reads (or writes safe to repeat): a write that failed mid-flight may have committed.
    Dropping one connection usually means the server restarted, so the pool replaces all of its
    idle ones rather than handing each dead one to the next requests.
    """
    try:
        return await read()
    except CONNECTION_LOST as exc:
        log.warning("database_connection_lost", error_type=type(exc).__name__, retrying=True)
        if engine.pool is not None:
            await engine.pool.expire_connections()
        return await read()
