"""The PostgreSQL engine: built by the composition root, bound to every table, pooled per process.

Every query on tenant-owned rows runs in a transaction that has set `app.tenant_id` (row-level
security shows nothing otherwise), set with BEGIN in one round trip (`begin_in_tenant`): the unit of
work's and the jobs' `TenantTransaction` sets it, and `fetch` (`in_tenant`) does for the readers.
The one path that starts without a tenant is `tenant_ids`, which reads the tenant directory so
cross-tenant jobs (outbox sweep, reservation expiry) can then run once per tenant.

Pooled connections go back without asyncpg's default reset (`pg_advisory_unlock_all(); CLOSE
ALL; UNLISTEN *; RESET ALL`, four statements at every release): nothing here leaves session state
behind. The tenant is transaction-local (`set_config(…, true)`), no code runs `SET`, `LISTEN`, advisory
locks or cursors outside a transaction, and asyncpg still rolls back a transaction left open.
tests/integration/test_statement_counts.py checks that a released connection carries no tenant.

A connection the server dropped (restart, failover, `pg_terminate_backend`) surfaces as one of
CONNECTION_LOST; the web layer answers any of DATABASE_UNAVAILABLE with 503 and Retry-After.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import structlog
from piccolo.engine.exceptions import TransactionError
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

from app.tables.tables import ALL_TABLES

T = TypeVar("T")
POOL_CLOSE_TIMEOUT_SECONDS = 5.0
"""asyncpg's close() waits for every acquired connection to come back; a leaked one would wait forever."""
log = structlog.get_logger(__name__)

SET_TENANT_SQL = "SELECT set_config('app.tenant_id', $1, true)"
"""Transaction-local (`true`): the setting ends with the transaction, so a pooled connection never keeps it."""


def begin_in_tenant(tenant_id: UUID) -> str:
    """BEGIN and SET_TENANT_SQL as one message: one round trip where asyncpg's `transaction()` and then the
    setting take two (its BEGIN goes alone).

    A query with no parameters goes by PostgreSQL's simple protocol, which runs several statements, so the
    tenant is written into the text: `UUID()` refuses anything but a UUID, printed in its canonical form.
    """
    return f"BEGIN; SELECT set_config('app.tenant_id', '{UUID(str(tenant_id))}', true)"


CONNECTION_LOST: tuple[type[Exception], ...] = (
    asyncpg.exceptions.PostgresConnectionError,  # includes ConnectionDoesNotExistError
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    # "cannot switch to state 15; another operation (2) is in progress": during a PostgreSQL restart
    # asyncpg 0.32's pool can hand out a connection whose start-up the restart interrupted. It is
    # unusable, like a lost one, and a retry gets a fresh one (seen once in the restart fault test).
    asyncpg.exceptions.InternalClientError,
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
        await self.engine.start_connection_pool(
            min_size=self._pool_sizes[0], max_size=self._pool_sizes[1], reset=_keep_session
        )

    async def disconnect(self, grace_seconds: float = POOL_CLOSE_TIMEOUT_SECONDS) -> None:
        """Close the pool gracefully, or terminate it: a connection never given back must not hang shutdown."""
        pool = self.engine.pool
        if pool is None:
            return
        try:
            await asyncio.wait_for(pool.close(), grace_seconds)
        except TimeoutError:
            log.warning("database_pool_close_timed_out", grace_seconds=grace_seconds)
            pool.terminate()
        self.engine.pool = None

    async def ping(self) -> None:
        async with _pool(self.engine).acquire() as connection:
            await connection.fetchval("SELECT 1")


async def _keep_session(connection: asyncpg.Connection) -> None:
    """The pool's reset: none beyond asyncpg's own rollback of an open transaction (see the module docstring)."""


def _pool(engine: PostgresEngine) -> asyncpg.Pool:
    if engine.pool is None:
        raise RuntimeError("the database pool is not started")
    return engine.pool


@asynccontextmanager
async def in_tenant(connection: asyncpg.Connection, tenant_id: UUID) -> AsyncIterator[asyncpg.Connection]:
    """A transaction on `connection` that sees `tenant_id`'s rows: begun with the tenant in one round trip
    (`begin_in_tenant`), committed at the end, rolled back on an exception (asyncpg also rolls back one left
    open when the connection goes back to the pool)."""
    await connection.execute(begin_in_tenant(tenant_id))
    try:
        yield connection
    except BaseException:
        if not connection.is_closed():
            await connection.execute("ROLLBACK")
        raise
    await connection.execute("COMMIT")


async def fetch(engine: PostgresEngine, tenant_id: UUID, sql: str, args: Sequence[Any] = ()) -> list[Any]:
    """Run one parameterised statement in its own transaction, seeing only `tenant_id`'s rows."""
    async with _pool(engine).acquire() as connection, in_tenant(connection, tenant_id):
        return list(await connection.fetch(sql, *args))


async def fetch_alone(engine: PostgresEngine, sql: str, args: Sequence[Any] = ()) -> list[Any]:
    """One statement as its own (implicit) transaction: for the functions that set the tenant themselves.

    `session_context` and the outbox's functions (migration 2026-12-02T05:40 on) call `set_config(…, true)`
    first, so one round trip does what `fetch` needs three for (BEGIN with the tenant, the query, COMMIT).
    """
    async with _pool(engine).acquire() as connection:
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


class TenantTransaction(PostgresTransaction):
    """A Piccolo transaction bound to a tenant: Piccolo queries inside it and its `.connection` see that tenant.

    Its BEGIN carries the tenant setting (`begin_in_tenant`): it sends BEGIN, COMMIT and ROLLBACK itself
    instead of through the asyncpg `Transaction` Piccolo makes (left unstarted), which would send BEGIN
    alone. Opened inside one of the same tenant it is that one (Piccolo's nesting); inside any other
    open transaction it refuses, rather than run in a tenant it did not set.
    """

    __slots__ = ("tenant_id",)

    def __init__(self, engine: PostgresEngine, tenant_id: UUID, *, allow_nested: bool = True) -> None:
        super().__init__(engine, allow_nested=allow_nested)
        if self._parent is not None and getattr(self._parent, "tenant_id", None) != tenant_id:
            raise TransactionError("a transaction outside this tenant is open in this task")
        self.tenant_id = tenant_id

    async def begin(self) -> None:
        try:
            await self.connection.execute(begin_in_tenant(self.tenant_id))
        except BaseException:
            # Piccolo's __aenter__ took the connection and its __aexit__ will not run: give it back here.
            if self.engine.pool is not None:
                await self.engine.pool.release(self.connection)
            else:
                await self.connection.close()
            raise

    async def commit(self) -> None:
        await self.connection.execute("COMMIT")
        self._committed = True

    async def rollback(self) -> None:
        if not self.connection.is_closed():  # a lost connection's transaction ended with it
            await self.connection.execute("ROLLBACK")
        self._rolled_back = True


@asynccontextmanager
async def tenant_transaction(engine: PostgresEngine, tenant_id: UUID) -> AsyncIterator[PostgresTransaction]:
    """A TenantTransaction of `tenant_id` (see there)."""
    async with TenantTransaction(engine, tenant_id) as transaction:
        yield transaction


async def tenant_ids(engine: PostgresEngine) -> list[UUID]:
    """Every tenant, from the directory (not tenant-owned): how cron jobs reach each tenant in turn."""
    async with _pool(engine).acquire() as connection:
        return [row["id"] for row in await connection.fetch("SELECT id FROM tenant ORDER BY slug")]
