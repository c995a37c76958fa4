"""Coupon administration: list (all at once, or in keyset pages), read one, and create (admins only)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from app.domain.coupons import Coupon, CouponNotFound, DuplicateCouponCode
from app.domain.pagination import MAX_PAGE_SIZE, Cursor, Slice, Sort
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.idempotency import IdempotentRequest, claim_or_replay, remember_answer
from app.services.ports import CouponReader, UnitOfWorkFactory

COUPON_LIST_SORT = Sort("created_at", descending=True, key_type=datetime)
"""Newest first, ties broken by id: the order of the coupon pages (coupon_keyset_idx serves it)."""


class CouponService:
    def __init__(self, uow: UnitOfWorkFactory, reader: CouponReader) -> None:
        self._uow = uow
        self._reader = reader

    async def list_coupons(self, user: UserContext) -> list[Coupon]:
        """Newest first, active and expired alike (the page marks which is which)."""
        require(user, Capability.COUPONS_MANAGE, action="list_coupons", reason="Admin access required")
        return await self._reader.list_coupons(user.tenant_id)

    async def browse_coupons(self, user: UserContext, after: Cursor | None = None, limit: int = 20) -> Slice[Coupon]:
        """One keyset page, newest first (expired ones included), and the next page's cursor."""
        require(user, Capability.COUPONS_MANAGE, action="list_coupons", reason="Admin access required")
        limit = min(MAX_PAGE_SIZE, max(1, limit))
        rows = await self._reader.browse_coupons(user.tenant_id, after, limit + 1)
        items = rows[:limit]
        last = items[-1] if len(rows) > limit else None
        next_cursor = Cursor(COUPON_LIST_SORT.token, last.created_at, last.id) if last is not None else None
        return Slice(items=items, next_cursor=next_cursor)

    async def get_coupon(self, user: UserContext, coupon_id: UUID) -> Coupon:
        require(user, Capability.COUPONS_MANAGE, action="view_coupon", reason="Admin access required")
        coupon = await self._reader.get_coupon(user.tenant_id, coupon_id)
        if coupon is None:
            raise CouponNotFound(str(coupon_id))
        return coupon

    async def create_coupon(
        self,
        user: UserContext,
        *,
        code: object,
        discount_percent: object,
        expires_at: object,
        idempotency: IdempotentRequest | None = None,
    ) -> Coupon:
        """With `idempotency` (API v2), the key's record commits with the coupon: a repeat raises
        AlreadyAnswered with the first answer, even once the expiry it was sent with has passed."""
        require(user, Capability.COUPONS_MANAGE, action="create_coupon", reason="Admin access required")
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, idempotency)
            coupon = Coupon.create(
                tenant_id=user.tenant_id, code=code, discount_percent=discount_percent, expires_at=expires_at
            )
            if await uow.coupons.code_taken(coupon.code):
                raise DuplicateCouponCode(coupon.code)
            uow.coupons.add(coupon)
            remember_answer(uow, user.user_id, idempotency, coupon)
            await uow.commit()
        return coupon
