"""API v1 product report (api-v1.md §6.5): the envelope, sales and reservations, filters, paging, who may see it."""

from __future__ import annotations

import pytest
from litestar import Litestar

from tests.contract import shapes
from tests.contract.conftest import ADDRESS, Client, add_product, become, delete_product, fill_cart

REPORT = "/api/v1/products/report/"


async def names(client: Client, query: str = "") -> list[str]:
    response = await client.get(f"{REPORT}?{query}")
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["results"]]


async def arrange_sales(app: Litestar, client: Client) -> dict[str, str]:
    """Sold: 3 bought; Held: 2 in a cart; Idle: neither; Gone: deleted. Leaves an admin logged in."""
    ids = {
        name: await add_product(app, name=name, price="10.00", stock=10) for name in ("Sold", "Held", "Idle", "Gone")
    }
    shopper = await become(app, client, "alice")
    await fill_cart(client, shopper, ids["Sold"], 3)
    submitted = await client.post("/api/v1/cart/submit/", json={"shipping_address": ADDRESS}, headers=shopper)
    assert submitted.status_code == 201
    await fill_cart(client, shopper, ids["Held"], 2)
    await delete_product(app, ids["Gone"])
    await become(app, client, "boss", "admin")
    return ids


async def test_the_report_shows_each_product_with_its_sales_and_reservations(app: Litestar, client: Client):
    ids = await arrange_sales(app, client)

    response = await client.get(REPORT)

    assert response.status_code == 200
    body = response.json()
    shapes.page(body, shapes.report_item)
    assert body["results"] == [
        {
            "product_id": ids["Held"],
            "name": "Held",
            "price": "10.00",
            "stock_quantity": 8,
            "is_deleted": False,
            "total_sold": 0,
            "currently_reserved": 2,
        },
        {
            "product_id": ids["Idle"],
            "name": "Idle",
            "price": "10.00",
            "stock_quantity": 10,
            "is_deleted": False,
            "total_sold": 0,
            "currently_reserved": 0,
        },
        {
            "product_id": ids["Sold"],
            "name": "Sold",
            "price": "10.00",
            "stock_quantity": 7,
            "is_deleted": False,
            "total_sold": 3,
            "currently_reserved": 0,
        },
    ]
    assert {k: v for k, v in body.items() if k != "results"} == {
        "page": 1,
        "page_size": 20,
        "total_count": 3,
        "total_pages": 1,
        "has_next": False,
        "has_previous": False,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("include_deleted=true", ["Gone", "Held", "Idle", "Sold"]),
        ("include_deleted=false", ["Held", "Idle", "Sold"]),
        ("search=OL", ["Sold"]),
        ("search=", ["Held", "Idle", "Sold"]),
        ("low_stock_threshold=8", ["Held", "Sold"]),
        ("low_stock_threshold=abc", ["Held", "Idle", "Sold"]),
        ("low_stock_threshold=99999999999999999999", ["Held", "Idle", "Sold"]),
        ("low_stock_threshold=-99999999999999999999", []),
        ("has_sales=true", ["Sold"]),
        ("has_sales=no", ["Held", "Idle"]),
        ("has_sales=", ["Held", "Idle"]),  # present but not true means false (§2.3)
        ("has_reservations=1", ["Held"]),
        ("has_reservations=false", ["Idle", "Sold"]),
        ("has_sales=false&has_reservations=false", ["Idle"]),
    ],
)
async def test_filters_follow_v1s_parameter_rules(app: Litestar, client: Client, query: str, expected: list[str]):
    await arrange_sales(app, client)
    assert await names(client, query) == expected


async def test_the_report_is_sorted_by_name_and_paged_like_the_catalog(
    app: Litestar, client: Client, admin: dict[str, str]
):
    for name in ("b", "C", "a", "D", "e"):
        await add_product(app, name=name)

    second = (await client.get(f"{REPORT}?page=2&page_size=2")).json()
    past = (await client.get(f"{REPORT}?page=99999999999999999999&page_size=2")).json()
    clamped = (await client.get(f"{REPORT}?page=abc&page_size=1000")).json()

    assert [item["name"] for item in second["results"]] == ["a", "b"]
    assert (second["total_pages"], second["has_next"], second["has_previous"]) == (3, True, True)
    assert (past["results"], past["page"], past["total_count"], past["has_previous"]) == (
        [],
        99999999999999999999,
        5,
        True,
    )
    assert (clamped["page"], clamped["page_size"], len(clamped["results"])) == (1, 100, 5)
    assert await names(client) == ["C", "D", "a", "b", "e"]


async def test_customers_may_not_see_the_report(client: Client, customer: dict[str, str]):
    response = await client.get(REPORT)
    assert response.status_code == 403
    assert response.json() == {
        "error": "Permission denied for 'get_product_report': Only admins can view product reports"
    }


async def test_anonymous_callers_must_log_in(client: Client):
    response = await client.get("/api/products/report/")
    assert (response.status_code, response.json()) == (401, {"error": "Authentication required"})
