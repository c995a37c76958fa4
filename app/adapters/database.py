"""The PostgreSQL engine: built by the composition root, bound to every table, pooled per process."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from app.tables.tables import ALL_TABLES


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
