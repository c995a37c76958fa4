"""A `customer_order` row as an order: the mapping of the order reader (the repository only writes orders)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from app.domain.addresses import VerifiedAddress

T = TypeVar("T")


def order_from_row(make: Callable[..., T], row: Mapping[str, Any], **own: Any) -> T:
    """`make` (the Order aggregate, or its read model `OrderView`) from the columns both have, plus `own`.

    `own` holds what only one of them has, the lines among it: each loads them its own way.
    """
    return make(
        id=row["id"],
        number=row["number"],
        user_id=row["user_id"],
        shipping_address=VerifiedAddress(
            street_line_1=row["ship_street_line_1"],
            street_line_2=row["ship_street_line_2"],
            city=row["ship_city"],
            state=row["ship_state"],
            postal_code=row["ship_postal_code"],
            country=row["ship_country"],
            verification_id=row["verification_id"],
        ),
        subtotal=row["subtotal"],
        coupon_id=row["coupon_id"],
        coupon_code=row["coupon_code"],
        discount=row["discount"],
        total=row["total"],
        submitted_at=row["submitted_at"],
        **own,
    )
