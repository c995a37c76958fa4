"""API v2's wire types: every request and response body as a msgspec Struct, so the OpenAPI document is the code.

Conventions (docs/api/v2.md): snake_case keys, ids as UUID strings, timestamps RFC 3339 in UTC,
money as `{"amount": "12.50", "currency": "USD"}` with the amount a decimal string.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec
from litestar.openapi import ResponseSpec

from app.domain.carts import Cart as CartAggregate
from app.domain.users import Capability, UserContext
from app.services.read_models import LineLike, OrderLike, ProductLike
from app.web.pictures import PICTURE_WIDTHS, picture_path

CURRENCY = "USD"
"""The shop's one currency (prices are stored without one)."""


class Money(msgspec.Struct, frozen=True):
    amount: str
    """A decimal string with two places, e.g. "12.50"."""
    currency: str = CURRENCY


_CENT = Decimal("0.01")


def money(value: Decimal) -> Money:
    return Money(amount=f"{value.quantize(_CENT)}", currency=CURRENCY)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class User(msgspec.Struct, frozen=True):
    id: UUID
    username: str
    role: str
    capabilities: list[str]
    enabled_flags: list[str]


def user(context: UserContext, enabled_flags: Sequence[str]) -> User:
    assert context.user_id is not None
    return User(
        id=context.user_id,
        username=context.username,
        role=context.role.value if context.role else "customer",
        capabilities=sorted(c.value for c in Capability if context.can(c)),
        enabled_flags=sorted(enabled_flags),
    )


class Credentials(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(pattern=r"\S")]
    """Not blank (the service refuses a blank one with the same 422)."""
    password: Annotated[str, msgspec.Meta(min_length=1)]


class Session(msgspec.Struct, frozen=True):
    user: User
    csrf_token: str
    """Send it back as `X-CSRFToken` on every unsafe request of this session."""


class Product(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    description: str
    """What the product's page tells shoppers about it ("" when there is nothing)."""
    price: Money
    stock_quantity: int
    """Units not reserved in any cart: what can still be added."""
    thumbnail_url: str | None
    """The picture as a catalog card shows it (320 px wide), an absolute path; null without a picture."""
    large_url: str | None
    """The picture as the product's page shows it (640 px wide), an absolute path; null without a picture."""
    created_at: datetime
    deleted_at: datetime | None


def _picture(value: ProductLike, size: str) -> str | None:
    """The same URL the shop's pages show (app/templates/components/shop.html), or None without a picture."""
    if not (value.image_key and value.image_width and value.image_height):
        return None
    return picture_path(value.image_key, PICTURE_WIDTHS[size], thumbnails_ready=value.thumbnails_ready)


def product(value: ProductLike) -> Product:
    return Product(
        id=value.id,
        name=value.name,
        description=value.description,
        price=money(value.price),
        stock_quantity=value.stock_quantity,
        thumbnail_url=_picture(value, "thumb"),
        large_url=_picture(value, "large"),
        created_at=utc(value.created_at),
        deleted_at=utc(value.deleted_at) if value.deleted_at else None,
    )


class ProductPage(msgspec.Struct, frozen=True):
    """One page of the catalog; `next_cursor` (also in the `Link: rel="next"` header) is null on the last."""

    items: list[Product]
    next_cursor: str | None


class ProductChanges(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A partial update: only the fields sent change (null or absent: unchanged)."""

    name: str | None = None
    price: str | None = None
    """A decimal string, e.g. "12.50" (the shop's currency)."""
    stock_quantity: int | None = None
    description: str | None = None
    """What the product's page tells shoppers ("" clears it); at most 2,000 characters."""


class Line(msgspec.Struct, frozen=True):
    """A line of a cart or of an order."""

    product_id: UUID
    product_name: str
    unit_price: Money
    quantity: int
    subtotal: Money


def lines(values: Sequence[LineLike]) -> list[Line]:
    return [
        Line(
            product_id=line.product_id,
            product_name=line.product_name,
            unit_price=money(line.unit_price),
            quantity=line.quantity,
            subtotal=money(line.subtotal),
        )
        for line in values
    ]


class Cart(msgspec.Struct, frozen=True):
    id: UUID
    lines: list[Line]
    item_count: int
    subtotal: Money
    reservation_expires_at: datetime | None
    """When the reserved stock goes back on sale unless the cart is used again (null: empty cart)."""


def cart(value: CartAggregate, hold: timedelta) -> Cart:
    expires = value.reservation_expires_at(hold)
    return Cart(
        id=value.id,
        lines=lines(value.items),
        item_count=value.item_count,
        subtotal=money(value.total),
        reservation_expires_at=utc(expires) if expires else None,
    )


class Quantity(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    quantity: int


class Address(msgspec.Struct, frozen=True):
    street_line_1: str
    city: str
    state: str
    postal_code: str
    street_line_2: str | None = None
    country: str = "US"


class NewOrder(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    shipping_address: Address
    coupon_code: str | None = None


class ShippingAddress(msgspec.Struct, frozen=True):
    street_line_1: str
    street_line_2: str | None
    city: str
    state: str
    postal_code: str
    country: str
    verification_id: str


class Order(msgspec.Struct, frozen=True):
    id: UUID
    number: int
    lines: list[Line]
    shipping_address: ShippingAddress
    subtotal: Money
    coupon_code: str | None
    discount: Money
    total: Money
    submitted_at: datetime


def order(value: OrderLike) -> Order:
    """The Order aggregate (just placed) and OrderView (read back) show the same."""
    return Order(
        id=value.id,
        number=value.number,
        lines=lines(value.items),
        shipping_address=ShippingAddress(**dataclasses.asdict(value.shipping_address)),
        subtotal=money(value.subtotal),
        coupon_code=value.coupon_code,
        discount=money(value.discount),
        total=money(value.total),
        submitted_at=utc(value.submitted_at),
    )


class OrderPage(msgspec.Struct, frozen=True):
    """One page of order history, newest first; `next_cursor` (also in `Link: rel="next"`) is null on the last."""

    items: list[Order]
    next_cursor: str | None


class ProblemField(msgspec.Struct, frozen=True):
    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """RFC 9457 problem details (`application/problem+json`); `type` is listed in docs/api/v2.md."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemField] = []


_PROBLEM_WHEN = {
    304: "Not modified: If-None-Match names the current version",
    400: "Problem: the request cannot be read (or lacks its Idempotency-Key)",
    401: "Problem: log in first, or wrong username or password",
    403: "Problem: not allowed for your role, or CSRF token missing",
    404: "Problem: no such resource, or not yours to see",
    409: "Problem: conflicts with the current state (stock, empty cart, key in use)",
    412: "Problem: If-Match names no current version (ETag header: the current one)",
    422: "Problem: invalid input; `errors` names each field",
    428: "Problem: If-Match is required",
    429: "Problem: too many requests (Retry-After)",
    503: "Problem: a service it needs is down for a while; try again later",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """The refusals an operation documents in the OpenAPI document (bodies: Problem, RFC 9457)."""
    return {
        status: ResponseSpec(
            None if status == 304 else Problem,
            description=_PROBLEM_WHEN[status],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in statuses
    }
