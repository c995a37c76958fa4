"""Parallel shoppers on real PostgreSQL: no interleaving oversells, deadlocks or loses a reservation."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from app.domain.errors import DomainError, InsufficientStock, StockContention
from app.domain.events import utc_now
from app.main import build_container
from app.settings import DatabaseSettings, get_settings
from tests.integration.conftest import make_user
from tests.integration.test_cart_and_checkout import ADDRESS, admin_of, product, stock_of
from tests.integration.test_event_backbone import wait_for
from tests.support.worker import running_worker

CLIENTS = 24
STRATEGIES = ["pessimistic", "optimistic"]
"""Pass to `@pytest.mark.parametrize("shop", STRATEGIES, indirect=True)`: the shop then runs that stock locking."""


@pytest.fixture
async def shop(request: pytest.FixtureRequest, db: asyncpg.Connection, redis_client: Any) -> AsyncIterator[Any]:
    """A pool with a connection per client, so every client's transaction really runs in parallel."""
    settings = get_settings()
    settings = dataclasses.replace(
        settings,
        database=DatabaseSettings(url=settings.database.url, pool_min_size=CLIENTS, pool_max_size=CLIENTS),
        shop=dataclasses.replace(settings.shop, stock_locking=getattr(request, "param", "pessimistic")),
    )
    container = build_container(settings)
    await container.database.connect()
    await container.queue.connect()
    yield container
    await container.close()


async def customers(shop: Any, db: asyncpg.Connection, count: int) -> list[Any]:
    return [await make_user(shop, db, f"shopper{i:02d}") for i in range(count)]


async def reserved(db: asyncpg.Connection, product_id: Any) -> int:
    return await db.fetchval("SELECT coalesce(sum(quantity), 0) FROM cart_item WHERE product_id = $1", product_id)


async def sold(db: asyncpg.Connection, product_id: Any) -> int:
    return await db.fetchval("SELECT coalesce(sum(quantity), 0) FROM order_item WHERE product_id = $1", product_id)


@pytest.mark.parametrize("shop", STRATEGIES, indirect=True)
async def test_parallel_shoppers_buying_the_last_unit_never_oversell(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    last_unit = await product(shop, admin, stock=1)
    shoppers = await customers(shop, db, 20)
    start = asyncio.Event()

    async def buy(shopper: Any) -> str:
        await start.wait()
        try:
            await shop.carts.add_item(shopper, last_unit.id, 1)
            await shop.checkout.submit_cart(shopper, address=ADDRESS)
            return "bought"
        except InsufficientStock:
            return "sold out"
        except StockContention:
            return "try again"

    tasks = [asyncio.create_task(buy(s)) for s in shoppers]
    start.set()
    outcomes = await asyncio.gather(*tasks)

    assert outcomes.count("bought") == 1
    assert outcomes.count("sold out") + outcomes.count("try again") == 19
    assert await stock_of(db, last_unit.id) == 0
    assert await sold(db, last_unit.id) == 1
    assert await reserved(db, last_unit.id) == 0


@pytest.mark.parametrize("shop", STRATEGIES, indirect=True)
async def test_twenty_buyers_racing_for_the_last_hundred_units_take_exactly_a_hundred(
    shop: Any, db: asyncpg.Connection
):
    admin = await admin_of(shop, db)
    last_units = await product(shop, admin, stock=100)
    shoppers = await customers(shop, db, 20)
    start = asyncio.Event()

    async def buy_until_sold_out(shopper: Any, seed: int) -> int:
        """Adds 1-3 units at a time (what is left, when less), checking out every other add; "try again" is retried."""
        local, bought, adds = random.Random(seed), 0, 0
        await start.wait()
        while True:
            wanted = local.randint(1, 3)
            try:
                await shop.carts.add_item(shopper, last_units.id, wanted)
            except InsufficientStock as refused:
                if refused.available == 0:
                    break
                wanted = refused.available
                continue
            except StockContention:
                continue
            bought, adds = bought + wanted, adds + 1
            if adds % 2 == 0:
                await shop.checkout.submit_cart(shopper, address=ADDRESS)
        if not (await shop.carts.get_cart(shopper)).is_empty:
            await shop.checkout.submit_cart(shopper, address=ADDRESS)
        return bought

    tasks = [asyncio.create_task(buy_until_sold_out(s, i)) for i, s in enumerate(shoppers)]
    start.set()
    bought = await asyncio.gather(*tasks)

    assert sum(bought) == 100
    assert await stock_of(db, last_units.id) == 0
    assert await sold(db, last_units.id) == 100
    assert await reserved(db, last_units.id) == 0
    # Every committed reservation saw its own stock level: none was lost or applied twice.
    total, levels, count, lowest = await db.fetchrow(
        "SELECT sum((payload->>'quantity')::int), count(DISTINCT payload->>'stock_left'), count(*), "
        "min((payload->>'stock_left')::int) FROM audit_log WHERE event_type = 'StockReserved'"
    )
    assert (total, levels, lowest) == (100, count, 0)


@pytest.mark.parametrize("shop", STRATEGIES, indirect=True)
async def test_random_interleavings_keep_stock_lines_and_orders_in_balance(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    products = [await product(shop, admin, stock=15) for _ in range(3)]
    shoppers = await customers(shop, db, CLIENTS)
    rng = random.Random(20261126)
    start = asyncio.Event()

    async def shop_around(shopper: Any, seed: int) -> None:
        local = random.Random(seed)
        await start.wait()
        for _ in range(8):
            target = local.choice(products).id
            action = local.choice(["add", "add", "change", "remove", "submit"])
            try:
                if action == "add":
                    await shop.carts.add_item(shopper, target, local.randint(1, 3))
                elif action == "change":
                    await shop.carts.change_quantity(shopper, target, local.randint(1, 4))
                elif action == "remove":
                    await shop.carts.remove_item(shopper, target)
                else:
                    await shop.checkout.submit_cart(shopper, address=ADDRESS)
            except DomainError:
                pass  # refused operations (sold out, not in cart, empty cart) must change nothing

    tasks = [asyncio.create_task(shop_around(s, rng.randint(0, 10**6))) for s in shoppers]
    start.set()
    await asyncio.gather(*tasks)

    for item in products:
        stock, in_carts, in_orders = await stock_of(db, item.id), await reserved(db, item.id), await sold(db, item.id)
        assert stock >= 0
        assert stock + in_carts + in_orders == 15, (stock, in_carts, in_orders)
    events = await db.fetchval("SELECT count(*) FROM audit_log WHERE event_type IN ('StockReserved','StockReleased')")
    assert events > 0


async def test_expiry_run_twice_at_once_releases_a_stale_cart_once(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    lamp = await product(shop, admin, stock=5)
    alice = await make_user(shop, db, "alice")
    await shop.carts.add_item(alice, lamp.id, 3)
    later = utc_now() + shop.carts.reservation_hold + timedelta(minutes=1)
    system = type(alice).system(alice.tenant_id)

    results = await asyncio.gather(*(shop.carts.expire_stale_carts(system, now=later) for _ in range(2)))

    assert sorted(results) == [0, 1]
    assert await stock_of(db, lamp.id) == 5
    assert await reserved(db, lamp.id) == 0
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE event_type = 'CartExpired'") == 1
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE event_type = 'CartItemRemoved'") == 1
    assert await shop.carts.expire_stale_carts(system, now=later) == 0


async def test_a_cart_in_use_is_not_expired(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    lamp = await product(shop, admin, stock=5)
    alice = await make_user(shop, db, "alice")
    await shop.carts.add_item(alice, lamp.id, 1)
    system = type(alice).system(alice.tenant_id)

    assert await shop.carts.expire_stale_carts(system) == 0
    assert await reserved(db, lamp.id) == 1


async def test_an_expired_but_unswept_reservation_does_not_block_another_shopper(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    lamp = await product(shop, admin, stock=2)
    alice, bob = await make_user(shop, db, "alice"), await make_user(shop, db, "bob")
    await shop.carts.add_item(alice, lamp.id, 2)
    await db.execute("UPDATE cart SET last_activity_at = now() - interval '2 hours'")

    cart = await shop.carts.add_item(bob, lamp.id, 1)

    assert [line.quantity for line in cart.items] == [1]
    assert (await shop.carts.get_cart(alice)).is_empty
    assert await stock_of(db, lamp.id) == 1
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE event_type = 'CartExpired'") == 1


async def test_the_scheduled_job_expires_carts_idle_past_the_hold(shop: Any, db: asyncpg.Connection):
    from types import SimpleNamespace

    from app.tasks.worker import expire_reservations_job

    admin = await admin_of(shop, db)
    lamp = await product(shop, admin, stock=5)
    alice, bob = await make_user(shop, db, "alice"), await make_user(shop, db, "bob")
    await shop.carts.add_item(alice, lamp.id, 2)
    await shop.carts.add_item(bob, lamp.id, 1)
    await db.execute(
        "UPDATE cart SET last_activity_at = now() - interval '31 minutes' WHERE user_id = $1", alice.user_id
    )

    ctx = {"carts": shop.carts, "database": shop.database, "job": SimpleNamespace(id="test-job")}
    assert await expire_reservations_job(ctx) == 1
    assert await expire_reservations_job(ctx) == 0

    assert await stock_of(db, lamp.id) == 4
    assert await reserved(db, lamp.id) == 1  # bob's fresh reservation stands
    request_id = await db.fetchval("SELECT request_id FROM audit_log WHERE event_type = 'CartExpired'")
    assert request_id == "job:expire_reservations:test-job"


async def test_the_worker_schedules_the_expiry_job_by_itself(
    shop: Any, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
):
    """The real worker, built from `app.tasks.worker.settings` as `saq` builds it, expires a stale cart unasked."""
    admin = await admin_of(shop, db)
    lamp = await product(shop, admin, stock=5)
    alice = await make_user(shop, db, "alice")
    await shop.carts.add_item(alice, lamp.id, 2)
    await db.execute(
        "UPDATE cart SET last_activity_at = now() - interval '31 minutes' WHERE user_id = $1", alice.user_id
    )

    async def released() -> bool:
        return await stock_of(db, lamp.id) == 5

    async with running_worker(monkeypatch, CART_EXPIRY_SWEEP_SECONDS="1"):
        await wait_for(released)

    assert await db.fetchval("SELECT request_id FROM audit_log WHERE event_type = 'CartExpired'") is not None
    assert await db.fetchval("SELECT count(*) FROM cart_item") == 0
