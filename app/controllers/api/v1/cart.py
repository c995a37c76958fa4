"""The shopper's cart and checkout (api-v1.md §7.1-§7.7): items, address verification, coupon preview, submit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from app.controllers.api.v1 import serializers, wire
from app.controllers.api.v1.errors import bad_request
from app.controllers.api.v1.guards import login_required
from app.controllers.api.v1.parsing import as_sent, to_decimal, to_int, to_uuid
from app.domain.addresses import AddressVerificationFailed
from app.domain.carts import CartItemNotFound
from app.domain.coupons import CouponAlreadyUsed, CouponNotFound
from app.domain.errors import ProductNotFound, ValidationError
from app.domain.money import MAX_PRICE
from app.domain.orders import Order
from app.domain.users import UserContext
from app.services.carts import CartService
from app.services.checkout import CheckoutService
from app.services.idempotency import StoredResponse
from app.web.idempotency import idempotent_request


class CartController(Controller):
    """The logged-in user's cart: its items reserve stock until the cart is submitted as an order."""

    path = "/cart"
    tags = ["v1 cart"]
    guards = [login_required]

    @get("/", operation_id="v1GetCart", responses=wire.refusals(401))
    async def get_cart(self, user: NamedDependency[UserContext], carts: NamedDependency[CartService]) -> wire.V1Cart:
        return serializers.cart(await carts.get_cart(user))

    @post(
        "/items/",
        operation_id="v1AddCartItem",
        status_code=200,
        opt=wire.request_body(wire.V1NewCartItem),
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def add_item(
        self,
        user: NamedDependency[UserContext],
        carts: NamedDependency[CartService],
        payload: NamedDependency[dict[str, Any]],
    ) -> wire.V1Cart:
        """Adds to the line's quantity if the product is already in the cart."""
        # Checked first, as in v1. A missing quantity is 0, which the cart refuses after the product lookup.
        quantity = to_int(payload.get("quantity", 0))
        raw_id = payload.get("product_id")
        product_id = to_uuid(raw_id)
        if product_id is None:
            raise ProductNotFound(as_sent(raw_id))
        return serializers.cart(await carts.add_item(user, product_id, quantity))

    @patch(
        "/items/{product_id:str}/",
        operation_id="v1ChangeCartItemQuantity",
        opt=wire.request_body(wire.V1Quantity),
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def change_quantity(
        self,
        user: NamedDependency[UserContext],
        carts: NamedDependency[CartService],
        payload: NamedDependency[dict[str, Any]],
        product_id: FromPath[str],
    ) -> wire.V1Cart:
        """Sets the absolute quantity, reserving or releasing the difference."""
        quantity = to_int(payload.get("quantity", 0))
        return serializers.cart(await carts.change_quantity(user, _cart_item_id(product_id), quantity))

    @delete(
        "/items/{product_id:str}/remove/",
        operation_id="v1RemoveCartItem",
        status_code=200,
        responses=wire.refusals(401, 403, 404),
    )
    async def remove_item(
        self, user: NamedDependency[UserContext], carts: NamedDependency[CartService], product_id: FromPath[str]
    ) -> wire.V1Cart:
        return serializers.cart(await carts.remove_item(user, _cart_item_id(product_id)))

    @post(
        "/verify-address/",
        operation_id="v1VerifyAddress",
        status_code=200,
        opt=wire.request_body(wire.V1AddressInput),
        responses={**wire.refusals(401, 403), 400: wire.ADDRESS_REFUSED},
    )
    async def verify_address(
        self,
        user: NamedDependency[UserContext],
        checkout: NamedDependency[CheckoutService],
        payload: NamedDependency[dict[str, Any]],
    ) -> Response[wire.V1AddressVerified | wire.V1AddressRefused]:
        """Checks an address without touching the cart; a refusal is a 400 in its own shape (no `error` key)."""
        try:
            verified = await checkout.verify_address(user, payload)
        except (AddressVerificationFailed, ValidationError) as failure:
            refused = serializers.failed_verification(failure.message, failure.field)
            return Response[wire.V1AddressVerified | wire.V1AddressRefused](refused, status_code=400)
        return Response(serializers.verified_address(verified))

    @post(
        "/coupons/validate/",
        operation_id="v1ValidateCoupon",
        status_code=200,
        opt=wire.request_body(wire.V1CouponCheck),
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def validate_coupon(
        self,
        user: NamedDependency[UserContext],
        checkout: NamedDependency[CheckoutService],
        payload: NamedDependency[dict[str, Any]],
    ) -> wire.V1CouponPreview:
        """A preview on the total the client sends (the real cart is not read)."""
        code = payload.get("coupon_code")
        with _coupon_named_as_sent(code):
            preview = await checkout.preview_coupon(user, code, subtotal=_cart_total(payload.get("cart_total")))
        return serializers.coupon_preview(preview)

    @post(
        "/submit/",
        operation_id="v1SubmitCart",
        status_code=201,
        opt=wire.request_body(wire.V1Submission),
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def submit(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        checkout: NamedDependency[CheckoutService],
        payload: NamedDependency[dict[str, Any]],
    ) -> wire.V1Order:
        """Verifies the address again, applies the coupon, and turns the cart into an order.

        An optional `Idempotency-Key` (not in the original) makes a retry answer the first order again.
        """
        address = payload.get("shipping_address")
        if not address or not isinstance(address, dict):
            raise bad_request("shipping_address is required")
        code = payload.get("coupon_code")
        idempotency = await idempotent_request(request, _submitted, required=False)
        with _coupon_named_as_sent(code):
            order = await checkout.submit_cart(user, address=address, coupon_code=code, idempotency=idempotency)
        return serializers.order(order)


def _submitted(order: Order) -> StoredResponse:
    """v1's 201 answer to a submit, stored with the order for the key's repeats."""
    return StoredResponse(201, msgspec.json.encode(serializers.order(order)))


def _cart_item_id(raw: str) -> UUID:
    """The path's product id; a malformed one is "not in the cart", named as sent (§7.3)."""
    product_id = to_uuid(raw)
    if product_id is None:
        raise CartItemNotFound(raw)
    return product_id


def _cart_total(raw: object) -> Decimal:
    """A missing or unreadable total counts as 0 (§7.6); one beyond any price is refused, not computed."""
    total = to_decimal(raw)
    if total is None:
        return Decimal(0)
    if abs(total) > MAX_PRICE:
        raise ValidationError("cart_total", "cart_total is out of range")
    return total


@contextmanager
def _coupon_named_as_sent(raw_code: object) -> Iterator[None]:
    """v1 names an unknown or already-used coupon as the client typed it (an expired one by its stored code)."""
    try:
        yield
    except CouponNotFound:
        raise CouponNotFound(as_sent(raw_code)) from None
    except CouponAlreadyUsed:
        raise CouponAlreadyUsed(as_sent(raw_code)) from None
