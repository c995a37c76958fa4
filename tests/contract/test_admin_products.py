"""API v1 product administration (api-v1.md §6.2-§6.4): create, soft delete, restore; every error body and its order."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from litestar import Litestar

from tests.contract import shapes
from tests.contract.conftest import ADDRESS, Client, add_product, become, delete_product, fill_cart
from tests.support.factories import NO_SUCH_IDS

CREATE = "/api/v1/products/create/"
AUTH_REQUIRED = {"error": "Authentication required"}
CREATE_DENIED = {"error": "Permission denied for 'create_product': Only administrators can create products"}
DELETE_DENIED = {"error": "Permission denied for 'delete_product': Only administrators can delete products"}
RESTORE_DENIED = {"error": "Permission denied for 'restore_product': Only administrators can restore products"}


async def create(client: Client, headers: dict[str, str], **body: Any) -> Any:
    return await client.post(
        CREATE, json={"name": "Widget", "price": "10.00", "stock_quantity": 5, **body}, headers=headers
    )


# --- create ---------------------------------------------------------------------------------------


async def test_an_admin_creates_a_product_and_gets_it_back(client: Client, admin: dict[str, str]):
    response = await create(client, admin, name="  Widget  ", price="10", stock_quantity="7")

    assert response.status_code == 201
    body = response.json()
    shapes.product(body)
    assert {k: v for k, v in body.items() if k not in ("id", "created_at")} == {
        "name": "Widget",
        "price": "10.00",
        "stock_quantity": 7,
        "deleted_at": None,
    }
    catalog = (await client.get("/api/v1/products/")).json()
    assert catalog["results"] == [body]


@pytest.mark.parametrize(
    ("price", "stock", "stored"),
    [
        (2.5, 3.9, ("2.50", 3)),  # a JSON float price is read as its text; a float stock is truncated
        ("19.99", "12", ("19.99", 12)),
        (10, 0, ("10.00", 0)),  # a JSON integer price: v1 crashed (500); here it is a price like any other
        ("0", 1, ("0.00", 1)),  # v1 wants > 0; the domain allows free products (docs/api/v1-differences.md)
        ("-0", 1, ("0.00", 1)),  # zero, never a negative zero
        ("9999999999.99", 1, ("9999999999.99", 1)),  # the largest price NUMERIC(12,2) holds
    ],
)
async def test_prices_and_stock_are_read_the_way_v1_reads_them(
    client: Client, admin: dict[str, str], price: Any, stock: Any, stored: tuple[str, int]
):
    response = await create(client, admin, price=price, stock_quantity=stock)
    assert response.status_code == 201, response.text
    assert (response.json()["price"], response.json()["stock_quantity"]) == stored


async def test_stock_defaults_to_zero(client: Client, admin: dict[str, str]):
    response = await client.post(CREATE, json={"name": "Widget", "price": "1.00"}, headers=admin)
    assert response.status_code == 201
    assert response.json()["stock_quantity"] == 0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"name": ""}, {"error": "Product name cannot be empty", "field": "name"}),
        ({"name": "   "}, {"error": "Product name cannot be empty", "field": "name"}),
        ({"name": "x" * 201}, {"error": "Product name cannot exceed 200 characters", "field": "name"}),
        ({"price": "abc"}, {"error": "Invalid price format", "field": "price"}),
        ({"price": True}, {"error": "Invalid price format", "field": "price"}),
        ({"price": "-1"}, {"error": "Price must be greater than 0", "field": "price"}),
        ({"price": "1.999"}, {"error": "Price cannot have more than 2 decimal places", "field": "price"}),
        ({"price": "1e30"}, {"error": "Price is too large", "field": "price"}),
        ({"price": "9" * 40}, {"error": "Price is too large", "field": "price"}),
        ({"price": 1e300}, {"error": "Price is too large", "field": "price"}),
        ({"price": "10000000000.001"}, {"error": "Price is too large", "field": "price"}),
        ({"price": "NaN"}, {"error": "Invalid price format", "field": "price"}),
        ({"price": "-Infinity"}, {"error": "Invalid price format", "field": "price"}),
        ({"stock_quantity": -1}, {"error": "Stock quantity cannot be negative", "field": "stock_quantity"}),
        ({"price": None}, {"error": "Invalid input: '<=' not supported between instances of 'NoneType' and 'int'"}),
        ({"stock_quantity": "abc"}, {"error": "Invalid input: invalid literal for int() with base 10: 'abc'"}),
        ({"stock_quantity": "2.5"}, {"error": "Invalid input: invalid literal for int() with base 10: '2.5'"}),
    ],
)
async def test_invalid_products_are_refused_in_v1s_words(
    client: Client, admin: dict[str, str], body: dict[str, Any], error: dict[str, str]
):
    response = await create(client, admin, **body)
    assert response.status_code == 400
    assert response.json() == error


async def test_errors_come_in_v1s_order(client: Client, admin: dict[str, str]):
    stock_first = await create(client, admin, name="", price="abc", stock_quantity="abc")
    name_before_price = await create(client, admin, name="", price="abc", stock_quantity=-1)
    price_before_stock = await create(client, admin, price="-5", stock_quantity=-1)

    assert stock_first.json()["error"].startswith("Invalid input: invalid literal")
    assert name_before_price.json()["field"] == "name"
    assert price_before_stock.json()["field"] == "price"


async def test_a_name_taken_by_a_live_product_is_refused_without_a_field(
    app: Litestar, client: Client, admin: dict[str, str]
):
    await add_product(app, name="Widget")

    response = await create(client, admin, name=" Widget ")

    assert response.status_code == 400
    assert response.json() == {"error": "A product with name 'Widget' already exists"}
    assert (await create(client, admin, name="widget")).status_code == 201  # the match is case-sensitive


async def test_the_name_of_a_deleted_product_can_be_used_again(app: Litestar, client: Client, admin: dict[str, str]):
    """v1 kept deleted products' names reserved; the domain's rule is unique among live products."""
    await delete_product(app, await add_product(app, name="Widget"))
    assert (await create(client, admin, name="Widget")).status_code == 201


async def test_a_customer_gets_403_but_a_non_integer_stock_is_refused_first(client: Client, customer: dict[str, str]):
    denied = await create(client, customer, name="", price="abc")
    early = await create(client, customer, stock_quantity="abc")

    assert (denied.status_code, denied.json()) == (403, CREATE_DENIED)
    assert (early.status_code, early.json()) == (
        400,
        {"error": "Invalid input: invalid literal for int() with base 10: 'abc'"},
    )


# --- delete ---------------------------------------------------------------------------------------


async def test_deleting_a_product_is_a_soft_delete_answered_with_204(
    app: Litestar, client: Client, admin: dict[str, str], db: asyncpg.Connection
):
    product_id = await add_product(app, name="Widget")

    response = await client.delete(f"/api/v1/products/{product_id}/", headers=admin)

    assert response.status_code == 204
    assert response.content == b""
    assert await db.fetchval("SELECT deleted_at IS NOT NULL FROM product WHERE id = $1", product_id)
    assert (await client.get("/api/v1/products/")).json()["results"] == []


@pytest.mark.parametrize("raw_id", ["not-a-uuid", NO_SUCH_IDS[0], "00000000-0000-0000-0000-000000000000"])
async def test_an_unknown_or_malformed_product_is_404_named_as_sent(client: Client, admin: dict[str, str], raw_id: str):
    deleted = await client.delete(f"/api/v1/products/{raw_id}/", headers=admin)
    restored = await client.post(f"/api/v1/products/{raw_id}/restore/", headers=admin)

    for response in (deleted, restored):
        assert response.status_code == 404
        assert response.json() == {"error": f"Product with ID '{raw_id}' not found"}


async def test_deleting_twice_is_a_400(app: Litestar, client: Client, admin: dict[str, str]):
    product_id = await add_product(app)
    await delete_product(app, product_id)

    response = await client.delete(f"/api/v1/products/{product_id}/", headers=admin)

    assert response.status_code == 400
    assert response.json() == {"error": f"Product '{product_id}' is already deleted"}


async def test_a_product_in_anyones_cart_cannot_be_deleted(app: Litestar, client: Client):
    product_id = await add_product(app)
    shopper = await become(app, client, "alice")
    await fill_cart(client, shopper, product_id)
    admin = await become(app, client, "boss", "admin")

    response = await client.delete(f"/api/v1/products/{product_id}/", headers=admin)

    assert response.status_code == 400
    assert response.json() == {"error": "Cannot delete product: Product is currently in a cart"}


async def test_an_ordered_product_can_be_deleted(app: Litestar, client: Client):
    product_id = await add_product(app)
    shopper = await become(app, client, "alice")
    await fill_cart(client, shopper, product_id)
    submitted = await client.post("/api/v1/cart/submit/", json={"shipping_address": ADDRESS}, headers=shopper)
    assert submitted.status_code == 201
    admin = await become(app, client, "boss", "admin")

    assert (await client.delete(f"/api/v1/products/{product_id}/", headers=admin)).status_code == 204


# --- restore --------------------------------------------------------------------------------------


async def test_restoring_brings_a_deleted_product_back(app: Litestar, client: Client, admin: dict[str, str]):
    product_id = await add_product(app, name="Widget", price="10.00", stock=4)
    await delete_product(app, product_id)

    response = await client.post(f"/api/v1/products/{product_id}/restore/", headers=admin)

    assert response.status_code == 200
    body = response.json()
    shapes.product(body)
    assert (body["id"], body["name"], body["price"], body["stock_quantity"], body["deleted_at"]) == (
        product_id,
        "Widget",
        "10.00",
        4,
        None,
    )
    assert [p["id"] for p in (await client.get("/api/v1/products/")).json()["results"]] == [product_id]


async def test_restoring_a_live_product_is_a_400(app: Litestar, client: Client, admin: dict[str, str]):
    product_id = await add_product(app)
    response = await client.post(f"/api/v1/products/{product_id}/restore/", headers=admin)
    assert response.status_code == 400
    assert response.json() == {"error": f"Product '{product_id}' is not deleted"}


async def test_restoring_is_refused_while_a_live_product_has_the_name(
    app: Litestar, client: Client, admin: dict[str, str]
):
    """A case v1 never had (its names stayed reserved): refused without a field."""
    old = await add_product(app, name="Widget")
    await delete_product(app, old)
    await add_product(app, name="Widget")

    response = await client.post(f"/api/v1/products/{old}/restore/", headers=admin)

    assert response.status_code == 400
    assert response.json() == {"error": "A product named 'Widget' already exists"}


# --- who may ----------------------------------------------------------------------------------------


async def test_customers_get_v1s_permission_messages(app: Litestar, client: Client, customer: dict[str, str]):
    product_id = await add_product(app)
    await delete_product(app, deleted := await add_product(app))

    cases = [
        (await create(client, customer), CREATE_DENIED),
        (await client.delete(f"/api/v1/products/{product_id}/", headers=customer), DELETE_DENIED),
        (await client.delete("/api/v1/products/not-a-uuid/", headers=customer), DELETE_DENIED),
        (await client.post(f"/api/v1/products/{deleted}/restore/", headers=customer), RESTORE_DENIED),
        (await client.post("/api/v1/products/not-a-uuid/restore/", headers=customer), RESTORE_DENIED),
    ]
    for response, error in cases:
        assert (response.status_code, response.json()) == (403, error)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", CREATE),
        ("DELETE", f"/api/v1/products/{NO_SUCH_IDS[0]}/"),
        ("POST", f"/api/products/{NO_SUCH_IDS[1]}/restore/"),
    ],
)
async def test_anonymous_callers_get_401_before_any_input_is_read(client: Client, method: str, path: str):
    response = await client.request(method, path, json={"stock_quantity": "abc"})
    assert (response.status_code, response.json()) == (401, AUTH_REQUIRED)
