"""The cart repository saves a cart's header and its changed lines in one statement (PiccoloCartRepository.save)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from app.adapters.database import Database
from app.adapters.unit_of_work import PiccoloUnitOfWorkFactory
from app.domain.errors import StaleVersion
from app.domain.products import Product
from app.domain.users import Role, User, UserContext
from app.settings import get_settings
from tests.support.factories import unique_name

TENANT = get_settings().app.default_tenant_id


@pytest.fixture
async def arranged(database: Database) -> tuple[PiccoloUnitOfWorkFactory, UserContext, list[Product]]:
    units = PiccoloUnitOfWorkFactory(database.engine, publisher=None)
    system = UserContext.system(TENANT)
    username = f"shopper-{uuid.uuid4().hex[:8]}"
    shopper = User.register(tenant_id=TENANT, username=username, password_hash="x", role=Role.CUSTOMER)
    products = [Product.create(tenant_id=TENANT, name=unique_name(), price="5.00", stock_quantity=9) for _ in range(3)]
    async with units(system) as uow:
        uow.users.add(shopper)
        for product in products:
            uow.products.add(product)
        await uow.commit()
    customer = UserContext(user_id=shopper.id, username=username, role=Role.CUSTOMER, tenant_id=TENANT)
    return units, customer, products


async def lines(db: asyncpg.Connection, user: UserContext) -> dict[uuid.UUID, tuple[uuid.UUID, int]]:
    rows = await db.fetch(
        "SELECT i.product_id, i.id, i.quantity FROM cart_item i JOIN cart c ON c.id = i.cart_id WHERE c.user_id = $1",
        user.user_id,
    )
    return {row["product_id"]: (row["id"], row["quantity"]) for row in rows}


async def one_in_cart(units: PiccoloUnitOfWorkFactory, shopper: UserContext, product: Product) -> None:
    async with units(shopper) as uow:
        (await uow.carts.for_user(shopper.user_id)).add_item(product, 1)
        await uow.commit()


async def test_lines_added_changed_and_removed_together_are_saved_with_the_header(
    arranged: tuple[PiccoloUnitOfWorkFactory, UserContext, list[Product]], db: asyncpg.Connection
):
    units, shopper, (lamp, chair, desk) = arranged
    async with units(shopper) as uow:
        cart = await uow.carts.for_user(shopper.user_id)
        cart.add_item(lamp, 1)
        cart.add_item(chair, 2)
        await uow.commit()
    version = await db.fetchval("SELECT version FROM cart WHERE user_id = $1", shopper.user_id)

    async with units(shopper) as uow:
        cart = await uow.carts.for_user(shopper.user_id)
        cart.change_quantity(lamp, 3)
        cart.remove_item(chair)
        cart.add_item(desk, 1)
        await uow.commit()

    saved = await lines(db, shopper)
    assert {product: quantity for product, (_, quantity) in saved.items()} == {lamp.id: 3, desk.id: 1}
    assert await db.fetchval("SELECT version FROM cart WHERE user_id = $1", shopper.user_id) == version + 1
    assert cart.version == version + 1


async def test_a_product_removed_and_added_again_in_one_unit_gets_a_new_line(
    arranged: tuple[PiccoloUnitOfWorkFactory, UserContext, list[Product]], db: asyncpg.Connection
):
    units, shopper, (lamp, _, _) = arranged
    await one_in_cart(units, shopper, lamp)
    first_line, _ = (await lines(db, shopper))[lamp.id]

    async with units(shopper) as uow:  # UNIQUE (cart_id, product_id): the removal must go first
        cart = await uow.carts.for_user(shopper.user_id)
        cart.remove_item(lamp)
        cart.add_item(lamp, 4)
        await uow.commit()

    line, quantity = (await lines(db, shopper))[lamp.id]
    assert (line != first_line, quantity) == (True, 4)


async def test_a_cart_changed_by_someone_else_meanwhile_is_stale_and_none_of_its_lines_are_saved(
    arranged: tuple[PiccoloUnitOfWorkFactory, UserContext, list[Product]], db: asyncpg.Connection
):
    units, shopper, (lamp, chair, _) = arranged
    await one_in_cart(units, shopper, lamp)

    with pytest.raises(StaleVersion):
        async with units(shopper) as uow:
            cart = await uow.carts.for_user(shopper.user_id, lock=False)  # as the optimistic strategy reads
            await db.execute("UPDATE cart SET version = version + 1 WHERE user_id = $1", shopper.user_id)
            cart.add_item(chair, 1)
            cart.change_quantity(lamp, 2)
            await uow.commit()

    assert {product: quantity for product, (_, quantity) in (await lines(db, shopper)).items()} == {lamp.id: 1}
