"""What the cart page shows besides the cart: the reservation, the coupon box, a refused line, the
checkout form, and how a refusal is worded and answered. Plain values the templates format."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from app.domain.addresses import AddressVerificationFailed
from app.domain.carts import Cart, CartItemNotFound
from app.domain.countries import COUNTRIES
from app.domain.errors import DomainError, InsufficientStock, ProductNotFound, ValidationError
from app.domain.parsing import optional_id
from app.services.checkout import CouponPreview
from app.services.idempotency import IdempotencyKeyInUse, IdempotencyKeyReused

ADDRESS_FIELDS = ("street_line_1", "street_line_2", "city", "state", "postal_code", "country")


@dataclass(frozen=True)
class Reservation:
    """How long the cart's stock stays reserved, as the cart page words it."""

    until: datetime
    seconds_left: int

    @classmethod
    def of(cls, cart: Cart, hold: timedelta, now: datetime) -> Reservation | None:
        until = cart.reservation_expires_at(hold)
        if until is None:
            return None
        return cls(until, max(0, math.ceil((until - now).total_seconds())))

    @property
    def minutes_left(self) -> int:
        return math.ceil(self.seconds_left / 60)

    @property
    def lapsed(self) -> bool:
        return self.minutes_left == 0


@dataclass(frozen=True)
class CouponBox:
    """The code the shopper typed, and either its preview on the current cart or why it is refused."""

    code: str = ""
    preview: CouponPreview | None = None
    error: str | None = None


@dataclass(frozen=True)
class LineError:
    """A quantity change that was refused, shown beside its cart line with the quantity typed."""

    product_id: UUID
    quantity: str
    message: str


@dataclass(frozen=True)
class CheckoutForm:
    """The shipping-address form: what was typed, what was wrong with it, and its one-time token.

    The token is rendered once per form and is the submit's idempotency key: a double click or a
    resubmitted page sends the same one, and is answered with the order that token already placed.
    """

    address: dict[str, str]
    token: UUID
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None

    @property
    def countries(self) -> list[tuple[str, str]]:
        """The country list's (code, name) pairs, by name."""
        return list(COUNTRIES.items())

    @classmethod
    def blank(cls) -> CheckoutForm:
        return cls(address={**dict.fromkeys(ADDRESS_FIELDS, ""), "country": "US"}, token=uuid4())

    @classmethod
    def posted(cls, data: dict[str, str]) -> CheckoutForm:
        address = {name: data.get(name, "") for name in ADDRESS_FIELDS}
        return cls(address=address, token=optional_id(data.get("checkout_token")) or uuid4())

    def refused(self, error: DomainError) -> CheckoutForm:
        """The same form (and token: nothing was placed) with each reason beside the field it concerns."""
        if isinstance(error, IdempotencyKeyReused):
            # The token placed an order for other details (Back, edit, submit): a new form may place another.
            return replace(self, token=uuid4(), errors={}, message=FORM_ALREADY_USED)
        if isinstance(error, IdempotencyKeyInUse):
            return replace(self, errors={}, message=ORDER_STILL_BEING_PLACED)
        by_field = _errors_by_field(error)
        errors = {name: text for name, text in by_field.items() if name in ADDRESS_FIELDS}
        elsewhere = [text for name, text in by_field.items() if name not in ADDRESS_FIELDS]
        message = " ".join(elsewhere) or ("Please check the address below." if errors else error.message)
        return replace(self, errors=errors, message=message)


FORM_ALREADY_USED = "This form has already placed an order with other details; your orders are listed under Orders."
ORDER_STILL_BEING_PLACED = "Your order is still being placed; it will be listed under Orders in a moment."


def _errors_by_field(error: DomainError) -> dict[str, str]:
    if isinstance(error, ValidationError):
        return error.errors
    if isinstance(error, AddressVerificationFailed) and error.field:
        return {error.field: error.message}
    return {}


def purchase_message(error: DomainError) -> str:
    if isinstance(error, InsufficientStock):
        if not error.available:
            return "Sorry, this is out of stock."
        return f"Only {error.available:,} left; you asked for {error.requested:,}."
    if isinstance(error, ProductNotFound):
        return "This product is no longer available."
    return error.message


def line_message(error: DomainError) -> str:
    if isinstance(error, InsufficientStock):
        # `requested` is the difference to reserve, not the quantity typed: say what is left instead.
        return f"Only {error.available:,} more in stock." if error.available else "No more in stock."
    if isinstance(error, CartItemNotFound):
        return "This item is no longer in your cart."
    return error.message
