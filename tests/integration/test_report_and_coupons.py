"""The product report (one query over products, orders and carts) and coupon administration."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from app.adapters.readers import SqlCouponReader, SqlProductReportReader
from app.domain.coupons import DuplicateCouponCode
from app.domain.errors import PermissionDenied, ValidationError
from app.domain.events import utc_now
from app.domain.pagination import PageRequest
from app.services.coupons import CouponService
from app.services.read_models import ReportFilter
from app.services.reports import ReportService
from tests.integration.conftest import make_user
from tests.integration.test_cart_and_checkout import ADDRESS, admin_of


async def test_the_report_sums_sales_and_reservations_per_product(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    alice, bob = await make_user(shop, db, "alice"), await make_user(shop, db, "bob")
    sold = await shop.products.create_product(admin, name="A Sold", price="5.00", stock_quantity=10)
    held = await shop.products.create_product(admin, name="B Held", price="6.00", stock_quantity=10)
    await shop.products.create_product(admin, name="C Idle", price="7.00", stock_quantity=2)
    gone = await shop.products.create_product(admin, name="D Gone", price="8.00", stock_quantity=1)
    await shop.products.delete_product(admin, gone.id)
    await shop.carts.add_item(alice, sold.id, 3)
    await shop.checkout.submit_cart(alice, address=ADDRESS)
    await shop.carts.add_item(bob, sold.id, 1)
    await shop.carts.add_item(bob, held.id, 4)
    reports = ReportService(SqlProductReportReader(shop.database.engine))

    async def rows(**filters: Any) -> list[tuple[str, int, int]]:
        page = await reports.product_report(admin, ReportFilter(**filters), PageRequest())
        return [(r.name, r.total_sold, r.currently_reserved) for r in page.items]

    assert await rows() == [("A Sold", 3, 1), ("B Held", 0, 4), ("C Idle", 0, 0)]
    assert await rows(include_deleted=True) == [("A Sold", 3, 1), ("B Held", 0, 4), ("C Idle", 0, 0), ("D Gone", 0, 0)]
    assert await rows(has_sales=True) == [("A Sold", 3, 1)]
    assert await rows(has_sales=False, has_reservations=False) == [("C Idle", 0, 0)]
    assert await rows(low_stock_threshold=2) == [("C Idle", 0, 0)]
    assert await rows(search="held") == [("B Held", 0, 4)]
    page = await reports.product_report(admin, ReportFilter(), PageRequest(page=2, page_size=2))
    assert (page.total_count, page.total_pages, [r.name for r in page.items]) == (3, 2, ["C Idle"])
    customer = await make_user(shop, db, "carol")
    with pytest.raises(PermissionDenied, match="Only admins can view product reports"):
        await reports.product_report(customer, ReportFilter(), PageRequest())


async def test_admins_create_coupons_with_normalised_codes_listed_newest_first(shop: Any, db: asyncpg.Connection):
    admin = await admin_of(shop, db)
    coupons = CouponService(shop.carts._uow, SqlCouponReader(shop.database.engine))
    tomorrow = utc_now() + timedelta(days=1)

    first = await coupons.create_coupon(admin, code=" save10 ", discount_percent="10", expires_at=tomorrow)
    await coupons.create_coupon(admin, code="HALF", discount_percent="12.5", expires_at=tomorrow)

    assert first.code == "SAVE10"
    assert [(c.code, c.discount_percent) for c in await coupons.list_coupons(admin)] == [
        ("HALF", Decimal("12.50")),
        ("SAVE10", Decimal("10.00")),
    ]
    with pytest.raises(DuplicateCouponCode):
        await coupons.create_coupon(admin, code="save10", discount_percent="5", expires_at=tomorrow)
    with pytest.raises(ValidationError) as refused:
        await coupons.create_coupon(admin, code="", discount_percent="150", expires_at=utc_now() - timedelta(days=1))
    assert set(refused.value.errors) == {"code", "discount_percent", "expires_at"}
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE event_type = 'CouponCreated'") == 2
