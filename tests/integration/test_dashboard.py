"""The admin dashboard's figures come from the database, SAQ and the recent-errors list."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.services.dashboard import RecentError
from tests.integration.conftest import ensure_user, login, make_user
from tests.integration.test_cart_and_checkout import ADDRESS, admin_of, product


async def test_dashboard_shows_sales_stock_carts_queue_and_errors(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice, bob = await make_user(shop, db, "alice"), await make_user(shop, db, "bob")
    lamp = await product(shop, admin, price="20.00", stock=12)
    await shop.carts.add_item(alice, lamp.id, 3)
    await shop.checkout.submit_cart(alice, address=ADDRESS)
    await shop.carts.add_item(bob, lamp.id, 2)
    await shop.recent_errors.record(
        RecentError(datetime(2026, 11, 26, tzinfo=UTC), "KeyError", "GET", "/boom", "req-boom")
    )

    board = await shop.dashboard.dashboard(admin)

    assert len(board.sales) == 14
    assert board.sales[-1].day == datetime.now(UTC).date()
    assert (board.orders_today, board.revenue_today) == (1, Decimal("60.00"))
    assert sum(day.orders for day in board.sales[:-1]) == 0
    assert [(item.name, item.stock_quantity) for item in board.low_stock] == [(lamp.name, 7)]
    assert [(cart.username, cart.items, cart.value) for cart in board.reserving_carts] == [("bob", 2, Decimal("40.00"))]
    assert board.recent_events[0].event_type in {"CartItemAdded", "StockReserved"}
    assert board.queue.error is None
    assert board.queue.outbox_unpublished == 0  # the relay published every event after its commit
    assert board.queue.queued >= 1  # no worker runs in this test: the delivery jobs wait
    assert [(e.error_type, e.path) for e in board.recent_errors] == [("KeyError", "/boom")]


async def test_pages_know_which_flags_are_on_for_the_user_from_the_next_request(
    app: Litestar, client: AsyncTestClient[Litestar]
):
    """Templates get `enabled_flags`, read per request: the dashboard says whether incidents are e-mailed."""
    await ensure_user(app, "admin", "admin-password", "admin")
    token = await login(client, "admin", "admin-password")
    before = (await client.get("/admin")).text

    created = await client.post(
        "/admin/flags",
        data={"name": "incident_email_notifications", "description": "", "enabled": "true", "csrf_token": token},
    )
    after = (await client.get("/admin")).text

    assert "The flag is off for you" in before
    assert created.status_code == 303
    assert "The flag is on for you, but <code>INCIDENT_RECIPIENTS</code> is empty" in after  # none in tests


async def test_a_dead_letter_counts_once_its_last_attempt_had_time_to_finish(shop: Any, db: asyncpg.Connection):
    """The dashboard and the `outbox_dead_letters` gauge share one definition (`DEAD_LETTER_SQL`)."""
    admin = await admin_of(shop, db)
    await product(shop, admin, price="5.00", stock=1)
    await db.execute("UPDATE outbox SET publish_attempts = 10, published_at = now(), delivered_at = NULL")

    just_tried = (await shop.dashboard.dashboard(admin)).queue.outbox_dead_letters
    await db.execute("UPDATE outbox SET published_at = now() - interval '10 minutes'")
    given_up = (await shop.dashboard.dashboard(admin)).queue.outbox_dead_letters

    rows = await db.fetchval("SELECT count(*) FROM outbox")  # the admin's registration and the product
    assert rows >= 2
    assert (just_tried, given_up) == (0, rows)
