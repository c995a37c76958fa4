"""Keyset browsing of the catalog (CatalogService.browse_products) and its cursors, over a fake reader."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from app.domain.errors import PermissionDenied, ValidationError
from app.domain.pagination import Count, Cursor, InvalidCursor
from app.domain.users import Role, UserContext
from app.services.catalog import CATALOG_SORTS, CatalogService, catalog_sort
from app.services.read_models import CatalogFilter, ProductView
from tests.support.fakes import FakeCatalogReader

TENANT = UUID("00000000-0000-4000-8000-000000000001")
SHOPPER = UserContext.anonymous(TENANT)
CUSTOMER = UserContext(user_id=uuid4(), username="alice", role=Role.CUSTOMER, tenant_id=TENANT)
ADMIN = UserContext(user_id=uuid4(), username="admin", role=Role.ADMIN, tenant_id=TENANT)
START = datetime(2026, 12, 1, tzinfo=UTC)


def product(name: str, price: str = "10.00", *, minutes: int = 0, deleted: bool = False) -> ProductView:
    return ProductView(
        id=uuid4(),
        name=name,
        price=Decimal(price),
        stock_quantity=5,
        image_key=None,
        created_at=START + timedelta(minutes=minutes),
        deleted_at=START if deleted else None,
        version=1,
    )


def service(*products: ProductView) -> tuple[CatalogService, FakeCatalogReader]:
    reader = FakeCatalogReader(products, TENANT)
    return CatalogService(reader), reader


async def walk(catalog: CatalogService, sort: str, limit: int, filters: CatalogFilter | None = None) -> list[str]:
    names: list[str] = []
    after = None
    while True:
        page = await catalog.browse_products(SHOPPER, filters or CatalogFilter(), CATALOG_SORTS[sort], after, limit)
        names += [p.name for p in page.items]
        if page.next_cursor is None:
            return names
        after = Cursor.decode(page.next_cursor.encode(), CATALOG_SORTS[sort])  # through the URL, as a link would


async def test_walking_every_page_by_name_returns_each_live_product_once_in_order():
    catalog, _ = service(*(product(f"Lamp {i:02d}") for i in range(7)), product("Zither", deleted=True))

    assert await walk(catalog, "name", 3) == [f"Lamp {i:02d}" for i in range(7)]


async def test_equal_prices_are_ordered_by_id_so_no_product_is_skipped_or_repeated():
    same = [product(f"P{i}", "5.00") for i in range(5)]
    catalog, _ = service(*same, product("Dear", "99.00"))

    names = await walk(catalog, "-price", 2)

    tied = sorted(same, key=lambda p: str(p.id), reverse=True)
    assert names == ["Dear", *(p.name for p in tied)]


async def test_newest_first_and_name_descending_sorts():
    catalog, _ = service(product("Old", minutes=0), product("New", minutes=5), product("Mid", minutes=2))

    assert await walk(catalog, "-created_at", 1) == ["New", "Mid", "Old"]
    assert await walk(catalog, "-name", 2) == ["Old", "New", "Mid"]


async def test_the_last_page_has_no_next_cursor_and_an_exact_fit_needs_no_empty_page():
    catalog, reader = service(product("A"), product("B"))

    page = await catalog.browse_products(SHOPPER, CatalogFilter(), limit=2)

    assert [p.name for p in page.items] == ["A", "B"] and page.next_cursor is None
    assert reader.calls[-1].limit == 3  # one more row than shown tells whether a next page exists


async def test_the_count_is_asked_for_only_when_wanted_and_reports_its_cap():
    catalog, _ = service(*(product(f"N{i}") for i in range(5)))

    assert (await catalog.browse_products(SHOPPER, CatalogFilter(), limit=2)).count is None
    capped = await catalog.browse_products(SHOPPER, CatalogFilter(), limit=2, count_up_to=3)
    assert capped.count == Count(3, capped=True)
    exact = await catalog.browse_products(SHOPPER, CatalogFilter(), limit=2, count_up_to=10)
    assert exact.count == Count(5, capped=False)


async def test_the_limit_is_clamped_and_skip_serves_old_page_numbers():
    catalog, reader = service(*(product(f"N{i}") for i in range(5)))

    page = await catalog.browse_products(SHOPPER, CatalogFilter(), limit=2, skip=2)

    assert [p.name for p in page.items] == ["N2", "N3"]
    await catalog.browse_products(SHOPPER, CatalogFilter(), limit=10_000, skip=-4)
    assert reader.calls[-1].limit == 101 and reader.calls[-1].skip == 0


async def test_a_cursor_of_another_sort_is_refused():
    catalog, _ = service(product("A"), product("B"))
    by_price = Cursor("price", Decimal("10.00"), uuid4())

    with pytest.raises(InvalidCursor, match="another sort order"):
        await catalog.browse_products(SHOPPER, CatalogFilter(), CATALOG_SORTS["name"], by_price)


async def test_only_those_who_may_see_deleted_products_browse_them():
    catalog, _ = service(product("Gone", deleted=True))

    with pytest.raises(PermissionDenied):
        await catalog.browse_products(CUSTOMER, CatalogFilter(include_deleted=True))
    page = await catalog.browse_products(ADMIN, CatalogFilter(include_deleted=True))
    assert [p.name for p in page.items] == ["Gone"]


def test_cursors_survive_encoding_for_every_key_type():
    for cursor in (
        Cursor("name", "Lampe à huile", uuid4()),
        Cursor("name", "🪔" * 200, uuid4()),  # the longest name, of 4-byte characters
        Cursor("-price", Decimal("1234.50"), uuid4()),
        Cursor("-created_at", START + timedelta(microseconds=7), uuid4()),
    ):
        raw = cursor.encode()
        assert raw.isascii() and "=" not in raw
        assert Cursor.decode(raw, CATALOG_SORTS[cursor.sort]) == cursor


ANY_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"  # fixed: parametrize values must match in every xdist worker


def _raw(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not base64!",
        "x" * 3000,
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        _raw(1, "price", "d", "NaN", ANY_ID),
        _raw(1, "price", "d", "1e400", ANY_ID),
        _raw(1, "price", "d", "ten", ANY_ID),
        _raw(1, "price", "s", "10", ANY_ID),
        _raw(1, "price", "d", "10", "not-a-uuid"),
        _raw(2, "price", "d", "10", ANY_ID),
        _raw(1, "price", "d", 10, ANY_ID),
        _raw(1, "price", "d", "10"),
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
    ],
)
def test_damaged_or_hand_made_cursors_are_invalid_input(raw: str):
    with pytest.raises(InvalidCursor) as refused:
        Cursor.decode(raw, CATALOG_SORTS["price"])
    assert isinstance(refused.value, ValidationError) and refused.value.field == "after"


def test_timestamps_without_offset_and_names_with_nul_are_refused():
    with pytest.raises(InvalidCursor):
        Cursor.decode(_raw(1, "-created_at", "t", "2026-12-01T00:00:00", str(uuid4())), CATALOG_SORTS["-created_at"])
    with pytest.raises(InvalidCursor):
        Cursor.decode(_raw(1, "name", "s", "a\x00b", str(uuid4())), CATALOG_SORTS["name"])


def test_sorts_are_named_as_urls_spell_them():
    assert catalog_sort(None) is CATALOG_SORTS["name"] and catalog_sort("-price").descending
    with pytest.raises(ValidationError, match="Sort by one of: name, -name, price, -price, -created_at"):
        catalog_sort("stock")


def test_the_catalog_readers_columns_are_product_views_fields_in_order() -> None:
    """Rows become ProductViews by position (app.adapters.readers._view)."""
    from dataclasses import fields

    from app.adapters.readers import SqlCatalogReader
    from app.services.read_models import ProductView

    columns = [column.strip().split(" AS ")[-1] for column in SqlCatalogReader._COLUMNS.split(",")]
    assert columns == [field.name for field in fields(ProductView)]
