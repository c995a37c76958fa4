"""Product administration on real PostgreSQL: optimistic edits, soft delete and restore, races on names."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from app.domain.errors import (
    DuplicateProductName,
    ProductAlreadyDeleted,
    ProductNotDeleted,
    StaleVersion,
    ValidationError,
)
from app.services.products import ProductInCart
from tests.integration.conftest import make_user
from tests.integration.test_cart_and_checkout import admin_of, product


async def test_an_edit_against_an_old_version_is_refused_and_changes_nothing(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    lamp = await product(shop, admin, price="10.00")

    edited = await shop.products.update_product(admin, lamp.id, expected_version=1, price="12.00")
    with pytest.raises(StaleVersion):
        await shop.products.update_product(admin, lamp.id, expected_version=1, price="99.00")

    assert edited.version == 2
    assert await db.fetchval("SELECT price FROM product WHERE id = $1", lamp.id) == Decimal("12.00")
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE event_type = 'ProductUpdated'") == 1


async def test_concurrent_edits_of_one_version_let_exactly_one_through(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    lamp = await product(shop, admin, stock=5)

    results = await asyncio.gather(
        *(shop.products.update_product(admin, lamp.id, expected_version=1, stock_quantity=n) for n in range(10, 16)),
        return_exceptions=True,
    )

    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, StaleVersion) for r in results if isinstance(r, Exception))
    assert await db.fetchval("SELECT version FROM product WHERE id = $1", lamp.id) == 2


async def test_price_changes_never_reach_cart_lines(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin, price="10.00")
    await shop.carts.add_item(alice, lamp.id, 1)

    await shop.products.update_product(admin, lamp.id, expected_version=2, price="15.00")  # reserve bumped v2

    assert (await shop.carts.get_cart(alice)).items[0].unit_price == Decimal("10.00")


async def test_a_product_in_a_cart_cannot_be_deleted_but_an_ordered_one_can(shop: Any, db: asyncpg.Connection):
    from tests.integration.test_cart_and_checkout import ADDRESS

    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin)
    await shop.carts.add_item(alice, lamp.id, 1)

    with pytest.raises(ProductInCart, match="currently in a cart"):
        await shop.products.delete_product(admin, lamp.id)
    await shop.checkout.submit_cart(alice, address=ADDRESS)
    deleted = await shop.products.delete_product(admin, lamp.id)

    assert deleted.is_deleted
    with pytest.raises(ProductAlreadyDeleted):
        await shop.products.delete_product(admin, lamp.id)
    restored = await shop.products.restore_product(admin, lamp.id)
    assert not restored.is_deleted
    with pytest.raises(ProductNotDeleted):
        await shop.products.restore_product(admin, lamp.id)


async def test_restoring_is_refused_while_another_live_product_has_the_name(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    old = await product(shop, admin)
    await shop.products.delete_product(admin, old.id)
    await shop.products.create_product(admin, name=old.name, price="1.00", stock_quantity=1)

    with pytest.raises(DuplicateProductName):
        await shop.products.restore_product(admin, old.id)


async def test_simultaneous_creates_of_one_name_give_one_product_and_clear_errors(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)

    results = await asyncio.gather(
        *(shop.products.create_product(admin, name="Racing Lamp", price="5.00", stock_quantity=1) for _ in range(6)),
        return_exceptions=True,
    )

    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, ValidationError) for r in results if isinstance(r, Exception))
    assert await db.fetchval("SELECT count(*) FROM product WHERE name = 'Racing Lamp'") == 1
