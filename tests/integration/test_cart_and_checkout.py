"""Carts, stock reservation and checkout on real PostgreSQL: the rules of domain.md, end to end."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from app.domain.addresses import AddressVerificationFailed
from app.domain.carts import CartItemNotFound, EmptyCart
from app.domain.coupons import Coupon, CouponAlreadyUsed, CouponExpired, CouponNotFound
from app.domain.errors import InsufficientStock, ProductNotFound, ValidationError
from app.domain.events import utc_now
from app.domain.orders import Order
from app.domain.users import UserContext
from app.services.idempotency import AlreadyAnswered, IdempotencyKeyReused, IdempotentRequest, StoredResponse
from app.settings import get_settings
from tests.integration.conftest import make_user
from tests.support.factories import unique_name

ADDRESS = {
    "street_line_1": "123 Main St",
    "street_line_2": "Apt 4",
    "city": "Springfield",
    "state": "il",
    "postal_code": "62701",
    "country": "us",
}


async def admin_of(shop: Any, db: asyncpg.Connection) -> UserContext:
    return await make_user(shop, db, "admin", "admin")


async def product(shop: Any, admin: UserContext, *, price: str = "10.00", stock: int = 5) -> Any:
    return await shop.products.create_product(admin, name=unique_name(), price=price, stock_quantity=stock)


async def stock_of(db: asyncpg.Connection, product_id: Any) -> int:
    return await db.fetchval("SELECT stock_quantity FROM product WHERE id = $1", product_id)


async def coupon(shop: Any, admin: UserContext, code: str, percent: str, *, expires_in: timedelta) -> Coupon:
    created = Coupon.create(
        tenant_id=admin.tenant_id, code=code, discount_percent=percent, expires_at=utc_now() + expires_in
    )
    async with shop_uow(shop, admin) as uow:
        uow.coupons.add(created)
        await uow.commit()
    return created


def shop_uow(shop: Any, actor: UserContext) -> Any:
    return shop.carts._uow(actor)


async def test_adding_reserves_stock_and_merges_lines(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin, stock=5)

    await shop.carts.add_item(alice, lamp.id, 2)
    cart = await shop.carts.add_item(alice, lamp.id, 1)

    assert [(line.product_id, line.quantity) for line in cart.items] == [(lamp.id, 3)]
    assert await stock_of(db, lamp.id) == 2
    assert cart.item_count == 3 and cart.total == Decimal("30.00")


async def test_insufficient_stock_changes_neither_cart_nor_stock(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin, stock=2)
    await shop.carts.add_item(alice, lamp.id, 1)

    with pytest.raises(InsufficientStock, match=r"requested 2, available 1"):
        await shop.carts.add_item(alice, lamp.id, 2)

    assert await stock_of(db, lamp.id) == 1
    assert [line.quantity for line in (await shop.carts.get_cart(alice)).items] == [1]


async def test_changing_quantity_reserves_or_releases_the_difference(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin, stock=10)
    await shop.carts.add_item(alice, lamp.id, 2)

    await shop.carts.change_quantity(alice, lamp.id, 7)
    assert await stock_of(db, lamp.id) == 3
    await shop.carts.change_quantity(alice, lamp.id, 1)
    assert await stock_of(db, lamp.id) == 9
    with pytest.raises(ValidationError, match="whole number from 1 to 10,000"):
        await shop.carts.change_quantity(alice, lamp.id, 0)
    with pytest.raises(InsufficientStock, match="requested 10, available 9"):
        await shop.carts.change_quantity(alice, lamp.id, 11)
    assert await stock_of(db, lamp.id) == 9


async def test_removing_releases_the_whole_line(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin, stock=4)
    await shop.carts.add_item(alice, lamp.id, 4)

    cart = await shop.carts.remove_item(alice, lamp.id)

    assert cart.is_empty
    assert await stock_of(db, lamp.id) == 4
    with pytest.raises(CartItemNotFound):
        await shop.carts.remove_item(alice, lamp.id)


async def test_deleted_or_unknown_products_cannot_be_added(shop: Any, db: asyncpg.Connection):
    import uuid

    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin)
    await db.execute("UPDATE product SET deleted_at = now() WHERE id = $1", lamp.id)

    with pytest.raises(ProductNotFound):
        await shop.carts.add_item(alice, lamp.id, 1)
    with pytest.raises(ProductNotFound):
        await shop.carts.add_item(alice, uuid.uuid4(), 1)


async def test_a_line_keeps_the_price_it_was_added_at(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin, price="10.00")
    await shop.carts.add_item(alice, lamp.id, 1)
    await db.execute("UPDATE product SET price = 99.00, name = 'Renamed' WHERE id = $1", lamp.id)

    cart = await shop.carts.add_item(alice, lamp.id, 1)

    assert (cart.items[0].unit_price, cart.items[0].product_name) == (Decimal("10.00"), lamp.name)


async def test_submitting_places_an_order_with_a_coupon_and_empties_the_cart(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin, price="988.96", stock=3)
    await coupon(shop, admin, "SAVE10", "10", expires_in=timedelta(days=1))
    await shop.carts.add_item(alice, lamp.id, 1)

    preview = await shop.checkout.preview_coupon(alice, "save10")
    order = await shop.checkout.submit_cart(alice, address=ADDRESS, coupon_code="save10")

    assert preview.discount == order.discount == Decimal("98.90")  # 98.896 rounds half-up
    assert (order.subtotal, order.total, order.coupon_code) == (Decimal("988.96"), Decimal("890.06"), "SAVE10")
    assert order.shipping_address.street_line_1 == "123 MAIN ST"
    assert order.shipping_address.verification_id == "STUB-62701"
    assert (await shop.carts.get_cart(alice)).is_empty
    assert await stock_of(db, lamp.id) == 2  # sold: stays out of stock
    events = await db.fetch("SELECT event_type FROM audit_log WHERE event_type IN ('OrderCreated','CouponApplied')")
    assert sorted(e["event_type"] for e in events) == ["CouponApplied", "OrderCreated"]

    [listed] = await shop.orders.list_orders(alice)
    assert (listed.id, listed.total, len(listed.items)) == (order.id, Decimal("890.06"), 1)


async def test_a_coupon_works_once_per_customer(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin, stock=5)
    await coupon(shop, admin, "ONCE", "50", expires_in=timedelta(days=1))
    await shop.carts.add_item(alice, lamp.id, 1)
    await shop.checkout.submit_cart(alice, address=ADDRESS, coupon_code="ONCE")
    await shop.carts.add_item(alice, lamp.id, 1)

    with pytest.raises(CouponAlreadyUsed):
        await shop.checkout.preview_coupon(alice, "once")
    with pytest.raises(CouponAlreadyUsed):
        await shop.checkout.submit_cart(alice, address=ADDRESS, coupon_code="ONCE")
    assert not (await shop.carts.get_cart(alice)).is_empty  # a refused submit changes nothing


async def test_refused_submissions_leave_the_cart_as_it_was(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin, stock=5)
    await coupon(shop, admin, "OLD", "10", expires_in=timedelta(days=1))
    await db.execute("UPDATE coupon SET expires_at = now() - interval '1 minute' WHERE code = 'OLD'")

    with pytest.raises(EmptyCart):
        await shop.checkout.submit_cart(alice, address=ADDRESS)
    await shop.carts.add_item(alice, lamp.id, 2)
    for street, outcome in [("1 Invalid Rd", "invalid"), ("2 Undeliverable Way", "undeliverable")]:
        with pytest.raises(AddressVerificationFailed) as refused:
            await shop.checkout.submit_cart(alice, address={**ADDRESS, "street_line_1": street})
        assert refused.value.outcome == outcome
    with pytest.raises(AddressVerificationFailed, match="temporarily unavailable"):
        await shop.checkout.submit_cart(alice, address={**ADDRESS, "street_line_1": "3 Unavailable St"})
    with pytest.raises(ValidationError) as missing:
        await shop.checkout.submit_cart(alice, address={"street_line_1": "", "city": ""})
    assert {"street_line_1", "city", "state", "postal_code"} <= set(missing.value.errors)
    with pytest.raises(CouponNotFound):
        await shop.checkout.submit_cart(alice, address=ADDRESS, coupon_code="NOPE")
    with pytest.raises(CouponExpired):
        await shop.checkout.submit_cart(alice, address=ADDRESS, coupon_code="old")

    assert [line.quantity for line in (await shop.carts.get_cart(alice)).items] == [2]
    assert await db.fetchval("SELECT count(*) FROM customer_order") == 0


def confirmation(order: Order) -> StoredResponse:
    return StoredResponse(303, b"", {"Location": f"/orders/{order.id}"})


def form_key(fingerprint: str = "f" * 64) -> IdempotentRequest:
    """A checkout form's token as the HTML checkout sends it: a key that waits for a first submit in flight."""
    return IdempotentRequest(key="form-token-1", fingerprint=fingerprint, respond=confirmation, wait=True)


async def test_five_submits_of_one_checkout_form_at_once_place_one_order(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin, stock=5)
    await shop.carts.add_item(alice, lamp.id, 1)

    results = await asyncio.gather(
        *(shop.checkout.submit_cart(alice, address=ADDRESS, idempotency=form_key()) for _ in range(5)),
        return_exceptions=True,
    )

    [order] = [r for r in results if isinstance(r, Order)]
    replays = [r for r in results if isinstance(r, AlreadyAnswered)]
    assert len(replays) == 4, results  # they waited for the first, none was refused as in flight
    assert {(r.response.status, r.response.headers["Location"]) for r in replays} == {(303, f"/orders/{order.id}")}
    assert await db.fetchval("SELECT count(*) FROM customer_order") == 1
    record = await db.fetchrow("SELECT user_id, key, status FROM idempotency_record")
    assert dict(record) == {"user_id": alice.user_id, "key": "form-token-1", "status": 303}


async def test_a_checkout_form_token_sent_with_other_details_places_nothing(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice = await make_user(shop, db, "alice")
    lamp = await product(shop, admin, stock=5)
    await shop.carts.add_item(alice, lamp.id, 1)
    await shop.checkout.submit_cart(alice, address=ADDRESS, idempotency=form_key())
    await shop.carts.add_item(alice, lamp.id, 1)

    with pytest.raises(IdempotencyKeyReused):
        await shop.checkout.submit_cart(alice, address=ADDRESS, idempotency=form_key(fingerprint="0" * 64))

    assert await db.fetchval("SELECT count(*) FROM customer_order") == 1
    assert [line.quantity for line in (await shop.carts.get_cart(alice)).items] == [1]


async def test_admins_see_every_order_and_customers_only_theirs(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice, bob = await make_user(shop, db, "alice"), await make_user(shop, db, "bob")
    lamp = await product(shop, admin, stock=5)
    for shopper in (alice, bob):
        await shop.carts.add_item(shopper, lamp.id, 1)
        await shop.checkout.submit_cart(shopper, address=ADDRESS)

    assert [o.username for o in await shop.orders.list_orders(alice)] == ["alice"]
    assert [o.username for o in await shop.orders.list_orders(admin)] == ["bob", "alice"]
    bobs = (await shop.orders.list_orders(bob))[0]
    from app.domain.orders import OrderNotFound

    with pytest.raises(OrderNotFound):
        await shop.orders.get_order(alice, bobs.id)
    assert (await shop.orders.get_order(admin, bobs.id)).username == "bob"


async def test_anonymous_visitors_have_no_cart(shop: Any, db: asyncpg.Connection):
    from app.domain.errors import AuthenticationRequired

    with pytest.raises(AuthenticationRequired):
        await shop.carts.get_cart(UserContext.anonymous(get_settings().app.default_tenant_id))
