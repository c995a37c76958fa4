"""API v1 catalog (api-v1.md §2.2, §2.3, §6.1): the envelope, ordering, filters and clamping."""

from __future__ import annotations

import asyncpg
import pytest
from litestar import Litestar

from tests.contract import shapes
from tests.contract.conftest import Client, add_product, fill_cart


async def names(client: Client, query: str = "") -> list[str]:
    response = await client.get(f"/api/v1/products/?{query}")
    assert response.status_code == 200, response.text
    return [product["name"] for product in response.json()["results"]]


async def test_a_page_of_products_in_the_documented_envelope(app: Litestar, client: Client):
    product_id = await add_product(app, name="Widget", price="10", stock=5)

    response = await client.get("/api/v1/products/")

    assert response.status_code == 200
    body = response.json()
    shapes.page(body)
    assert body["results"] == [
        {
            "id": product_id,
            "name": "Widget",
            "price": "10.00",
            "stock_quantity": 5,
            "created_at": body["results"][0]["created_at"],
            "deleted_at": None,
        }
    ]
    assert {k: v for k, v in body.items() if k != "results"} == {
        "page": 1,
        "page_size": 20,
        "total_count": 1,
        "total_pages": 1,
        "has_next": False,
        "has_previous": False,
    }


async def test_products_are_sorted_by_name_with_uppercase_first(app: Litestar, client: Client):
    for name in ("banana", "Cherry", "apple", "Banana"):
        await add_product(app, name=name)
    assert await names(client) == ["Banana", "Cherry", "apple", "banana"]


async def test_nothing_matching_is_zero_pages(client: Client):
    body = (await client.get("/api/v1/products/?search=nothing")).json()
    assert (body["results"], body["total_count"], body["total_pages"], body["has_next"]) == ([], 0, 0, False)


@pytest.mark.parametrize(
    ("query", "page", "page_size"),
    [
        ("page_size=0", 1, 1),
        ("page_size=-3", 1, 1),
        ("page_size=1000", 1, 100),
        ("page_size=abc", 1, 20),
        ("page_size=2.5", 1, 20),
        ("page=0", 1, 20),
        ("page=-1", 1, 20),
        ("page=abc", 1, 20),
        ("page=", 1, 20),
    ],
)
async def test_paging_parameters_are_clamped_never_refused(client: Client, query: str, page: int, page_size: int):
    response = await client.get(f"/api/v1/products/?{query}")
    assert response.status_code == 200
    assert (response.json()["page"], response.json()["page_size"]) == (page, page_size)


async def test_pages_split_the_catalog_and_a_page_past_the_end_is_empty(app: Litestar, client: Client):
    for letter in "abcde":
        await add_product(app, name=f"Item {letter}")

    second = (await client.get("/api/v1/products/?page=2&page_size=2")).json()
    past = (await client.get("/api/v1/products/?page=9&page_size=2")).json()
    far = (await client.get("/api/v1/products/?page=99999999999999999999&page_size=2")).json()

    assert [p["name"] for p in second["results"]] == ["Item c", "Item d"]
    assert (second["total_pages"], second["has_next"], second["has_previous"]) == (3, True, True)
    assert (past["results"], past["page"], past["has_next"], past["has_previous"]) == ([], 9, False, True)
    assert (far["results"], far["page"], far["total_count"]) == ([], 99999999999999999999, 5)


async def test_search_is_a_case_insensitive_substring_and_empty_means_all(app: Litestar, client: Client):
    for name in ("Blue Lamp", "red lamp", "Chair"):
        await add_product(app, name=name)
    assert await names(client, "search=LAMP") == ["Blue Lamp", "red lamp"]
    assert await names(client, "search=") == ["Blue Lamp", "Chair", "red lamp"]
    assert await names(client, "search=50%25") == []


async def test_price_bounds_are_inclusive_and_unreadable_ones_ignored(app: Litestar, client: Client):
    for name, price in (("Cheap", "5.00"), ("Mid", "10.00"), ("Dear", "20.00")):
        await add_product(app, name=name, price=price)
    assert await names(client, "min_price=10&max_price=20") == ["Dear", "Mid"]
    assert await names(client, "min_price=9.999") == ["Dear", "Mid"]
    assert await names(client, "max_price=10.001") == ["Cheap", "Mid"]
    assert await names(client, "min_price=abc&max_price=") == ["Cheap", "Dear", "Mid"]
    assert await names(client, "min_price=1e999999") == []
    assert await names(client, "max_price=NaN") == ["Cheap", "Dear", "Mid"]


@pytest.mark.parametrize(
    ("value", "only_in_stock"),
    [("true", True), ("1", True), ("YES", True), ("false", False), ("no", False), ("", False)],
)
async def test_in_stock_counts_only_true_1_and_yes(app: Litestar, client: Client, value: str, only_in_stock: bool):
    await add_product(app, name="Gone", stock=0)
    await add_product(app, name="Here", stock=1)
    assert await names(client, f"in_stock={value}") == (["Here"] if only_in_stock else ["Gone", "Here"])


async def test_include_deleted_is_honoured_for_admins(
    app: Litestar, client: Client, db: asyncpg.Connection, admin: dict[str, str]
):
    await add_product(app, name="Old")
    await add_product(app, name="New")
    await db.execute("UPDATE product SET deleted_at = now() WHERE name = 'Old'")

    body = (await client.get("/api/v1/products/?include_deleted=yes")).json()

    shapes.page(body)
    assert [p["name"] for p in body["results"]] == ["New", "Old"]
    assert body["results"][1]["deleted_at"] is not None
    assert await names(client, "include_deleted=false") == ["New"]


async def test_include_deleted_is_ignored_for_anonymous_callers(app: Litestar, client: Client, db: asyncpg.Connection):
    await add_product(app, name="Old")
    await db.execute("UPDATE product SET deleted_at = now()")
    assert await names(client, "include_deleted=true") == []


async def test_customers_get_deleted_products_ignored_not_refused(
    app: Litestar, client: Client, db: asyncpg.Connection, customer: dict[str, str]
):
    await add_product(app, name="Old")
    await db.execute("UPDATE product SET deleted_at = now()")
    response = await client.get("/api/v1/products/?include_deleted=1")
    assert response.status_code == 200 and response.json()["results"] == []


async def test_stock_quantity_is_the_unreserved_stock(app: Litestar, client: Client, customer: dict[str, str]):
    product_id = await add_product(app, name="Widget", stock=5)
    await fill_cart(client, customer, product_id, 3)
    body = (await client.get("/api/v1/products/")).json()
    assert body["results"][0]["stock_quantity"] == 2
