"""The per-tenant product counter (ADR 0018) against `count(*)`, on real PostgreSQL under row-level security."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from app.adapters.database import SET_TENANT_SQL
from app.domain.pagination import Count, PageRequest
from app.domain.users import Role, UserContext
from app.services.read_models import CatalogFilter
from app.settings import get_settings
from tests.integration.test_cart_and_checkout import admin_of, product

OUTLET = UUID("00000000-0000-4000-8000-0000000000aa")


async def outlet_admin(shop: Any, db: asyncpg.Connection) -> UserContext:
    await db.execute("INSERT INTO tenant (id, slug, name) VALUES ($1, 'outlet', 'Emporium Outlet')", OUTLET)
    await shop.auth.ensure_user(OUTLET, "outlet-admin", "outlet-admin-password", Role.ADMIN)
    user_id = await db.fetchval("SELECT id FROM app_user WHERE username = 'outlet-admin' AND tenant_id = $1", OUTLET)
    return UserContext(user_id=user_id, username="outlet-admin", role=Role.ADMIN, tenant_id=OUTLET)


async def counted(db: asyncpg.Connection, tenant_id: UUID) -> tuple[int, int]:
    """(live, deleted) from the counter, as the owner sees it."""
    row = await db.fetchrow("SELECT live, deleted FROM product_count WHERE tenant_id = $1", tenant_id)
    return (row["live"], row["deleted"]) if row else (0, 0)


async def actual(db: asyncpg.Connection, tenant_id: UUID) -> tuple[int, int]:
    """(live, deleted) by `count(*)` over the products."""
    row = await db.fetchrow(
        "SELECT count(*) FILTER (WHERE deleted_at IS NULL) AS live, count(*) FILTER (WHERE deleted_at IS NOT NULL) "
        "AS deleted FROM product WHERE tenant_id = $1",
        tenant_id,
    )
    return row["live"], row["deleted"]


async def test_the_counter_follows_create_soft_delete_and_restore_in_each_tenant(shop: Any, db: asyncpg.Connection):
    ours, theirs = await admin_of(shop, db), await outlet_admin(shop, db)
    home = get_settings().app.default_tenant_id

    mine = [await product(shop, ours) for _ in range(3)]
    other = [await product(shop, theirs) for _ in range(2)]
    assert await counted(db, home) == await actual(db, home) == (3, 0)
    assert await counted(db, OUTLET) == await actual(db, OUTLET) == (2, 0)

    await shop.products.delete_product(ours, mine[0].id)
    await shop.products.delete_product(theirs, other[0].id)
    await shop.products.delete_product(theirs, other[1].id)
    assert await counted(db, home) == await actual(db, home) == (2, 1)
    assert await counted(db, OUTLET) == await actual(db, OUTLET) == (0, 2)

    await shop.products.restore_product(theirs, other[1].id)
    await shop.products.update_product(ours, mine[1].id, expected_version=1, price="12.00")  # not a move
    assert await counted(db, home) == await actual(db, home) == (2, 1)
    assert await counted(db, OUTLET) == await actual(db, OUTLET) == (1, 1)


async def test_unfiltered_counts_read_the_counter_and_agree_with_filtered_ones(shop: Any, db: asyncpg.Connection):
    ours, theirs = await admin_of(shop, db), await outlet_admin(shop, db)
    mine = [await product(shop, ours, stock=0 if n % 2 else 4) for n in range(5)]
    await product(shop, theirs)
    await shop.products.delete_product(ours, mine[0].id)
    # Only the counter says 99 now, so the answers below come from it, not from counting rows.
    home = get_settings().app.default_tenant_id
    await db.execute("UPDATE product_count SET live = 99 WHERE tenant_id = $1", home)

    listed = await shop.catalog.list_products(ours, CatalogFilter(), PageRequest())
    browsed = await shop.catalog.browse_products(ours, CatalogFilter(), count_up_to=1000)
    everything = await shop.catalog.list_products(ours, CatalogFilter(include_deleted=True), PageRequest())
    in_stock = await shop.catalog.list_products(ours, CatalogFilter(in_stock_only=True), PageRequest())
    past_the_end = await shop.catalog.list_products(ours, CatalogFilter(), PageRequest(page=9))

    assert listed.total_count == 99 and len(listed.items) == 4
    assert browsed.count == Count(99)
    assert everything.total_count == 100
    assert in_stock.total_count == 2  # filtered: counted over the rows
    assert past_the_end.total_count == 99 and past_the_end.items == []
    theirs_listed = await shop.catalog.list_products(theirs, CatalogFilter(), PageRequest())
    assert theirs_listed.total_count == 1


async def test_concurrent_creates_leave_the_counter_exact(shop: Any, db: asyncpg.Connection):
    ours, theirs = await admin_of(shop, db), await outlet_admin(shop, db)

    # The service on its pool: each create is its own transaction on its own connection.
    await asyncio.gather(*(product(shop, admin) for admin in [ours, theirs] * 6))
    home = get_settings().app.default_tenant_id
    assert await counted(db, home) == await actual(db, home) == (6, 0)
    assert await counted(db, OUTLET) == await actual(db, OUTLET) == (6, 0)

    # Eight application-role connections, each inserting in a transaction of its own, all started before any
    # commits: the later ones wait on the tenant's counter row until the earlier ones commit or roll back.
    connections = [await asyncpg.connect(shop_database_url()) for _ in range(8)]
    try:
        transactions = [connection.transaction() for connection in connections]
        for connection, transaction in zip(connections, transactions, strict=True):
            await transaction.start()
            await connection.execute(SET_TENANT_SQL, str(home))

        async def insert_then_end(n: int) -> None:
            connection, transaction = connections[n], transactions[n]
            await connection.execute(
                "INSERT INTO product (id, tenant_id, name, price, stock_quantity) VALUES ($1, $2, $3, 1, 1)",
                uuid4(),
                home,
                f"Parallel lamp {n}",
            )
            await (transaction.rollback() if n % 4 == 3 else transaction.commit())

        await asyncio.gather(*(insert_then_end(n) for n in range(8)))
    finally:
        await asyncio.gather(*(connection.close() for connection in connections))

    assert await counted(db, home) == await actual(db, home) == (12, 0)  # 6 + 8 - the 2 rolled back


async def test_the_application_role_can_read_only_its_tenants_counter_and_not_write_it(
    shop: Any, db: asyncpg.Connection
):
    ours, theirs = await admin_of(shop, db), await outlet_admin(shop, db)
    await product(shop, ours)
    await product(shop, theirs)
    connection = await asyncpg.connect(shop_database_url())
    try:
        async with connection.transaction():
            await connection.execute(SET_TENANT_SQL, str(OUTLET))
            assert [tuple(r) for r in await connection.fetch("SELECT tenant_id, live FROM product_count")] == [
                (OUTLET, 1)
            ]
        async with connection.transaction():
            await connection.execute(SET_TENANT_SQL, str(OUTLET))
            try:
                await connection.execute("UPDATE product_count SET live = 7")
            except asyncpg.InsufficientPrivilegeError:
                pass
            else:
                raise AssertionError("the application role updated the counter")
    finally:
        await connection.close()
    assert await counted(db, OUTLET) == (1, 0)


def shop_database_url() -> str:
    return get_settings().database.url
