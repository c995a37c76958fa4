"""Coupon administration: list and create (admins only)."""

from __future__ import annotations

from app.domain.coupons import Coupon, DuplicateCouponCode
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import CouponReader, UnitOfWorkFactory


class CouponService:
    def __init__(self, uow: UnitOfWorkFactory, reader: CouponReader) -> None:
        self._uow = uow
        self._reader = reader

    async def list_coupons(self, user: UserContext) -> list[Coupon]:
        """Newest first, active and expired alike (the page marks which is which)."""
        require(user, Capability.COUPONS_MANAGE, action="list_coupons", reason="Admin access required")
        return await self._reader.list_coupons(user.tenant_id)

    async def create_coupon(
        self, user: UserContext, *, code: object, discount_percent: object, expires_at: object
    ) -> Coupon:
        require(user, Capability.COUPONS_MANAGE, action="create_coupon", reason="Admin access required")
        coupon = Coupon.create(
            tenant_id=user.tenant_id, code=code, discount_percent=discount_percent, expires_at=expires_at
        )
        async with self._uow(user) as uow:
            if await uow.coupons.code_taken(coupon.code):
                raise DuplicateCouponCode(coupon.code)
            uow.coupons.add(coupon)
            await uow.commit()
        return coupon
