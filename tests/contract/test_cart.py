"""API v1 cart and checkout (api-v1.md §7.1-§7.7): shapes, every documented error body, check order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from litestar import Litestar

from app.domain.events import utc_now
from tests.contract import shapes
from tests.contract.conftest import ADDRESS, Client, add_coupon, add_product, fill_cart
from tests.support.factories import NO_SUCH_IDS

AUTH_REQUIRED = {"error": "Authentication required"}
QUANTITY_NOT_POSITIVE = {"error": "Quantity must be greater than 0", "field": "quantity"}


async def stock_of(db: asyncpg.Connection, product_id: str) -> int:
    return await db.fetchval("SELECT stock_quantity FROM product WHERE id = $1", product_id)


async def submit(client: Client, headers: dict[str, str], **body: Any) -> Any:
    return await client.post("/api/v1/cart/submit/", json={"shipping_address": ADDRESS, **body}, headers=headers)


# --- the cart -------------------------------------------------------------------------------------


async def test_a_new_cart_is_empty_with_total_zero(client: Client, customer: dict[str, str]):
    response = await client.get("/api/v1/cart/")

    assert response.status_code == 200
    body = response.json()
    shapes.cart(body)
    assert (body["items"], body["total"], body["item_count"]) == ([], "0", 0)
    assert (await client.get("/api/cart/")).json()["id"] == body["id"]  # created once, on first access


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/cart/"),
        ("POST", "/api/v1/cart/items/"),
        ("PATCH", f"/api/v1/cart/items/{NO_SUCH_IDS[0]}/"),
        ("DELETE", f"/api/v1/cart/items/{NO_SUCH_IDS[1]}/remove/"),
        ("POST", "/api/v1/cart/verify-address/"),
        ("POST", "/api/v1/cart/coupons/validate/"),
        ("POST", "/api/v1/cart/submit/"),
        ("GET", "/api/v1/orders/"),
    ],
)
async def test_anonymous_callers_get_401_before_any_input_is_read(client: Client, method: str, path: str):
    response = await client.request(method, path, content=b"{not json", headers={"Content-Type": "text/plain"})
    assert response.status_code == 401
    assert response.json() == AUTH_REQUIRED


async def test_adding_reserves_stock_and_returns_the_cart(
    app: Litestar, client: Client, db: asyncpg.Connection, customer: dict[str, str]
):
    product_id = await add_product(app, name="Widget", price="10.00", stock=5)

    response = await client.post(
        "/api/v1/cart/items/", json={"product_id": product_id, "quantity": 3}, headers=customer
    )

    assert response.status_code == 200  # not 201
    body = response.json()
    shapes.cart(body)
    line = body["items"][0]
    assert {k: v for k, v in line.items() if k != "id"} == {
        "product_id": product_id,
        "product_name": "Widget",
        "unit_price": "10.00",
        "quantity": 3,
    }
    assert (body["total"], body["item_count"]) == ("30.00", 3)
    assert await stock_of(db, product_id) == 2


async def test_adding_again_merges_into_the_line_keeping_its_id(
    app: Litestar, client: Client, customer: dict[str, str]
):
    widget = await add_product(app, name="Widget", price="10.00")
    lamp = await add_product(app, name="Lamp", price="2.50")
    first = await fill_cart(client, customer, widget, 1)
    await fill_cart(client, customer, lamp, 2)

    body = await fill_cart(client, customer, widget, 2)

    assert [(i["product_name"], i["quantity"]) for i in body["items"]] == [("Widget", 3), ("Lamp", 2)]
    assert body["items"][0]["id"] == first["items"][0]["id"]
    assert (body["total"], body["item_count"]) == ("35.00", 5)


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [(1.9, 1), ("3", 3), (" 2 ", 2), (2.0, 2)],
)
async def test_quantities_are_read_with_pythons_int(
    app: Litestar, client: Client, customer: dict[str, str], quantity: Any, expected: int
):
    product_id = await add_product(app, stock=10)
    body = await fill_cart(client, customer, product_id, quantity)
    assert body["items"][0]["quantity"] == expected


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("2.5", "invalid literal for int() with base 10: '2.5'"),
        ("abc", "invalid literal for int() with base 10: 'abc'"),
        ("", "invalid literal for int() with base 10: ''"),
        (None, "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'"),
        ([1], "int() argument must be a string, a bytes-like object or a real number, not 'list'"),
    ],
)
async def test_a_quantity_that_is_not_an_integer_is_refused_first(
    client: Client, customer: dict[str, str], quantity: Any, message: str
):
    response = await client.post(
        "/api/v1/cart/items/", json={"product_id": "not-a-uuid", "quantity": quantity}, headers=customer
    )
    assert response.status_code == 400
    assert response.json() == {"error": f"Invalid input: {message}"}


@pytest.mark.parametrize("product_id", ["not-a-uuid", NO_SUCH_IDS[0], "", None, 42])
async def test_an_unknown_or_malformed_product_is_404_named_as_sent(
    client: Client, customer: dict[str, str], product_id: Any
):
    body = {"quantity": 1} if product_id is None else {"product_id": product_id, "quantity": 1}
    response = await client.post("/api/v1/cart/items/", json=body, headers=customer)
    assert response.status_code == 404
    sent = "" if product_id is None else str(product_id)
    assert response.json() == {"error": f"Product with ID '{sent}' not found"}


async def test_a_deleted_product_is_not_found(
    app: Litestar, client: Client, db: asyncpg.Connection, customer: dict[str, str]
):
    product_id = await add_product(app)
    await db.execute("UPDATE product SET deleted_at = now()")
    response = await client.post(
        "/api/v1/cart/items/", json={"product_id": product_id, "quantity": 1}, headers=customer
    )
    assert response.status_code == 404
    assert response.json() == {"error": f"Product with ID '{product_id}' not found"}


async def test_insufficient_stock_is_a_400_naming_what_is_left(
    app: Litestar, client: Client, db: asyncpg.Connection, customer: dict[str, str]
):
    product_id = await add_product(app, name="Widget", stock=3)
    await fill_cart(client, customer, product_id, 1)

    response = await client.post(
        "/api/v1/cart/items/", json={"product_id": product_id, "quantity": 3}, headers=customer
    )

    assert response.status_code == 400
    assert response.json() == {"error": "Insufficient stock for 'Widget': requested 3, available 2"}
    assert await stock_of(db, product_id) == 2


@pytest.mark.parametrize("body", [{}, {"quantity": 0}, {"quantity": -2}])
async def test_a_missing_or_non_positive_quantity_is_refused_after_the_product_lookup(
    app: Litestar, client: Client, customer: dict[str, str], body: dict[str, Any]
):
    product_id = await add_product(app)
    unknown = await client.post("/api/v1/cart/items/", json={**body, "product_id": str(uuid4())}, headers=customer)
    known = await client.post("/api/v1/cart/items/", json={**body, "product_id": product_id}, headers=customer)
    assert unknown.status_code == 404
    assert known.status_code == 400
    assert known.json() == QUANTITY_NOT_POSITIVE


async def test_changing_sets_the_absolute_quantity_and_moves_stock(
    app: Litestar, client: Client, db: asyncpg.Connection, customer: dict[str, str]
):
    product_id = await add_product(app, stock=10)
    await fill_cart(client, customer, product_id, 2)

    grown = await client.patch(f"/api/v1/cart/items/{product_id}/", json={"quantity": 7}, headers=customer)
    assert grown.status_code == 200
    shapes.cart(grown.json())
    assert grown.json()["items"][0]["quantity"] == 7 and await stock_of(db, product_id) == 3

    shrunk = await client.patch(f"/api/cart/items/{product_id}", json={"quantity": "1"}, headers=customer)
    assert shrunk.json()["item_count"] == 1 and await stock_of(db, product_id) == 9


async def test_changing_beyond_the_stock_names_the_increase_as_requested(
    app: Litestar, client: Client, customer: dict[str, str]
):
    product_id = await add_product(app, name="Widget", stock=4)
    await fill_cart(client, customer, product_id, 2)
    response = await client.patch(f"/api/v1/cart/items/{product_id}/", json={"quantity": 7}, headers=customer)
    assert response.status_code == 400
    assert response.json() == {"error": "Insufficient stock for 'Widget': requested 5, available 2"}


async def test_changing_errors(app: Litestar, client: Client, customer: dict[str, str]):
    product_id = await add_product(app)
    absent = str(uuid4())
    await fill_cart(client, customer, product_id, 1)

    cases = [
        (
            f"/api/v1/cart/items/{product_id}/",
            {"quantity": "2.5"},
            400,
            {"error": "Invalid input: invalid literal for int() with base 10: '2.5'"},
        ),
        (
            f"/api/v1/cart/items/{absent}/",
            {"quantity": 1},
            404,
            {"error": f"Cart item for product '{absent}' not found"},
        ),
        ("/api/v1/cart/items/garbage/", {"quantity": 1}, 404, {"error": "Cart item for product 'garbage' not found"}),
        (f"/api/v1/cart/items/{product_id}/", {"quantity": 0}, 400, QUANTITY_NOT_POSITIVE),
        (f"/api/v1/cart/items/{product_id}/", {}, 400, QUANTITY_NOT_POSITIVE),
    ]
    for path, body, status, error in cases:
        response = await client.patch(path, json=body, headers=customer)
        assert (response.status_code, response.json()) == (status, error), path


async def test_removing_releases_the_line(
    app: Litestar, client: Client, db: asyncpg.Connection, customer: dict[str, str]
):
    product_id = await add_product(app, stock=5)
    await fill_cart(client, customer, product_id, 4)

    response = await client.delete(f"/api/v1/cart/items/{product_id}/remove/", headers=customer)

    assert response.status_code == 200
    assert (response.json()["items"], response.json()["total"]) == ([], "0")
    assert await stock_of(db, product_id) == 5
    again = await client.delete(f"/api/v1/cart/items/{product_id}/remove/", headers=customer)
    assert again.status_code == 404
    assert again.json() == {"error": f"Cart item for product '{product_id}' not found"}
    wrong_path = await client.delete(f"/api/v1/cart/items/{product_id}/", headers=customer)
    assert wrong_path.status_code == 405
    assert wrong_path.json() == {"detail": 'Method "DELETE" not allowed.'}


# --- address verification --------------------------------------------------------------------------


async def test_a_good_address_comes_back_standardized(client: Client, customer: dict[str, str]):
    response = await client.post("/api/v1/cart/verify-address/", json=ADDRESS, headers=customer)

    assert response.status_code == 200
    assert response.json() == {
        "verified": True,
        "status": "verified",
        "standardized_address": {
            "street_line_1": "123 MAIN ST",
            "street_line_2": "APT 4",
            "city": "SPRINGFIELD",
            "state": "IL",
            "postal_code": "62701",
            "country": "US",
            "verification_id": "STUB-62701",
        },
    }


async def test_an_address_without_line_2_or_country_gets_null_and_us(client: Client, customer: dict[str, str]):
    address = {k: v for k, v in ADDRESS.items() if k not in ("street_line_2", "country")}
    body = (await client.post("/api/v1/cart/verify-address/", json=address, headers=customer)).json()
    assert body["standardized_address"]["street_line_2"] is None
    assert body["standardized_address"]["country"] == "US"


@pytest.mark.parametrize(
    ("street", "message", "field"),
    [
        ("1 Invalid Rd", "Address verification failed: Address not found or is invalid", "street_line_1"),
        ("1 Undeliverable Rd", "Address verification failed: Address exists but cannot receive deliveries", None),
        (
            "1 Unavailable Rd",
            "Address verification failed: Address verification service is temporarily unavailable",
            None,
        ),
    ],
)
async def test_a_refused_address_is_400_in_the_verification_shape(
    client: Client, customer: dict[str, str], street: str, message: str, field: str | None
):
    response = await client.post(
        "/api/v1/cart/verify-address/", json={**ADDRESS, "street_line_1": street}, headers=customer
    )
    assert response.status_code == 400
    assert response.json() == {"verified": False, "status": "invalid", "error_message": message, "field": field}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("street_line_1", "Street address is required"),
        ("city", "City is required"),
        ("postal_code", "Postal code is required"),
    ],
)
async def test_a_required_field_left_empty_is_refused_naming_it(
    client: Client, customer: dict[str, str], missing: str, message: str
):
    response = await client.post("/api/v1/cart/verify-address/", json={**ADDRESS, missing: ""}, headers=customer)
    assert response.status_code == 400
    assert response.json() == {"verified": False, "status": "invalid", "error_message": message, "field": missing}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"country": "ZZ"}, "country"),
        ({"state": "ZZ"}, "state"),
        ({"postal_code": "🛒"}, "postal_code"),
    ],
)
async def test_a_country_state_or_postal_code_that_does_not_exist_is_refused_naming_it(
    client: Client, customer: dict[str, str], changes: dict[str, str], field: str
):
    verify = await client.post("/api/v1/cart/verify-address/", json={**ADDRESS, **changes}, headers=customer)
    submit = await client.post(
        "/api/v1/cart/submit/", json={"shipping_address": {**ADDRESS, **changes}}, headers=customer
    )

    assert verify.status_code == 400 and verify.json()["field"] == field and verify.json()["verified"] is False
    assert submit.status_code == 400 and submit.json()["field"] == field
    assert "_" not in submit.json()["error"]  # in words, not a field name such as postal_code


# --- coupon preview ----------------------------------------------------------------------------------


async def test_a_coupon_preview_discounts_the_total_the_client_sends(
    client: Client, db: asyncpg.Connection, customer: dict[str, str]
):
    await add_coupon(db, "SAVE10", "10")
    response = await client.post(
        "/api/v1/cart/coupons/validate/", json={"coupon_code": "save10", "cart_total": "998.96"}, headers=customer
    )
    assert response.status_code == 200
    assert response.json() == {"discount_percent": "10.00", "discount_amount": "99.90"}


@pytest.mark.parametrize(
    ("cart_total", "discount"),
    [(None, "0.00"), ("abc", "0.00"), ("", "0.00"), (10, "1.25"), ("0.05", "0.01"), (0.05, "0.01")],
)
async def test_the_discount_is_rounded_half_up_and_an_unreadable_total_counts_as_zero(
    client: Client, db: asyncpg.Connection, customer: dict[str, str], cart_total: Any, discount: str
):
    await add_coupon(db, "HALF", "12.5")
    body = {"coupon_code": "HALF"} if cart_total is None else {"coupon_code": "HALF", "cart_total": cart_total}
    response = await client.post("/api/v1/cart/coupons/validate/", json=body, headers=customer)
    assert response.json() == {"discount_percent": "12.50", "discount_amount": discount}


async def test_coupon_preview_errors(client: Client, db: asyncpg.Connection, customer: dict[str, str]):
    await add_coupon(db, "OLD", expires_at=utc_now() - timedelta(days=1))
    cases = [
        ({"coupon_code": "nope"}, 404, {"error": "Coupon 'nope' not found"}),
        ({}, 404, {"error": "Coupon '' not found"}),
        ({"coupon_code": "old"}, 400, {"error": "Coupon 'OLD' has expired"}),
        (
            {"coupon_code": "OLD", "cart_total": "1e30"},
            400,
            {"error": "cart_total is out of range", "field": "cart_total"},
        ),
    ]
    for body, status, error in cases:
        response = await client.post("/api/v1/cart/coupons/validate/", json=body, headers=customer)
        assert (response.status_code, response.json()) == (status, error), body


# --- submitting ---------------------------------------------------------------------------------------


async def test_submitting_turns_the_cart_into_an_order(
    app: Litestar, client: Client, db: asyncpg.Connection, customer: dict[str, str]
):
    product_id = await add_product(app, name="Budget Adapter", price="988.96", stock=3)
    cart = await fill_cart(client, customer, product_id, 1)

    response = await submit(client, customer, coupon_code="")

    assert response.status_code == 201
    order = response.json()
    shapes.order(order)
    assert order["user_id"] == cart["user_id"]
    assert [(i["product_id"], i["product_name"], i["unit_price"], i["quantity"]) for i in order["items"]] == [
        (product_id, "Budget Adapter", "988.96", 1)
    ]
    assert order["shipping_address"] == {
        "street_line_1": "123 MAIN ST",
        "street_line_2": "APT 4",
        "city": "SPRINGFIELD",
        "state": "IL",
        "postal_code": "62701",
        "country": "US",
        "verification_id": "STUB-62701",
    }
    assert (order["coupon_id"], order["coupon_code"], order["coupon_discount"]) == (None, None, "0")
    assert (order["subtotal"], order["total"]) == ("988.96", "988.96")
    after = (await client.get("/api/v1/cart/")).json()
    assert (after["id"], after["items"], after["total"]) == (cart["id"], [], "0")
    assert await stock_of(db, product_id) == 2


async def test_an_optional_idempotency_key_on_submit_answers_a_retry_with_the_same_order(
    app: Litestar, client: Client, db: asyncpg.Connection, customer: dict[str, str]
):
    await fill_cart(client, customer, await add_product(app, stock=3), 1)
    keyed = {**customer, "Idempotency-Key": "submit-1"}

    first = await submit(client, keyed)
    again = await submit(client, keyed)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await db.fetchval("SELECT count(*) FROM customer_order") == 1
    malformed = await submit(client, {**customer, "Idempotency-Key": '"unterminated'})
    assert malformed.status_code == 400 and set(malformed.json()) == {"error"}


async def test_a_coupon_on_submit_is_snapshotted_on_the_order(
    app: Litestar, client: Client, db: asyncpg.Connection, customer: dict[str, str]
):
    coupon_id = await add_coupon(db, "SAVE10", "10")
    await fill_cart(client, customer, await add_product(app, price="988.96"), 1)

    order = (await submit(client, customer, coupon_code="save10")).json()

    assert (order["coupon_id"], order["coupon_code"]) == (str(coupon_id), "SAVE10")
    assert (order["coupon_discount"], order["subtotal"], order["total"]) == ("98.90", "988.96", "890.06")
    used = await client.post(
        "/api/v1/cart/coupons/validate/", json={"coupon_code": "Save10", "cart_total": "5"}, headers=customer
    )
    assert used.status_code == 400
    assert used.json() == {"error": "Coupon 'Save10' has already been used by this account"}


async def test_the_verification_id_sent_by_the_client_is_ignored(
    app: Litestar, client: Client, customer: dict[str, str]
):
    await fill_cart(client, customer, await add_product(app), 1)
    response = await client.post(
        "/api/v1/cart/submit/",
        json={"shipping_address": {**ADDRESS, "verification_id": "FORGED"}, "coupon_code": None},
        headers=customer,
    )
    assert response.json()["shipping_address"]["verification_id"] == "STUB-62701"


@pytest.mark.parametrize("body", [{}, {"shipping_address": None}, {"shipping_address": {}}, {"shipping_address": "x"}])
async def test_a_missing_address_is_the_first_check(client: Client, customer: dict[str, str], body: dict[str, Any]):
    response = await client.post("/api/v1/cart/submit/", json={**body, "coupon_code": "NOPE"}, headers=customer)
    assert response.status_code == 400
    assert response.json() == {"error": "shipping_address is required"}


async def test_submit_errors_come_in_the_documented_order(
    app: Litestar, client: Client, db: asyncpg.Connection, customer: dict[str, str]
):
    await add_coupon(db, "OLD", expires_at=utc_now() - timedelta(days=1))
    refused = {**ADDRESS, "street_line_1": "1 Invalid Rd"}
    undeliverable = {**ADDRESS, "street_line_1": "1 Undeliverable Rd"}

    async def attempt(address: dict[str, str], code: str | None) -> tuple[int, Any]:
        response = await client.post(
            "/api/v1/cart/submit/", json={"shipping_address": address, "coupon_code": code}, headers=customer
        )
        return response.status_code, response.json()

    # An empty cart: the address, then the coupon's existence, come before the empty-cart check...
    assert await attempt(refused, "NOPE") == (
        400,
        {"error": "Address verification failed: Address not found or is invalid", "field": "street_line_1"},
    )
    assert await attempt(undeliverable, "NOPE") == (
        400,
        {"error": "Address verification failed: Address exists but cannot receive deliveries", "field": None},
    )
    assert await attempt(ADDRESS, "nope") == (404, {"error": "Coupon 'nope' not found"})
    # ...and expiry comes after it.
    assert await attempt(ADDRESS, "OLD") == (400, {"error": "Cannot submit an empty cart"})

    product_id = await add_product(app)
    cart = await fill_cart(client, customer, product_id, 2)
    assert await attempt(ADDRESS, "old") == (400, {"error": "Coupon 'OLD' has expired"})
    assert await attempt({**ADDRESS, "city": ""}, None) == (400, {"error": "City is required", "field": "city"})
    unchanged = (await client.get("/api/v1/cart/")).json()
    assert unchanged == cart


async def test_an_already_used_coupon_is_refused_before_the_empty_cart(
    app: Litestar, client: Client, db: asyncpg.Connection, customer: dict[str, str]
):
    await add_coupon(db, "ONCE")
    await fill_cart(client, customer, await add_product(app), 1)
    assert (await submit(client, customer, coupon_code="ONCE")).status_code == 201

    response = await submit(client, customer, coupon_code="once")

    assert response.status_code == 400
    assert response.json() == {"error": "Coupon 'once' has already been used by this account"}
