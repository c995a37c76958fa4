"""Repositories of the shopping aggregates: carts (with their lines), orders and coupons."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal
from uuid import UUID

from app.adapters.repositories import TrackedRepository, transaction_connection
from app.domain.carts import Cart, CartItem
from app.domain.coupons import Coupon
from app.domain.errors import StaleVersion
from app.domain.orders import Order
from app.tables import tables as t


class PiccoloCartRepository(TrackedRepository):
    def __init__(self, tenant_id: UUID) -> None:
        super().__init__()
        self._tenant_id = tenant_id

    async def for_user(self, user_id: UUID, *, lock: bool = True) -> Cart:
        cart = await self._load("user_id", user_id, lock)
        if cart is None:
            # Two first requests of one user may race here: the unique key lets exactly one insert.
            await t.Cart.raw(
                "INSERT INTO cart (id, tenant_id, user_id) VALUES ({}, {}, {}) "
                "ON CONFLICT (tenant_id, user_id) DO NOTHING",
                uuid.uuid4(),
                self._tenant_id,
                user_id,
            )
            cart = await self._load("user_id", user_id, lock)
        assert cart is not None
        return cart

    async def get_for_update(self, cart_id: UUID) -> Cart | None:
        return await self._load("id", cart_id, lock=True)

    async def stale_cart_ids(self, idle_before: datetime, limit: int) -> list[UUID]:
        rows = await t.Cart.raw(
            "SELECT c.id FROM cart c WHERE c.tenant_id = {} AND c.last_activity_at < {} "
            "AND EXISTS (SELECT 1 FROM cart_item i WHERE i.cart_id = c.id) "
            "ORDER BY c.last_activity_at LIMIT {} FOR UPDATE OF c SKIP LOCKED",
            self._tenant_id,
            idle_before,
            limit,
        )
        return [row["id"] for row in rows]

    async def stale_cart_ids_holding(self, product_id: UUID, idle_before: datetime) -> list[UUID]:
        rows = await t.Cart.raw(
            "SELECT c.id FROM cart c JOIN cart_item i ON i.cart_id = c.id "
            "WHERE c.tenant_id = {} AND i.product_id = {} AND c.last_activity_at < {} "
            "ORDER BY c.last_activity_at LIMIT 50",
            self._tenant_id,
            product_id,
            idle_before,
        )
        return [row["id"] for row in rows]

    async def product_in_any_cart(self, product_id: UUID) -> bool:
        return bool(await t.CartItem.exists().where(t.CartItem.product_id == product_id))

    def add(self, cart: Cart) -> None:
        self.new[cart.id] = self._track(cart)

    async def _load(self, key: Literal["id", "user_id"], value: UUID, lock: bool) -> Cart | None:
        connection = transaction_connection(t.Cart)
        row = await connection.fetchrow(
            f"SELECT id, tenant_id, version, user_id, created_at, last_activity_at FROM cart "
            f"WHERE {key} = $1 AND tenant_id = $2{' FOR UPDATE' if lock else ''}",
            value,
            self._tenant_id,
        )
        if row is None:
            return None
        if row["id"] in self.seen:
            return self.seen[row["id"]]  # type: ignore[return-value]
        # A second statement, not a join: after waiting for the cart's lock it sees the lines that the
        # holder of the lock committed (one statement would read them from its snapshot before the wait).
        items = await connection.fetch(
            "SELECT id, product_id, product_name, unit_price, quantity, added_at FROM cart_item "
            "WHERE cart_id = $1 ORDER BY added_at, id",
            row["id"],
        )
        cart = Cart(
            id=row["id"],
            tenant_id=row["tenant_id"],
            version=row["version"],
            user_id=row["user_id"],
            created_at=row["created_at"],
            last_activity_at=row["last_activity_at"],
            items=[CartItem(**dict(item)) for item in items],
        )
        return self._track(cart)  # type: ignore[no-any-return]

    async def save(self, cart: Cart) -> None:
        """The header (activity time, version) and every changed line in one statement (_SAVE_CART_SQL).

        A line removed and a line added for the same product (UNIQUE (cart_id, product_id)) cannot share it:
        the statement's parts run in no set order, so the removal goes first, alone.
        """
        before = {line.id: line for line in self.snapshot_of(cart).get("items", [])}
        now = {line.id: line for line in cart.items}
        removed = [line_id for line_id in before if line_id not in now]
        added = [line for line in cart.items if line.id not in before]
        changed = [line for line in cart.items if line.id in before and before[line.id].quantity != line.quantity]
        connection = transaction_connection(t.Cart)
        if {before[line_id].product_id for line_id in removed} & {line.product_id for line in added}:
            await connection.execute("DELETE FROM cart_item WHERE id = ANY($1::uuid[])", removed)
            removed = []
        version = await connection.fetchval(
            _SAVE_CART_SQL,
            cart.id,
            cart.version,
            cart.last_activity_at,
            removed,
            cart.tenant_id,
            [line.id for line in added],
            [line.product_id for line in added],
            [line.product_name for line in added],
            [line.unit_price for line in added],
            [line.quantity for line in added],
            [line.added_at for line in added],
            [line.id for line in changed],
            [line.quantity for line in changed],
        )
        if version is None:
            raise StaleVersion("cart", cart.id)
        cart.version = version


# Data-modifying CTEs all run, whatever the final SELECT reads; they touch disjoint rows (see `save`). With no
# header row (another writer moved the version) the caller raises StaleVersion and the unit of work rolls the
# line changes back with everything else.
_SAVE_CART_SQL = """
WITH header AS (
    UPDATE cart SET last_activity_at = $3, version = version + 1 WHERE id = $1 AND version = $2 RETURNING version
), removed AS (
    DELETE FROM cart_item WHERE id = ANY($4::uuid[])
), added AS (
    INSERT INTO cart_item (id, tenant_id, cart_id, product_id, product_name, unit_price, quantity, added_at)
    SELECT id, $5, $1, product_id, product_name, unit_price, quantity, added_at
    FROM unnest($6::uuid[], $7::uuid[], $8::text[], $9::numeric[], $10::int[], $11::timestamptz[])
        AS line (id, product_id, product_name, unit_price, quantity, added_at)
), changed AS (
    UPDATE cart_item SET quantity = line.quantity
    FROM unnest($12::uuid[], $13::int[]) AS line (id, quantity)
    WHERE cart_item.id = line.id
)
SELECT version FROM header
"""


class PiccoloCouponRepository(TrackedRepository):
    def __init__(self, tenant_id: UUID) -> None:
        super().__init__()
        self._tenant_id = tenant_id

    async def by_code(self, code: str) -> Coupon | None:
        row = (
            await t.Coupon.select()
            .where((t.Coupon.tenant_id == self._tenant_id) & (t.Coupon.code == code.upper()))
            .first()
        )
        if row is None:
            return None
        return self._track(  # type: ignore[no-any-return]
            Coupon(
                id=row["id"],
                tenant_id=row["tenant_id"],
                version=row["version"],
                code=row["code"],
                discount_percent=row["discount_percent"],
                expires_at=row["expires_at"],
                created_at=row["created_at"],
            )
        )

    async def code_taken(self, code: str) -> bool:
        return bool(
            await t.Coupon.exists().where((t.Coupon.tenant_id == self._tenant_id) & (t.Coupon.code == code.upper()))
        )

    def add(self, coupon: Coupon) -> None:
        self.new[coupon.id] = self._track(coupon)

    async def save(self, coupon: Coupon) -> None:
        if coupon.id in self.new:
            await t.Coupon.insert(
                t.Coupon(
                    id=coupon.id,
                    tenant_id=coupon.tenant_id,
                    code=coupon.code,
                    discount_percent=coupon.discount_percent,
                    expires_at=coupon.expires_at,
                    created_at=coupon.created_at,
                    version=coupon.version,
                )
            )


class PiccoloOrderRepository(TrackedRepository):
    """Orders are written once and never changed: `save` only inserts."""

    def __init__(self, tenant_id: UUID) -> None:
        super().__init__()
        self._tenant_id = tenant_id

    async def next_number(self) -> int:
        rows = await t.CustomerOrder.raw("SELECT nextval('order_number_seq') AS n")
        return int(rows[0]["n"])

    async def user_has_used_coupon(self, user_id: UUID, coupon_id: UUID) -> bool:
        return bool(
            await t.CustomerOrder.exists().where(
                (t.CustomerOrder.tenant_id == self._tenant_id)
                & (t.CustomerOrder.user_id == user_id)
                & (t.CustomerOrder.coupon_id == coupon_id)
            )
        )

    def add(self, order: Order) -> None:
        self.new[order.id] = self._track(order)

    async def save(self, order: Order) -> None:
        if order.id not in self.new:
            return
        address = order.shipping_address
        await t.CustomerOrder.insert(
            t.CustomerOrder(
                id=order.id,
                tenant_id=order.tenant_id,
                number=order.number,
                user_id=order.user_id,
                ship_street_line_1=address.street_line_1,
                ship_street_line_2=address.street_line_2,
                ship_city=address.city,
                ship_state=address.state,
                ship_postal_code=address.postal_code,
                ship_country=address.country,
                verification_id=address.verification_id,
                subtotal=order.subtotal,
                coupon_id=order.coupon_id,
                coupon_code=order.coupon_code,
                discount=order.discount,
                total=order.total,
                submitted_at=order.submitted_at,
                version=order.version,
            )
        )
        await t.OrderItem.insert(
            *[
                t.OrderItem(
                    id=item.id,
                    tenant_id=order.tenant_id,
                    order_id=order.id,
                    product_id=item.product_id,
                    product_name=item.product_name,
                    unit_price=item.unit_price,
                    quantity=item.quantity,
                    position=position,
                )
                for position, item in enumerate(order.items)
            ]
        )
