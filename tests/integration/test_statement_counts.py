"""How many statements the web process sends to PostgreSQL, counted on the app's own pool.

Counted as asyncpg sends them: one message each, round trips. `BEGIN; SELECT set_config(…)` (the
tenant, set with the transaction's start: app.adapters.database.begin_in_tenant) is one.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.domain.users import UserContext
from tests.integration.conftest import csrf_from, ensure_user, login, on_app_loop
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
    assert (await client.get("/login")).status_code == 302  # warm: the once-a-minute touch, pool
    with log.recording() as statements:
        response = await client.get("/login")  # a logged-in user is sent on: nothing but who is asking
        await _settled(app)
    assert response.status_code == 302
    assert len(statements) == 1 and "session_context" in statements[0], statements  # was 8 (two transactions)


async def _api_customer(app: Litestar, client: AsyncTestClient[Litestar]) -> dict[str, str]:
    await ensure_user(app, "shopper", "shopper-password", "customer")
    response = await client.post("/api/v1/auth/login/", json={"username": "shopper", "password": "shopper-password"})
    assert response.status_code == 200, response.text
    return {"X-CSRFToken": (await client.get("/api/v1/auth/session/")).json()["csrf_token"]}


async def _product(app: Litestar) -> str:
    from app.domain.users import UserContext
    from app.settings import get_settings

    system = UserContext.system(get_settings().app.default_tenant_id)
    products = app.state.container.products
    product = await on_app_loop(
        app, products.create_product, system, name="Counted lamp", price="10.00", stock_quantity=50
    )
    return str(product.id)


async def test_an_api_add_and_remove_each_send_nine_statements(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    headers = await _api_customer(app, client)
    product_id = await _product(app)
    log = StatementLog(_pool(app))
    item = {"product_id": product_id, "quantity": 1}
    assert (await client.post("/api/v1/cart/items/", json=item, headers=headers)).status_code == 200  # cart row
    assert (await client.delete(f"/api/v1/cart/items/{product_id}/remove/", headers=headers)).status_code == 200
    with log.recording() as added:
        assert (await client.post("/api/v1/cart/items/", json=item, headers=headers)).status_code == 200
        await _settled(app)
    with log.recording() as removed:
        assert (await client.delete(f"/api/v1/cart/items/{product_id}/remove/", headers=headers)).status_code == 200
        await _settled(app)
    # Before: 16 logged (22 with the pool's reset queries): the flags, two events written row by row,
    # every product column rewritten, and BEGIN + tenant + UPDATE + COMMIT to mark the events published;
    # 12 while BEGIN and the tenant went apart, 11 while the relay marked the rows published after
    # enqueueing (now they are written published, and nothing follows the COMMIT but the enqueue), 10
    # while the cart's header and its line went in two statements.
    for statements in (added, removed):
        assert len(statements) == 9, statements
        assert sum(s.startswith("WITH header AS ( UPDATE cart SET") for s in statements) == 1
        assert statements[1].startswith("BEGIN; SELECT set_config('app.tenant_id', ")
        assert sum("INSERT INTO audit_log" in s for s in statements) == 1  # every event of the unit of work
        assert statements[-1] == "COMMIT"
    assert any(s.startswith('UPDATE "product" SET "stock_quantity" = $3, version = version + 1') for s in added)


async def test_an_htmx_add_shows_the_stock_it_reserved_without_reading_the_product_again(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    await ensure_user(app, "clicker", "clicker-password", "customer")
    await login(client, "clicker", "clicker-password")
    product_id = await _product(app)
    csrf = csrf_from((await client.get(f"/products/{product_id}")).text)
    log = StatementLog(_pool(app))
    form = {"product_id": product_id, "quantity": "2", "csrf_token": csrf}
    with log.recording() as statements:
        response = await client.post("/cart/items", data=form, headers={"HX-Request": "true"})
        await _settled(app)
    assert response.status_code == 200, response.text
    assert "48 in stock" in response.text  # 50 less the 2 just reserved
    product_reads = [s for s in statements if s.startswith("SELECT") and re.search(r'FROM "?product"?[ ;]', s)]
    assert len(product_reads) == 1 and product_reads[0].endswith("FOR UPDATE"), product_reads


async def test_the_worker_delivers_a_cart_adds_two_events_in_one_job_of_five_statements(
    shop: Any, db: asyncpg.Connection
) -> None:
    from app.adapters.live_stock import RedisStockChannel
    from app.settings import get_settings
    from app.tasks.subscribers import SUBSCRIBERS, live_stock
    from app.tasks.worker import deliver_event
    from tests.integration.conftest import make_user

    alice = await make_user(shop, db, "alice")
    product = await shop.products.create_product(
        UserContext.system(alice.tenant_id), name="Worker lamp", price="10.00", stock_quantity=5
    )
    await shop.carts.add_item(alice, product.id, 1)
    batch = await db.fetch(
        "SELECT event_id, event_type, batch_id FROM outbox WHERE batch_id = "
        "(SELECT batch_id FROM outbox WHERE event_type = 'StockReserved') ORDER BY event_type"
    )
    assert [row["event_type"] for row in batch] == ["CartItemAdded", "StockReserved"]  # one commit, one batch
    channel = RedisStockChannel(shop.redis, namespace=get_settings().worker.queue_name)
    ctx = {"database": shop.database, "subscribers": (*SUBSCRIBERS, live_stock(channel))}
    log = StatementLog(shop.database.engine.pool)
    with log.recording() as statements:
        outcome = await deliver_event(
            ctx, event_ids=[str(row["event_id"]) for row in batch], tenant_id=str(alice.tenant_id)
        )
        await asyncio.sleep(0)
    assert outcome == {"ran": ["count_domain_events", "publish_live_stock"], "skipped": []}
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL") == 2
    assert await db.fetchval("SELECT total FROM event_type_count WHERE event_type = 'StockReserved'") == 1
    # The read and the counter's transaction: BEGIN with the tenant, both claims and the batch's delivered
    # mark in one statement, both counts in one upsert, COMMIT. Before batches: 18 for these two events
    # (a job each: read, a transaction per subscriber, mark), 13 per event before the one-statement read
    # and mark; 8 while BEGIN and the tenant went apart, 7 while the mark was a statement of its own, 6
    # while the counter upserted each event apart.
    assert len(statements) == 5, statements
    assert statements[-1] == "COMMIT"
