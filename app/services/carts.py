"""Cart use cases: add, change quantity, remove, and the scheduled expiry of stale reservations.

Every operation runs in one unit of work and takes its locks in one order: the cart row first,
then the product rows by id. Stock and cart lines change together or not at all, and no two
operations can wait on each other in a cycle (no deadlock, no oversell). How the product rows are
guarded is the stock-locking strategy's (app.services.stock_locking): locked as they are read, or
read plainly and version-checked at commit, the unit of work run again on a lost race.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

from app.domain.carts import Cart, CartItemNotFound
from app.domain.errors import InsufficientStock, ProductNotFound
from app.domain.events import utc_now
from app.domain.products import Product
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.idempotency import IdempotentRequest, claim_or_replay, remember_answer
from app.services.ports import OperationTimer, UnitOfWork, UnitOfWorkFactory
from app.services.stock_locking import PessimisticLocking, StockLocking

T = TypeVar("T")


def _answering_the_cart(idempotency: IdempotentRequest | None) -> IdempotentRequest | None:
    """The key of a request answered with the cart, for a use case whose result is an ItemAdded."""
    if idempotency is None:
        return None
    respond = idempotency.respond
    return replace(idempotency, respond=lambda added: respond(added.cart))


@dataclass(frozen=True)
class ItemAdded:
    """What an add leaves: the cart, and the product as the reservation left it (a page shows its stock)."""

    cart: Cart
    product: Product


class CartService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        timer: OperationTimer,
        *,
        reservation_hold: timedelta,
        locking: StockLocking | None = None,
    ) -> None:
        self._uow = uow
        self._timer = timer
        self.reservation_hold = reservation_hold
        self._locking = locking or PessimisticLocking()

    async def get_cart(self, user: UserContext) -> Cart:
        require(user, Capability.CART_VIEW, action="view_cart", reason="Log in to see your cart")
        assert user.user_id is not None
        async with self._uow(user) as uow:
            cart = await uow.carts.for_user(user.user_id, lock=False)
            await uow.commit()
        return cart

    async def add_item(
        self, user: UserContext, product_id: UUID, quantity: int, idempotency: IdempotentRequest | None = None
    ) -> Cart:
        added = await self.add_item_with_product(user, product_id, quantity, _answering_the_cart(idempotency))
        return added.cart

    async def add_item_with_product(
        self, user: UserContext, product_id: UUID, quantity: int, idempotency: IdempotentRequest | None = None
    ) -> ItemAdded:
        """`add_item`, also returning the product it locked: no second read to show the stock left."""
        require(user, Capability.CART_MODIFY, action="add_to_cart", reason="Log in to add items to your cart")
        async with self._timed("cart_add_item"):
            try:
                return await self._add(user, product_id, quantity, idempotency)
            except InsufficientStock:
                # Lazy guard: reservations past their hold but not yet swept must not block this
                # shopper. Release them now, then try once more.
                if not await self.release_stale_reservations_of(user, product_id):
                    raise
                return await self._add(user, product_id, quantity, idempotency)

    async def _add(
        self, user: UserContext, product_id: UUID, quantity: int, idempotency: IdempotentRequest | None
    ) -> ItemAdded:
        assert user.user_id is not None
        user_id = user.user_id

        async def add(uow: UnitOfWork) -> ItemAdded:
            cart = await uow.carts.for_user(user_id)
            product = await self._live_product(uow, product_id)
            cart.add_item(product, quantity)
            return ItemAdded(cart, product)

        return await self._reserving(user, add, idempotency)

    async def change_quantity(
        self, user: UserContext, product_id: UUID, quantity: int, idempotency: IdempotentRequest | None = None
    ) -> Cart:
        require(user, Capability.CART_MODIFY, action="update_cart", reason="Log in to change your cart")
        assert user.user_id is not None
        user_id = user.user_id

        async def change(uow: UnitOfWork) -> Cart:
            cart = await uow.carts.for_user(user_id)
            if cart.line_for(product_id) is None:
                raise CartItemNotFound(product_id)
            products = await self._products(uow, [product_id])
            cart.change_quantity(products[product_id], quantity)
            return cart

        async with self._timed("cart_update_item"):
            return await self._reserving(user, change, idempotency)

    async def set_item_quantity(
        self, user: UserContext, product_id: UUID, quantity: int, idempotency: IdempotentRequest | None = None
    ) -> Cart:
        """The line's quantity becomes `quantity`, reserving or releasing the difference; a new line if absent.

        With `idempotency` (API v2's optional key), the key's record commits with the change: a repeat
        raises AlreadyAnswered with the first answer (app.services.idempotency), as every cart change does.
        """
        try:
            return await self.change_quantity(user, product_id, quantity, idempotency)
        except CartItemNotFound:  # rolled back, the key with it: the add claims it afresh
            return await self.add_item(user, product_id, quantity, idempotency)

    async def remove_item(
        self, user: UserContext, product_id: UUID, idempotency: IdempotentRequest | None = None
    ) -> Cart:
        require(user, Capability.CART_MODIFY, action="remove_from_cart", reason="Log in to change your cart")
        assert user.user_id is not None
        user_id = user.user_id

        async def remove(uow: UnitOfWork) -> Cart:
            cart = await uow.carts.for_user(user_id)
            if cart.line_for(product_id) is None:
                raise CartItemNotFound(product_id)
            products = await self._products(uow, [product_id])
            cart.remove_item(products[product_id])
            return cart

        async with self._timed("cart_remove_item"):
            return await self._reserving(user, remove, idempotency)

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
        async def expire(uow: UnitOfWork) -> int:
            cart = await uow.carts.get_for_update(cart_id)
            # Re-check under the lock: the shopper may have acted, or another worker expired it.
            if cart is None or not cart.is_stale(now, self.reservation_hold):
                return 0
            products = await self._products(uow, [line.product_id for line in cart.items])
            cart.expire(products, now)
            return 1

        async with self._timed("cart_expire"):
            return await self._reserving(actor, expire)

    async def _reserving(
        self,
        actor: UserContext,
        change: Callable[[UnitOfWork], Awaitable[T]],
        idempotency: IdempotentRequest | None = None,
    ) -> T:
        """One unit of work that moves stock, under the locking strategy (optimistic may run it again).

        With `idempotency`, the key is claimed first (before the cart's lock, as checkout does) and its
        answer stored last, in the same transaction: each run of the unit claims it again."""

        async def unit() -> T:
            async with self._uow(actor) as uow:
                await claim_or_replay(uow, actor.user_id, idempotency)
                result = await change(uow)
                remember_answer(uow, actor.user_id, idempotency, result)
                await uow.commit()
            return result

        return await self._locking.run(unit)

    async def _products(self, uow: UnitOfWork, product_ids: list[UUID]) -> dict[UUID, Product]:
        return await uow.products.get_many_for_stock_change(product_ids, lock_rows=self._locking.lock_rows)

    async def _live_product(self, uow: UnitOfWork, product_id: UUID) -> Product:
        product = (await self._products(uow, [product_id])).get(product_id)
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
