"""Coupon administration (api-v1.md §8.1-§8.2): list the coupons and create one (admins only)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency

from app.controllers.api.v1 import serializers, wire
from app.controllers.api.v1.errors import V1_COUPON_WORDING, bad_request, reported_without_field
from app.controllers.api.v1.guards import login_required
from app.controllers.api.v1.parsing import parse_timestamp
from app.domain.users import UserContext
from app.services.coupons import CouponService


class CouponsController(Controller):
    """Percentage discounts, each usable once per customer until it expires."""

    path = "/admin/coupons"
    tags = ["v1 coupons"]
    guards = [login_required]

    @get("/", operation_id="v1ListCoupons", responses=wire.refusals(401, 403))
    async def list_coupons(
        self, user: NamedDependency[UserContext], coupons: NamedDependency[CouponService]
    ) -> wire.V1Coupons:
        """Newest first, expired ones included."""
        return wire.V1Coupons(results=[serializers.coupon(coupon) for coupon in await coupons.list_coupons(user)])

    @post(
        "/",
        operation_id="v1CreateCoupon",
        status_code=201,
        opt=wire.request_body(wire.V1NewCoupon),
        responses=wire.refusals(400, 401, 403),
    )
    async def create_coupon(
        self,
        user: NamedDependency[UserContext],
        coupons: NamedDependency[CouponService],
        payload: NamedDependency[dict[str, Any]],
    ) -> wire.V1Coupon:
        """The percent and the expiry are read before the role check, as in v1; the response echoes both as sent."""
        percent = _percent(payload.get("discount_percent", 0))
        expires_at = parse_timestamp(payload.get("expires_at"))
        if expires_at is None:
            raise bad_request("expires_at must be a valid ISO datetime string")
        with reported_without_field(V1_COUPON_WORDING):
            created = await coupons.create_coupon(
                user, code=payload.get("code"), discount_percent=percent, expires_at=expires_at
            )
        return msgspec.structs.replace(
            serializers.coupon(created),
            discount_percent=str(percent),  # "10", "12.5": not the stored "10.00"
            expires_at=expires_at.isoformat(),  # in the offset the client sent
        )


def _percent(raw: object) -> Decimal:
    """v1's `Decimal(str(value))`: a number or a numeric string; the range is the domain's to check."""
    try:
        percent = Decimal(str(raw).strip())
    except InvalidOperation:
        percent = None
    if percent is None or not percent.is_finite():
        raise bad_request("discount_percent must be a valid number")
    return percent
