"""The Order aggregate: created once from a cart, never edited or deleted.

It copies everything it needs at the moment of submission (items with their snapshot prices,
the verified address, the coupon code and discount), so later changes to products or coupons
never rewrite an order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from app.domain.addresses import VerifiedAddress
from app.domain.aggregate import Aggregate
from app.domain.carts import Cart, EmptyCart
from app.domain.coupons import Coupon
from app.domain.errors import NotFound
from app.domain.events import CouponApplied, OrderCreated, utc_now


class OrderNotFound(NotFound):
    code = "order_not_found"

    def __init__(self, order_id: UUID | str) -> None:
        super().__init__(f"Order '{order_id}' not found")


@dataclass(frozen=True, kw_only=True)
class OrderItem:
    id: UUID
    product_id: UUID
    product_name: str
    unit_price: Decimal
    quantity: int

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(kw_only=True)
class Order(Aggregate):
    user_id: UUID
    number: int
    """Human-facing order number ("Order #1043"), allocated by the repository."""
    items: list[OrderItem]
    shipping_address: VerifiedAddress
    subtotal: Decimal
    coupon_id: UUID | None = None
    coupon_code: str | None = None
    discount: Decimal = Decimal("0.00")
    total: Decimal
    submitted_at: datetime = field(default_factory=utc_now)

    @classmethod
    def place(
        cls,
        *,
        cart: Cart,
        number: int,
        address: VerifiedAddress,
        coupon: Coupon | None,
        now: datetime | None = None,
    ) -> Order:
        """Turn the cart's lines into an order and empty the cart (its stock stays sold)."""
        if cart.is_empty:
            raise EmptyCart()
        now = now or utc_now()
        subtotal = cart.total
        discount = coupon.discount_for(subtotal) if coupon else Decimal("0.00")
        order = cls(
            id=uuid4(),
            tenant_id=cart.tenant_id,
            user_id=cart.user_id,
            number=number,
            items=[
                OrderItem(
                    id=uuid4(),
                    product_id=line.product_id,
                    product_name=line.product_name,
                    unit_price=line.unit_price,
                    quantity=line.quantity,
                )
                for line in cart.items
            ],
            shipping_address=address,
            subtotal=subtotal,
            coupon_id=coupon.id if coupon else None,
            coupon_code=coupon.code if coupon else None,
            discount=discount,
            total=subtotal - discount,
            submitted_at=now,
        )
        order.record(
            OrderCreated(
                aggregate_id=order.id,
                user_id=order.user_id,
                number=number,
                item_count=sum(i.quantity for i in order.items),
                subtotal=subtotal,
                discount=discount,
                total=order.total,
                coupon_code=order.coupon_code,
            )
        )
        if coupon is not None:
            coupon.record(
                CouponApplied(
                    aggregate_id=coupon.id,
                    code=coupon.code,
                    order_id=order.id,
                    user_id=order.user_id,
                    discount=discount,
                )
            )
        cart.mark_submitted(order.id, now)
        return order
