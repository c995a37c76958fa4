"""Counting the statements a pool sends to PostgreSQL: asyncpg's query logger on each of its connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg


class StatementLog:
    """The statements sent while `recording()` is open, in order (BEGIN, COMMIT and the pool's reset included)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._recording = False
        self.statements: list[str] = []
        # asyncpg has no public hook for a live pool: log on the connections it holds and on new ones.
        for holder in pool._holders:
            if holder._con is not None:
                holder._con.add_query_logger(self._record)
        init = pool._init

        async def attach(connection: asyncpg.Connection) -> None:
            connection.add_query_logger(self._record)
            if init is not None:
                await init(connection)

        pool._init = attach

    def _record(self, record: Any) -> None:
        if self._recording:
            self.statements.append(" ".join(record.query.split()))

    @contextmanager
    def recording(self) -> Iterator[list[str]]:
        self.statements = []
        self._recording = True
        try:
            yield self.statements
        finally:
            self._recording = False
