"""What a shopper checks before placing an order (docs/api/v2.md, "Addresses and coupon preview"): verify the
shipping address, and preview what a coupon takes off the cart. Neither changes anything.
"""

from __future__ import annotations

import dataclasses

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app.controllers.api.v2 import wire
from app.controllers.api.v2 import wire_admin_catalog as catalog_wire
from app.domain.users import UserContext
from app.services.checkout import CheckoutService
from app.web.current_user import login_required


class AddressesController(Controller):
    path = "/addresses"
    tags = ["v2 checkout"]

    @post(
        "/verify",
        operation_id="v2VerifyAddress",
        guards=[login_required],
        status_code=200,
        responses=wire.problems(401, 403, 422, 503),
    )
    async def verify_address(
        self,
        data: JSONBody[wire.Address],
        user: NamedDependency[UserContext],
        checkout: NamedDependency[CheckoutService],
    ) -> wire.ShippingAddress:
        """The address as the verification service standardised it, as an order would carry it. An address
        that is malformed, not found or undeliverable is a 422 naming the fields at fault; the service
        being down is a 503 (try again later)."""
        verified = await checkout.verify_address(user, msgspec.structs.asdict(data))
        return wire.ShippingAddress(**dataclasses.asdict(verified))


class CouponPreviewController(Controller):
    path = "/coupons/preview"
    tags = ["v2 checkout"]

    @post(
        "/",
        operation_id="v2PreviewCoupon",
        guards=[login_required],
        status_code=200,
        responses=wire.problems(401, 403, 404, 422),
    )
    async def preview_coupon(
        self,
        data: JSONBody[catalog_wire.CouponCode],
        user: NamedDependency[UserContext],
        checkout: NamedDependency[CheckoutService],
    ) -> catalog_wire.CouponQuote:
        """The discount the coupon gives on your cart as it is now: 404 for an unknown code, 422 when it has
        expired or you have used it. The order applies the coupon again when it is placed."""
        return catalog_wire.coupon_quote(await checkout.preview_coupon(user, data.coupon_code))
