"""API v2's wire types for the admin catalog (new products, coupons) and for the checks a shopper makes
before an order (a coupon's preview on the cart, an address's verification).

The conventions are wire.py's (docs/api/v2.md): snake_case, UUID ids, RFC 3339 UTC timestamps, money as
`{"amount", "currency"}`. A request body's schema states what JSON Schema can (required fields, lengths,
shapes); the domain's rules beyond that (an expiry in the future, a known state) answer 422 in words.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec

from app.controllers.api.v2.wire import Money, money, utc
from app.domain.coupons import MAX_CODE_LENGTH
from app.domain.coupons import Coupon as CouponAggregate
from app.domain.products import MAX_STOCK, NAME_MAX_LENGTH
from app.services.checkout import CouponPreview as Preview

DECIMAL_PATTERN = r"^\d{1,10}(\.\d{1,2})?$"
"""A decimal string with at most two places, as amounts travel (a number would lose "12.50"'s zero)."""


class NewProduct(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=NAME_MAX_LENGTH, pattern=r"\S")]
    """Unique among live products (422 duplicate-product-name, naming `name`, as PATCH answers a rename)."""
    price: Annotated[str, msgspec.Meta(pattern=DECIMAL_PATTERN, examples=["12.50"])]
    """A decimal string in the shop's currency, e.g. "12.50"."""
    stock_quantity: Annotated[int, msgspec.Meta(ge=0, le=MAX_STOCK)] = 0


class Coupon(msgspec.Struct, frozen=True):
    id: UUID
    code: str
    """Upper case, as stored; shoppers may type it in any case."""
    discount_percent: str
    """A decimal string with two places, e.g. "12.50" (percent off the subtotal)."""
    expires_at: datetime
    """Usable up to this moment; expired coupons stay listed."""
    created_at: datetime


def coupon(value: CouponAggregate) -> Coupon:
    return Coupon(
        id=value.id,
        code=value.code,
        discount_percent=f"{value.discount_percent.quantize(Decimal('0.01'))}",
        expires_at=utc(value.expires_at),
        created_at=utc(value.created_at),
    )


class CouponPage(msgspec.Struct, frozen=True):
    """One page of coupons, newest first; `next_cursor` (also in `Link: rel="next"`) is null on the last."""

    items: list[Coupon]
    next_cursor: str | None


class NewCoupon(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_CODE_LENGTH, pattern=r"^[A-Za-z0-9_-]+$")]
    """Letters, digits, `-` and `_`; stored upper case, unique in the shop (409 duplicate-coupon-code)."""
    discount_percent: Annotated[str, msgspec.Meta(pattern=DECIMAL_PATTERN, examples=["10", "12.5"])]
    """From 0.01 to 100, at most two decimal places."""
    expires_at: datetime
    """RFC 3339 with an offset, in the future (422 otherwise)."""


class CouponCode(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    coupon_code: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    """As the shopper typed it (any case)."""


class CouponQuote(msgspec.Struct, frozen=True):
    """What the coupon would take off the caller's cart as it is now (nothing is reserved or used)."""

    coupon_code: str
    discount_percent: str
    subtotal: Money
    discount: Money
    total: Money


def coupon_quote(preview: Preview) -> CouponQuote:
    return CouponQuote(
        coupon_code=preview.code,
        discount_percent=f"{preview.discount_percent.quantize(Decimal('0.01'))}",
        subtotal=money(preview.subtotal),
        discount=money(preview.discount),
        total=money(preview.total),
    )
