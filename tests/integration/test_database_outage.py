"""PostgreSQL drops the app's connections (restart, failover): the next requests succeed or get 503 + Retry-After."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.conftest import on_app_loop
from tests.integration.test_shop_pages import product, shopper

Client = AsyncTestClient[Litestar]


async def terminate_app_connections(services: dict[str, str]) -> int:
    """pg_terminate_backend every connection the application role holds but this one; returns how many.

    Connected as the application role itself: a role may end its own backends, and needs no more right for it.
    """
    connection = await asyncpg.connect(services["database_url"])
    try:
        return int(
            await connection.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await connection.close()


def assert_succeeded_or_asked_to_retry(response: Any) -> None:
    if response.status_code == 503:
        assert response.headers.get("retry-after"), "a 503 must say when to try again"
    else:
        assert response.status_code < 500, response.text


async def test_requests_after_the_servers_drop_the_pools_connections_never_get_a_500(
    app: Litestar, client: Client, db: asyncpg.Connection, services: dict[str, str]
):
    lamp = await product(app, db, stock=5)
    token = await shopper(app, client, db)
    assert (await client.get("/cart")).status_code == 200  # the pool holds live connections now

    assert await terminate_app_connections(services) > 0
    responses = [
        await client.get("/cart"),  # a logged-in read: the session read is retried on a fresh connection
        await client.post("/cart/items", data={"product_id": str(lamp.id), "quantity": "1", "csrf_token": token}),
        await client.get("/"),
    ]
    session_cookies = dict(client.cookies)
    client.cookies.clear()
    assert await terminate_app_connections(services) > 0
    responses.append(await client.get("/"))  # no session: the catalog's own read meets the dead pool

    for response in responses:
        assert_succeeded_or_asked_to_retry(response)
    client.cookies.update(session_cookies)
    assert (await client.get("/cart")).status_code == 200  # and the pool has recovered by itself


@contextlib.asynccontextmanager
async def postgresql_unreachable(app: Litestar) -> AsyncIterator[None]:
    """Point the app's pool at a port where nothing listens (as during a restart), then back."""
    database = app.state.container.database
    dsn = database.engine.config["dsn"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    parts = urlsplit(dsn)
    await on_app_loop(app, database.disconnect)  # the pool lives on the app's event loop
    database.engine.config["dsn"] = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{closed_port}"))
    await on_app_loop(app, database.connect)  # no connection yet: the pool's minimum is 0
    try:
        yield
    finally:
        await on_app_loop(app, database.disconnect)
        database.engine.config["dsn"] = dsn
        await on_app_loop(app, database.connect)


async def test_while_postgresql_is_unreachable_pages_and_the_api_answer_503_with_retry_after(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    async with postgresql_unreachable(app):
        page = await client.get("/")
        api = await client.get("/api/v1/products/")
        ready = await client.get("/health/ready")
        live = await client.get("/health/live")

    for response in (page, api):
        assert response.status_code == 503 and response.headers["retry-after"], response.text
    assert "briefly unavailable" in page.text
    assert api.json() == {"error": "The shop is briefly unavailable. Please try again in a few seconds."}
    assert ready.status_code == 503
    assert ready.json()["checks"]["postgresql:responseTime"][0]["status"] == "fail"
    assert live.status_code == 200 and live.json() == {"status": "pass"}
    assert (await client.get("/")).status_code == 200  # back without restarting the app


async def test_shutdown_does_not_wait_for_a_connection_that_was_never_given_back(services: dict[str, str]):
    from app.adapters.database import Database

    database = Database(services["database_url"], pool_min_size=0, pool_max_size=2)
    await database.connect()
    pool = database.engine.pool
    assert pool is not None
    await pool.acquire()  # never released: a task cancelled at the wrong moment leaves one like this

    async with asyncio.timeout(10):  # without the bound, asyncpg's close() waits for it forever
        await database.disconnect(grace_seconds=0.2)

    assert database.engine.pool is None
    assert pool.is_closing()
