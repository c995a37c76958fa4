"""Keyset browsing and counting of the catalog on real PostgreSQL, under row-level security."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from app.adapters import readers
from app.domain.pagination import Count, PageRequest
from app.domain.users import UserContext
from app.services.catalog import CATALOG_SORTS
from app.services.read_models import CatalogFilter
from app.settings import get_settings

OUTLET = UUID("00000000-0000-4000-8000-0000000000aa")
START = datetime(2026, 12, 1, tzinfo=UTC)


async def insert(db: asyncpg.Connection, names: list[str], tenant_id: UUID | None = None, **fixed: Any) -> list[UUID]:
    """Products straight into the table (the owner connection): prices and timestamps with many ties."""
    tenant_id = tenant_id or get_settings().app.default_tenant_id
    rng = random.Random(len(names))
    ids = [uuid4() for _ in names]
    await db.executemany(
        "INSERT INTO product (id, tenant_id, name, price, stock_quantity, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        [
            (
                id_,
                tenant_id,
                name,
                fixed.get("price", Decimal(rng.choice(["5.00", "9.99", "12.50"]))),
                fixed.get("stock", rng.randint(0, 3)),
                START + timedelta(minutes=rng.randint(0, 2)),
            )
            for id_, name in zip(ids, names, strict=True)
        ],
    )
    return ids


async def walk(shop: Any, sort: str, filters: CatalogFilter, limit: int, between_pages: Any = None) -> list[UUID]:
    shopper = UserContext.anonymous(get_settings().app.default_tenant_id)
    seen: list[UUID] = []
    after = None
    while True:
        page = await shop.catalog.browse_products(shopper, filters, CATALOG_SORTS[sort], after, limit)
        seen += [p.id for p in page.items]
        if page.next_cursor is None:
            return seen
        after = page.next_cursor
        if between_pages is not None:
            await between_pages(len(seen))


@pytest.mark.parametrize("sort", list(CATALOG_SORTS))
async def test_walking_all_pages_returns_each_live_product_once_in_the_sort_order(
    shop: Any, db: asyncpg.Connection, sort: str
):
    ids = await insert(db, [f"Lamp {i:02d}" for i in range(23)] + ["lamp lower", "Ämpel", "Zebra"])
    await db.execute("UPDATE product SET deleted_at = now() WHERE id = $1", ids[3])

    seen = await walk(shop, sort, CatalogFilter(), limit=4)

    assert sorted(seen) == sorted(set(ids) - {ids[3]})  # each live product exactly once
    column = {"name": 'name COLLATE "C"', "price": "price", "created_at": "created_at"}[CATALOG_SORTS[sort].field]
    direction = "DESC" if sort.startswith("-") else "ASC"
    expected = await db.fetch(
        f"SELECT id FROM product WHERE deleted_at IS NULL ORDER BY {column} {direction}, id {direction}"
    )
    assert seen == [row["id"] for row in expected]


@pytest.mark.parametrize("sort", list(CATALOG_SORTS))
async def test_price_bounded_pages_walk_the_ordering_index_and_keep_its_order(
    shop: Any, db: asyncpg.Connection, sort: str
):
    ids = await insert(db, [f"Lamp {i:02d}" for i in range(23)] + ["lamp lower", "Ämpel", "Zebra"])
    await db.execute("UPDATE product SET deleted_at = now() WHERE id = $1", ids[3])
    await db.execute("UPDATE product SET price = 20.00 WHERE id = ANY($1::uuid[])", ids[::4])
    priced = CatalogFilter(min_price=Decimal("9.99"), max_price=Decimal("12.50"), in_stock_only=True)
    shopper = UserContext.anonymous(get_settings().app.default_tenant_id)

    seen = await walk(shop, sort, priced, limit=4)
    listed = [
        p.id
        for n in (1, 2, 3)
        for p in (await shop.catalog.list_products(shopper, priced, PageRequest(page=n, page_size=4))).items
    ]
    counted = (await shop.catalog.list_products(shopper, priced, PageRequest(page_size=4))).total_count

    column = {"name": 'name COLLATE "C"', "price": "price", "created_at": "created_at"}[CATALOG_SORTS[sort].field]
    direction = "DESC" if sort.startswith("-") else "ASC"
    matching = "deleted_at IS NULL AND price BETWEEN 9.99 AND 12.50 AND stock_quantity > 0"
    expected = await db.fetch(f"SELECT id FROM product WHERE {matching} ORDER BY {column} {direction}, id {direction}")
    by_name = await db.fetch(f'SELECT id FROM product WHERE {matching} ORDER BY name COLLATE "C", id')
    past_the_end = await shop.catalog.list_products(shopper, priced, PageRequest(page=40, page_size=4))
    assert 0 < len(expected) < 25
    assert seen == [row["id"] for row in expected]
    assert listed == [row["id"] for row in by_name][:12] and counted == len(by_name)
    assert past_the_end.items == [] and past_the_end.total_count == len(by_name)


async def test_products_created_and_deleted_while_walking_never_repeat_or_hide_the_others(
    shop: Any, db: asyncpg.Connection
):
    ids = await insert(db, [f"Chair {i:02d}" for i in range(20)], price=Decimal("10.00"))
    deleted: list[UUID] = []
    created: list[UUID] = []

    async def meanwhile(seen_so_far: int) -> None:
        # One deleted ahead of the reader, one behind it, and new ones on both sides of its position.
        ahead, behind = ids[-1 - len(deleted)], ids[len(deleted)]
        await db.execute("UPDATE product SET deleted_at = now() WHERE id = ANY($1)", [ahead, behind])
        deleted.extend([ahead, behind])
        created.extend(await insert(db, [f"Chair {seen_so_far:02d}a", f"Aardvark {seen_so_far}"], price=Decimal(1)))

    seen = await walk(shop, "name", CatalogFilter(), limit=5, between_pages=meanwhile)

    assert len(seen) == len(set(seen))  # nothing twice
    survivors = set(ids) - set(deleted)
    assert survivors - set(seen) == set()  # every product live from start to end was seen
    assert set(seen) <= set(ids) | set(created)


@pytest.mark.parametrize("ids_up_to", [2000, 3], ids=["rare term: by ids", "common term: filtered scan"])
async def test_filters_apply_on_every_page_and_the_capped_count_says_when_it_stopped(
    shop: Any, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch, ids_up_to: int
):
    monkeypatch.setattr(readers, "SEARCH_BY_IDS_UP_TO", ids_up_to)
    await insert(db, [f"Pro lamp {i}" for i in range(12)] + [f"Basic chair {i}" for i in range(5)], stock=2)
    await insert(db, ["Pro sold out"], stock=0)
    shopper = UserContext.anonymous(get_settings().app.default_tenant_id)
    search = CatalogFilter(search="PRO", in_stock_only=True)

    seen = await walk(shop, "-price", search, limit=5)
    first = await shop.catalog.browse_products(shopper, search, limit=5, count_up_to=10)
    exact = await shop.catalog.browse_products(shopper, search, limit=5, count_up_to=1000)

    assert len(seen) == 12
    assert first.count == Count(10, capped=True) and exact.count == Count(12)
    past_the_end = await shop.catalog.browse_products(shopper, search, limit=5, skip=50, count_up_to=1000)
    assert past_the_end.items == [] and past_the_end.count == Count(12)


@pytest.mark.parametrize("ids_up_to", [2000, 0], ids=["by ids", "filtered scan"])
async def test_search_finds_only_the_current_shops_products(
    shop: Any, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch, ids_up_to: int
):
    monkeypatch.setattr(readers, "SEARCH_BY_IDS_UP_TO", ids_up_to)
    await db.execute("INSERT INTO tenant (id, slug, name) VALUES ($1, 'outlet', 'Emporium Outlet')", OUTLET)
    [ours] = await insert(db, ["Brass lamp"])
    await insert(db, ["Brass lamp", "Brass lantern"], tenant_id=OUTLET)
    shopper = UserContext.anonymous(get_settings().app.default_tenant_id)

    found = await shop.catalog.browse_products(shopper, CatalogFilter(search="brass"), count_up_to=1000)
    listed = await shop.catalog.list_products(shopper, CatalogFilter(search="brass"), PageRequest())

    assert [p.id for p in found.items] == [ours] and found.count == Count(1)
    assert [p.id for p in listed.items] == [ours] and listed.total_count == 1


@pytest.mark.parametrize("ids_up_to", [2000, 0], ids=["by ids", "filtered scan"])
async def test_search_patterns_are_literal_text(
    shop: Any, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch, ids_up_to: int
):
    monkeypatch.setattr(readers, "SEARCH_BY_IDS_UP_TO", ids_up_to)
    await insert(db, ["100% wool", "1000 wool", "under_score", "underscore"])
    shopper = UserContext.anonymous(get_settings().app.default_tenant_id)

    async def names(term: str) -> list[str]:
        page = await shop.catalog.browse_products(shopper, CatalogFilter(search=term))
        return [p.name for p in page.items]

    assert await names("0%") == ["100% wool"]
    assert await names("r_s") == ["under_score"]


async def test_the_search_function_sees_nothing_without_a_tenant(db: asyncpg.Connection):
    await insert(db, ["Brass lamp"])

    assert await db.fetch("SELECT catalog_search_ids('%brass%')") == []  # no app.tenant_id set in this session
    assert await db.fetchval("SELECT catalog_search_count('%brass%', NULL, NULL, false)") == 0


@pytest.mark.parametrize("ids_up_to", [2000, 0], ids=["by ids", "common term: counted by the definer function"])
async def test_exact_filtered_counts_are_the_current_shops_own(
    shop: Any, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch, ids_up_to: int
):
    monkeypatch.setattr(readers, "SEARCH_BY_IDS_UP_TO", ids_up_to)
    await db.execute("INSERT INTO tenant (id, slug, name) VALUES ($1, 'outlet', 'Emporium Outlet')", OUTLET)
    await insert(db, [f"Brass lamp {i}" for i in range(7)], price=Decimal("10.00"), stock=1)
    await insert(db, ["Brass lamp sold out"], price=Decimal("10.00"), stock=0)
    await insert(db, ["Brass lamp dear"], price=Decimal("99.00"), stock=1)
    gone = await insert(db, ["Brass lamp gone"], price=Decimal("10.00"), stock=1)
    await db.execute("UPDATE product SET deleted_at = now() WHERE id = $1", gone[0])
    await insert(db, [f"Brass lamp {i}" for i in range(5)], tenant_id=OUTLET, price=Decimal("10.00"), stock=1)
    shopper = UserContext.anonymous(get_settings().app.default_tenant_id)
    filters = CatalogFilter(search="brass", max_price=Decimal("50"), in_stock_only=True)

    first = await shop.catalog.list_products(shopper, filters, PageRequest(page_size=3))
    beyond = await shop.catalog.list_products(shopper, filters, PageRequest(page=9, page_size=3))
    cheap = await shop.catalog.list_products(shopper, CatalogFilter(max_price=Decimal("50")), PageRequest())

    assert first.total_count == beyond.total_count == 7 and len(first.items) == 3 and beyond.items == []
    assert cheap.total_count == 8  # the sold-out one too; not the dear, the deleted or the outlet's
