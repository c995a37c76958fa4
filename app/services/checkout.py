"""Checkout: verify the shipping address, preview a coupon, and submit the cart as an order."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from app.domain.addresses import UnverifiedAddress, VerifiedAddress
from app.domain.carts import EmptyCart
from app.domain.coupons import Coupon, CouponNotFound, normalise_code
from app.domain.events import utc_now
from app.domain.orders import Order
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.idempotency import AlreadyAnswered, IdempotentRequest, claim_or_replay, remember_answer
from app.services.ports import AddressVerifier, OperationTimer, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class CouponPreview:
    code: str
    discount_percent: Decimal
    subtotal: Decimal
    discount: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount


class CheckoutService:
    def __init__(self, uow: UnitOfWorkFactory, verifier: AddressVerifier, timer: OperationTimer) -> None:
        self._uow = uow
        self._verifier = verifier
        self._timer = timer

    async def verify_address(self, user: UserContext, address: Any) -> VerifiedAddress:
        require(user, Capability.CART_SUBMIT, action="verify_address", reason="Log in to check out")
        return await self._verifier.verify(UnverifiedAddress.parse(address))

    async def preview_coupon(self, user: UserContext, code: object, subtotal: Decimal | None = None) -> CouponPreview:
        """The discount a coupon would give: on `subtotal` if given (API v1), else on the user's cart."""
        require(user, Capability.CART_VIEW, action="validate_coupon", reason="Log in to use a coupon")
        assert user.user_id is not None
        async with self._uow(user) as uow:
            coupon = await self._usable_coupon(uow, user.user_id, code)
            if subtotal is None:
                subtotal = (await uow.carts.for_user(user.user_id, lock=False)).total
        assert coupon is not None
        return CouponPreview(coupon.code, coupon.discount_percent, subtotal, coupon.discount_for(subtotal))

    async def submit_cart(
        self,
        user: UserContext,
        *,
        address: Any,
        coupon_code: object = None,
        idempotency: IdempotentRequest | None = None,
    ) -> Order:
        """Place the cart's order. With `idempotency` (API v1 and v2's key, the checkout form's one-time
        token), the key's record commits with the order: a repeat raises AlreadyAnswered with the first
        answer instead of placing another (app.services.idempotency)."""
        require(user, Capability.CART_SUBMIT, action="submit_cart", reason="Log in to place an order")
        assert user.user_id is not None
        started, outcome = time.perf_counter(), "error"
        try:
            unverified = UnverifiedAddress.parse(address)
            verified = await self._verifier.verify(unverified)  # fail-closed: raises when not verified
            async with self._uow(user) as uow:
                await claim_or_replay(uow, user.user_id, idempotency)  # before the cart's lock
                cart = await uow.carts.for_user(user.user_id)  # one submit per user at a time
                coupon = await self._coupon_for_submit(uow, user.user_id, coupon_code)
                if cart.is_empty:
                    raise EmptyCart()
                if coupon is not None:
                    coupon.check_usable(utc_now(), already_used=False)
                order = Order.place(cart=cart, number=await uow.orders.next_number(), address=verified, coupon=coupon)
                uow.orders.add(order)
                remember_answer(uow, user.user_id, idempotency, order)
                await uow.commit()
            outcome = "ok"
            return order
        except AlreadyAnswered:
            outcome = "replayed"
            raise
        finally:
            self._timer.observe("cart_submit", time.perf_counter() - started, outcome)

    async def _coupon_for_submit(self, uow: UnitOfWork, user_id: UUID, raw_code: object) -> Coupon | None:
        """Not found and already used are checked before the empty cart; expiry after (API v1's order)."""
        if raw_code is None or (isinstance(raw_code, str) and not raw_code.strip()):
            return None
        code = raw_code if isinstance(raw_code, str) else str(raw_code)
        coupon = await uow.coupons.by_code(normalise_code(code))
        if coupon is None:
            raise CouponNotFound(code)
        if await uow.orders.user_has_used_coupon(user_id, coupon.id):
            coupon.check_usable(utc_now(), already_used=True)
        return coupon

    async def _usable_coupon(self, uow: UnitOfWork, user_id: UUID, raw_code: object) -> Coupon:
        code = raw_code if isinstance(raw_code, str) else str(raw_code)
        coupon = await uow.coupons.by_code(normalise_code(code))
        if coupon is None:
            raise CouponNotFound(code)
        used = await uow.orders.user_has_used_coupon(user_id, coupon.id)
        coupon.check_usable(utc_now(), already_used=used)
        return coupon
