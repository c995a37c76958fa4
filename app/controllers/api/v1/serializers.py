"""Domain objects and read models → API v1's exact wire shapes (api-v1.md §2-§4): the Structs of `wire`.

Keys come in the documented order (the Structs' field order). Money is a string with two places,
except the two `"0"`s the original sent (an empty cart's total, an order without a coupon).
Timestamps are ISO-8601 in UTC with `+00:00`, the fraction left out when it is zero (what `datetime.isoformat()` does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal, Protocol, TypeVar
from uuid import UUID

from app.controllers.api.v1 import wire
from app.domain.addresses import VerifiedAddress
from app.domain.carts import Cart
from app.domain.coupons import Coupon
from app.domain.flags import FeatureFlag
from app.domain.money import CENT
from app.domain.pagination import Page
from app.domain.users import Capability, Role, UserContext
from app.services.checkout import CouponPreview
from app.services.read_models import ManagedUserView, OrderLike, ProductLike, ProductReportRow

T = TypeVar("T")
R = TypeVar("R")

V1_CAPABILITIES: tuple[Capability, ...] = (
    Capability.PRODUCTS_VIEW,
    Capability.PRODUCTS_CREATE,
    Capability.PRODUCTS_DELETE,
    Capability.PRODUCTS_RESTORE,
    Capability.PRODUCTS_VIEW_DELETED,
    Capability.PRODUCTS_REPORT,
    Capability.CART_VIEW,
    Capability.CART_MODIFY,
    Capability.CART_SUBMIT,
    Capability.ORDERS_VIEW_OWN,
    Capability.ORDERS_VIEW_ALL,
    Capability.FEATURE_FLAGS_MANAGE,
)
"""The twelve capabilities v1 knows (§3.1); later ones (e.g. `audit:view`) are not shown to v1 clients."""


def money(value: Decimal) -> str:
    return str((value + 0).quantize(CENT))  # `+ 0` turns a negative zero into "0.00"


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def optional_timestamp(value: datetime | None) -> str | None:
    return timestamp(value) if value is not None else None


def _role(value: str) -> Literal["admin", "customer"]:
    return "admin" if value == Role.ADMIN else "customer"


def user(context: UserContext, enabled_flags: Sequence[str]) -> wire.V1User:
    return wire.V1User(
        id=str(context.user_id),
        username=context.username,
        role=_role(context.role.value if context.role else Role.CUSTOMER),
        capabilities=[c.value for c in V1_CAPABILITIES if context.can(c)],
        enabled_flags=sorted(enabled_flags),
    )


def product(value: ProductLike) -> wire.V1Product:
    return wire.V1Product(
        id=str(value.id),
        name=value.name,
        price=money(value.price),
        stock_quantity=value.stock_quantity,
        created_at=timestamp(value.created_at),
        deleted_at=optional_timestamp(value.deleted_at),
    )


def report_item(row: ProductReportRow) -> wire.V1ReportItem:
    return wire.V1ReportItem(
        product_id=str(row.product_id),
        name=row.name,
        price=money(row.price),
        stock_quantity=row.stock_quantity,
        is_deleted=row.is_deleted,
        total_sold=row.total_sold,
        currently_reserved=row.currently_reserved,
    )


Envelope = TypeVar("Envelope", wire.V1ProductPage, wire.V1ReportPage)


def page_of(page: Page[T], item: Callable[[T], R], envelope: Callable[..., Envelope]) -> Envelope:
    """The pagination envelope (§2.2) of the catalog and the product report."""
    return envelope(
        results=[item(value) for value in page.items],
        page=page.page,
        page_size=page.page_size,
        total_count=page.total_count,
        total_pages=page.total_pages,
        has_next=page.has_next,
        has_previous=page.has_previous,
    )


def cart(value: Cart) -> wire.V1Cart:
    return wire.V1Cart(
        id=str(value.id),
        user_id=str(value.user_id),
        items=[
            wire.V1CartItem(
                id=str(line.id),
                product_id=str(line.product_id),
                product_name=line.product_name,
                unit_price=money(line.unit_price),
                quantity=line.quantity,
            )
            for line in value.items
        ],
        created_at=timestamp(value.created_at),
        total=money(value.total) if value.items else "0",
        item_count=value.item_count,
    )


def address(value: VerifiedAddress) -> wire.V1Address:
    return wire.V1Address(
        street_line_1=value.street_line_1,
        street_line_2=value.street_line_2,
        city=value.city,
        state=value.state,
        postal_code=value.postal_code,
        country=value.country,
        verification_id=value.verification_id,
    )


def order(value: OrderLike) -> wire.V1Order:
    return wire.V1Order(
        id=str(value.id),
        user_id=str(value.user_id),
        items=[
            wire.V1OrderItem(
                id=str(line.id),
                order_id=str(value.id),
                product_id=str(line.product_id),
                product_name=line.product_name,
                unit_price=money(line.unit_price),
                quantity=line.quantity,
            )
            for line in value.items
        ],
        shipping_address=address(value.shipping_address),
        submitted_at=timestamp(value.submitted_at),
        coupon_id=str(value.coupon_id) if value.coupon_id else None,
        coupon_code=value.coupon_code,
        coupon_discount=money(value.discount) if value.coupon_id else "0",
        subtotal=money(value.subtotal),
        total=money(value.total),
    )


def verified_address(value: VerifiedAddress) -> wire.V1AddressVerified:
    return wire.V1AddressVerified(verified=True, status="verified", standardized_address=address(value))


def failed_verification(message: str, field: str | None) -> wire.V1AddressRefused:
    """The same shape for every failure: `status` is always "invalid" (§7.5)."""
    return wire.V1AddressRefused(verified=False, status="invalid", error_message=message, field=field)


def coupon_preview(preview: CouponPreview) -> wire.V1CouponPreview:
    return wire.V1CouponPreview(
        discount_percent=money(preview.discount_percent), discount_amount=money(preview.discount)
    )


def coupon(value: Coupon) -> wire.V1Coupon:
    return wire.V1Coupon(
        id=str(value.id),
        code=value.code,
        discount_percent=money(value.discount_percent),
        expires_at=timestamp(value.expires_at),
        created_at=timestamp(value.created_at),
    )


def _ids(values: Iterable[UUID]) -> list[str]:
    """v1 built these lists from sets (no stable order); here they are sorted, so responses compare."""
    return sorted(str(value) for value in values)


def flag(value: FeatureFlag) -> wire.V1Flag:
    return wire.V1Flag(
        name=value.name,
        enabled=value.enabled,
        description=value.description,
        created_at=timestamp(value.created_at),
        updated_at=timestamp(value.updated_at),
        target_group_ids=_ids(value.target_group_ids),
    )


class _Group(Protocol):
    """A user group as v1 shows it: the UserGroup aggregate and GroupView (lists) both have it."""

    @property
    def id(self) -> UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...


def group(value: _Group) -> wire.V1Group:
    return wire.V1Group(id=str(value.id), name=value.name, description=value.description)


def group_members(member_ids: Iterable[UUID]) -> wire.V1GroupMembers:
    return wire.V1GroupMembers(user_ids=_ids(member_ids))


def managed_user(view: ManagedUserView) -> wire.V1ManagedUser:
    return wire.V1ManagedUser(
        id=str(view.id),
        username=view.username,
        email=view.email,
        role=_role(view.role),
        group_ids=_ids(view.group_ids),
    )
