"""How many statements the web process sends to PostgreSQL, counted on the app's own pool."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.conftest import ensure_user, login, on_app_loop
from tests.support.statements import StatementLog


async def _settled(app: Litestar) -> None:
    """Let the app's loop run the query loggers asyncpg scheduled (call_soon) for the last request."""
    await on_app_loop(app, asyncio.sleep, 0)


def _pool(app: Litestar) -> asyncpg.Pool:
    pool: asyncpg.Pool = app.state.container.database.engine.pool
    return pool


async def test_a_released_connection_keeps_no_tenant(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    assert (await client.get("/")).status_code == 200  # reads the catalog inside the shop's tenant

    async def tenant_on_every_idle_connection() -> list[Any]:
        pool = _pool(app)
        connections = [await pool.acquire() for _ in range(pool.get_size() or 1)]
        try:
            return [await c.fetchval("SELECT current_setting('app.tenant_id', true)") for c in connections]
        finally:
            for connection in connections:
                await pool.release(connection)

    settings = await on_app_loop(app, tenant_on_every_idle_connection)
    assert settings and all(value in (None, "") for value in settings), settings


async def test_a_logged_in_page_knows_its_user_and_flags_in_one_statement(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    await ensure_user(app, "counted", "counted-password", "customer")
    await login(client, "counted", "counted-password")
    log = StatementLog(_pool(app))
    assert (await client.get("/login")).status_code in (302, 303)  # warm: the once-a-minute touch, pool
    with log.recording() as statements:
        response = await client.get("/login")  # a logged-in user is sent on: nothing but who is asking
        await _settled(app)
    assert response.status_code == 302
    assert len(statements) == 1 and "session_context" in statements[0], statements  # was 8 (two transactions)
