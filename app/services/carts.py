"""Cart use cases: add, change quantity, remove, and the scheduled expiry of stale reservations.

Every operation runs in one unit of work and takes its locks in one order: the cart row first,
then the product rows by id. Stock and cart lines change together or not at all, and no two
operations can wait on each other in a cycle (no deadlock, no oversell).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from uuid import UUID

from app.domain.carts import Cart, CartItemNotFound
from app.domain.errors import InsufficientStock, ProductNotFound
from app.domain.events import utc_now
from app.domain.products import Product
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import OperationTimer, UnitOfWork, UnitOfWorkFactory


class CartService:
    def __init__(self, uow: UnitOfWorkFactory, timer: OperationTimer, *, reservation_hold: timedelta) -> None:
        self._uow = uow
        self._timer = timer
        self.reservation_hold = reservation_hold

    async def get_cart(self, user: UserContext) -> Cart:
        require(user, Capability.CART_VIEW, action="view_cart", reason="Log in to see your cart")
        assert user.user_id is not None
        async with self._uow(user) as uow:
            cart = await uow.carts.for_user(user.user_id, lock=False)
            await uow.commit()
        return cart

    async def add_item(self, user: UserContext, product_id: UUID, quantity: int) -> Cart:
        require(user, Capability.CART_MODIFY, action="add_to_cart", reason="Log in to add items to your cart")
        async with self._timed("cart_add_item"):
            try:
                return await self._add(user, product_id, quantity)
            except InsufficientStock:
                # Lazy guard: reservations past their hold but not yet swept must not block this
                # shopper. Release them now, then try once more.
                if not await self.release_stale_reservations_of(user, product_id):
                    raise
                return await self._add(user, product_id, quantity)

    async def _add(self, user: UserContext, product_id: UUID, quantity: int) -> Cart:
        assert user.user_id is not None
        async with self._uow(user) as uow:
            cart = await uow.carts.for_user(user.user_id)
            product = await self._live_product(uow, product_id)
            cart.add_item(product, quantity)
            await uow.commit()
        return cart

    async def change_quantity(self, user: UserContext, product_id: UUID, quantity: int) -> Cart:
        require(user, Capability.CART_MODIFY, action="update_cart", reason="Log in to change your cart")
        assert user.user_id is not None
        async with self._timed("cart_update_item"), self._uow(user) as uow:
            cart = await uow.carts.for_user(user.user_id)
            if cart.line_for(product_id) is None:
                raise CartItemNotFound(product_id)
            products = await uow.products.get_many_for_update([product_id])
            cart.change_quantity(products[product_id], quantity)
            await uow.commit()
        return cart

    async def set_item_quantity(self, user: UserContext, product_id: UUID, quantity: int) -> Cart:
        """The line's quantity becomes `quantity`, reserving or releasing the difference; a new line if absent."""
        try:
            return await self.change_quantity(user, product_id, quantity)
        except CartItemNotFound:
            return await self.add_item(user, product_id, quantity)

    async def remove_item(self, user: UserContext, product_id: UUID) -> Cart:
        require(user, Capability.CART_MODIFY, action="remove_from_cart", reason="Log in to change your cart")
        assert user.user_id is not None
        async with self._timed("cart_remove_item"), self._uow(user) as uow:
            cart = await uow.carts.for_user(user.user_id)
            if cart.line_for(product_id) is None:
                raise CartItemNotFound(product_id)
            products = await uow.products.get_many_for_update([product_id])
            cart.remove_item(products[product_id])
            await uow.commit()
        return cart

    async def expire_stale_carts(self, actor: UserContext, *, now: datetime | None = None, limit: int = 200) -> int:
        """Release the stock of carts idle longer than the hold; safe to run twice or on many workers."""
        now = now or utc_now()
        async with self._uow(actor) as uow:
            cart_ids = await uow.carts.stale_cart_ids(now - self.reservation_hold, limit)
        expired = 0
        for cart_id in cart_ids:
            expired += await self._expire_one(actor, cart_id, now)
        return expired

    async def release_stale_reservations_of(self, user: UserContext, product_id: UUID) -> int:
        now = utc_now()
        system = UserContext.system(user.tenant_id)
        async with self._uow(system) as uow:
            cart_ids = await uow.carts.stale_cart_ids_holding(product_id, now - self.reservation_hold)
        return sum([await self._expire_one(system, cart_id, now) for cart_id in cart_ids])

    async def _expire_one(self, actor: UserContext, cart_id: UUID, now: datetime) -> int:
        async with self._timed("cart_expire"), self._uow(actor) as uow:
            cart = await uow.carts.get_for_update(cart_id)
            # Re-check under the lock: the shopper may have acted, or another worker expired it.
            if cart is None or not cart.is_stale(now, self.reservation_hold):
                return 0
            products = await uow.products.get_many_for_update([line.product_id for line in cart.items])
            cart.expire(products, now)
            await uow.commit()
        return 1

    async def _live_product(self, uow: UnitOfWork, product_id: UUID) -> Product:
        product = (await uow.products.get_many_for_update([product_id])).get(product_id)
        if product is None or product.is_deleted:
            raise ProductNotFound(product_id)
        return product

    @asynccontextmanager
    async def _timed(self, operation: str) -> AsyncIterator[None]:
        started = time.perf_counter()
        outcome = "error"
        try:
            yield
            outcome = "ok"
        finally:
            self._timer.observe(operation, time.perf_counter() - started, outcome)
