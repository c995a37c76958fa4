"""The Cart aggregate: one per user, whose lines reserve product stock the moment they are added.

Each change to a line moves stock between the cart and the Product aggregate in the same unit of
work: the cart method calls the product's `reserve_stock`/`release_stock`, so either both change
or neither does. The caller (app.services.carts) loads and locks the cart first and the products
after it, always in product-id order: a consistent lock order, so no two operations deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from app.domain.aggregate import Aggregate
from app.domain.errors import NotFound, ValidationError
from app.domain.events import (
    CartExpired,
    CartItemAdded,
    CartItemQuantityUpdated,
    CartItemRemoved,
    CartSubmitted,
    utc_now,
)
from app.domain.parsing import NumberOutOfRange, whole_number
from app.domain.products import Product

MAX_LINE_QUANTITY = 10_000
LARGEST_REQUEST = 1_000_000_000
"""Beyond this a quantity is no request anyone means: the line's limit is the answer."""


class CartItemNotFound(NotFound):
    code = "cart_item_not_found"

    def __init__(self, product_id: UUID | str) -> None:
        super().__init__(f"Cart item for product '{product_id}' not found")
        self.product_id = product_id


class EmptyCart(ValidationError):
    code = "empty_cart"

    def __init__(self) -> None:
        super().__init__("cart", "Cannot submit an empty cart")


def parse_quantity(raw: object) -> int:
    """The one rule for a line's quantity, whether a form sent text or JSON an int."""
    return whole_number(raw, field="quantity", label="Quantity", minimum=1, maximum=MAX_LINE_QUANTITY)


def requested_quantity(raw: object) -> int:
    """What a shopper asked for: a line's quantity, or a whole number over the line's limit (up to
    `LARGEST_REQUEST`) that the cart refuses after the stock check, so asking for 99,999 of 17 says
    "Only 17 left" rather than the limit."""
    try:
        return parse_quantity(raw)
    except NumberOutOfRange as refused:
        if refused.value is not None and MAX_LINE_QUANTITY < refused.value <= LARGEST_REQUEST:
            return refused.value
        raise


@dataclass(kw_only=True)
class CartItem:
    """A line: the product's name and unit price as they were when it was first added (the snapshot)."""

    id: UUID
    product_id: UUID
    product_name: str
    unit_price: Decimal
    quantity: int
    added_at: datetime

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(kw_only=True)
class Cart(Aggregate):
    user_id: UUID
    items: list[CartItem] = field(default_factory=list)
    created_at: datetime = field(default_factory=utc_now)
    last_activity_at: datetime = field(default_factory=utc_now)

    @classmethod
    def open_for(cls, *, tenant_id: UUID, user_id: UUID) -> Cart:
        return cls(id=uuid4(), tenant_id=tenant_id, user_id=user_id)

    @property
    def total(self) -> Decimal:
        return sum((item.subtotal for item in self.items), Decimal("0.00"))

    @property
    def item_count(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def is_empty(self) -> bool:
        return not self.items

    def line_for(self, product_id: UUID) -> CartItem | None:
        return next((item for item in self.items if item.product_id == product_id), None)

    def reservation_expires_at(self, hold: timedelta) -> datetime | None:
        return self.last_activity_at + hold if self.items else None

    def is_stale(self, now: datetime, hold: timedelta) -> bool:
        return bool(self.items) and self.last_activity_at + hold < now

    def add_item(self, product: Product, quantity: int, now: datetime | None = None) -> CartItem:
        """Reserve `quantity` of `product` and add it (merging into an existing line)."""
        product.check_stock(quantity)  # first: "Only 17 left" says more than the line's limit
        quantity = parse_quantity(quantity)
        line = self.line_for(product.id)
        if line is not None:
            parse_quantity(line.quantity + quantity)  # the merged line obeys the same rule
        product.reserve_stock(quantity)
        now = now or utc_now()
        if line is None:
            line = CartItem(
                id=uuid4(),
                product_id=product.id,
                product_name=product.name,
                unit_price=product.price,
                quantity=quantity,
                added_at=now,
            )
            self.items.append(line)
        else:
            line.quantity += quantity
        self.last_activity_at = now
        self.record(
            CartItemAdded(
                aggregate_id=self.id,
                user_id=self.user_id,
                product_id=product.id,
                product_name=line.product_name,
                unit_price=line.unit_price,
                quantity=quantity,
                line_quantity=line.quantity,
            )
        )
        return line

    def change_quantity(self, product: Product, quantity: int, now: datetime | None = None) -> CartItem:
        """Set the line's quantity, reserving or releasing the difference."""
        line = self._line(product.id)
        if quantity > line.quantity:
            product.check_stock(quantity - line.quantity)  # first, as in add_item
        quantity = parse_quantity(quantity)
        difference = quantity - line.quantity
        if difference > 0:
            product.reserve_stock(difference)
        elif difference < 0:
            product.release_stock(-difference)
        old, line.quantity = line.quantity, quantity
        self.last_activity_at = now or utc_now()
        if difference:
            self.record(
                CartItemQuantityUpdated(
                    aggregate_id=self.id,
                    user_id=self.user_id,
                    product_id=product.id,
                    old_quantity=old,
                    new_quantity=quantity,
                )
            )
        return line

    def remove_item(self, product: Product, now: datetime | None = None) -> CartItem:
        """Drop the line and release its whole quantity back to stock."""
        line = self._line(product.id)
        product.release_stock(line.quantity)
        self.items.remove(line)
        self.last_activity_at = now or utc_now()
        self.record(
            CartItemRemoved(aggregate_id=self.id, user_id=self.user_id, product_id=product.id, quantity=line.quantity)
        )
        return line

    def expire(self, products: dict[UUID, Product], now: datetime) -> dict[UUID, int]:
        """Release every line's stock (the same events as removals) and record CartExpired."""
        idle_since = self.last_activity_at
        released: dict[UUID, int] = {}
        for line in list(self.items):
            self.remove_item(products[line.product_id], now)
            released[line.product_id] = line.quantity
        self.last_activity_at = idle_since  # expiry is not shopper activity
        self.record(
            CartExpired(
                aggregate_id=self.id,
                user_id=self.user_id,
                released={str(k): v for k, v in released.items()},
                idle_since=idle_since,
            )
        )
        return released

    def mark_submitted(self, order_id: UUID, now: datetime) -> None:
        """The lines became an order: empty the cart; the stock stays reserved (it was sold)."""
        if self.is_empty:
            raise EmptyCart()
        self.items.clear()
        self.last_activity_at = now
        self.record(CartSubmitted(aggregate_id=self.id, user_id=self.user_id, order_id=order_id))

    def _line(self, product_id: UUID) -> CartItem:
        line = self.line_for(product_id)
        if line is None:
            raise CartItemNotFound(product_id)
        return line
