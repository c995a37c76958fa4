"""API v2's admin catalog and the shopper's checks before an order (docs/api/v2.md, "Admin: products and
coupons", "Addresses and coupon preview"): statuses, bodies, headers and problems of each operation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import asyncpg
from litestar import Litestar

from app.domain.events import utc_now
from tests.contract.conftest import ADDRESS, Client, add_coupon, add_product
from tests.contract.test_v2 import assert_problem, next_link, v2_login

FUTURE = "2099-01-01T00:00:00Z"


def new_product(**changes: Any) -> dict[str, Any]:
    return {"name": "Desk lamp", "price": "12.50", "stock_quantity": 4, **changes}


def new_coupon(**changes: Any) -> dict[str, Any]:
    return {"code": "spring-10", "discount_percent": "10", "expires_at": FUTURE, **changes}


async def post(client: Client, path: str, body: dict[str, Any], csrf: dict[str, str], key: str | None) -> Any:
    return await client.post(path, json=body, headers={**csrf, **({"Idempotency-Key": key} if key else {})})


# --- POST /api/v2/products -------------------------------------------------------------------------------------


async def test_creating_a_product_answers_201_with_location_and_the_etag_a_read_gives(app: Litestar, client: Client):
    csrf = await v2_login(app, client, "vic", "admin")
    created = await post(client, "/api/v2/products", new_product(name="  Desk lamp "), csrf, "lamp-1")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "Desk lamp" and body["price"] == {"amount": "12.50", "currency": "USD"}
    assert body["stock_quantity"] == 4 and body["deleted_at"] is None and body["created_at"].endswith("Z")
    assert created.headers["location"] == f"/api/v2/products/{body['id']}"
    tag = created.headers["etag"]
    assert tag.startswith('"') and "idempotent-replayed" not in created.headers
    read = await client.get(created.headers["location"])
    assert read.status_code == 200 and read.json() == body and read.headers["etag"] == tag


async def test_creating_a_product_needs_an_idempotency_key_and_replays_a_repeat(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    csrf = await v2_login(app, client, "vic", "admin")
    missing = assert_problem(
        await post(client, "/api/v2/products", new_product(), csrf, None), 400, "idempotency-key-required"
    )
    assert "Idempotency-Key" in missing["detail"]
    first = await post(client, "/api/v2/products", new_product(), csrf, '"lamp-key"')  # the draft's quoted form
    again = await post(client, "/api/v2/products", new_product(), csrf, "lamp-key")
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    assert again.headers["location"] == first.headers["location"] and again.headers["etag"] == first.headers["etag"]
    other = await post(client, "/api/v2/products", new_product(price="1.00"), csrf, "lamp-key")
    assert_problem(other, 422, "idempotency-key-reused")
    assert await db.fetchval("SELECT count(*) FROM product WHERE name = 'Desk lamp'") == 1


async def test_a_refused_product_leaves_its_key_usable(app: Litestar, client: Client):
    await add_product(app, name="Desk lamp")
    csrf = await v2_login(app, client, "vic", "admin")
    taken = await post(client, "/api/v2/products", new_product(), csrf, "retry-lamp")
    assert assert_problem(taken, 422, "duplicate-product-name")["errors"][0]["field"] == "name"
    renamed = await post(client, "/api/v2/products", new_product(name="Floor lamp"), csrf, "retry-lamp")
    assert renamed.status_code == 201 and "idempotent-replayed" not in renamed.headers


async def test_an_invalid_product_is_a_422_naming_each_field(app: Litestar, client: Client):
    csrf = await v2_login(app, client, "vic", "admin")
    cases = {
        "name": [{"name": "   "}, {"name": ""}, {"name": "x" * 201}, {"name": 7}],
        "price": [{"price": "-1"}, {"price": "1.234"}, {"price": 12.5}, {"price": "abc"}],
        "stock_quantity": [{"stock_quantity": -1}, {"stock_quantity": 1.5}, {"stock_quantity": 2**31}],
    }
    for field, changes in cases.items():
        for change in changes:
            response = await post(client, "/api/v2/products", new_product(**change), csrf, str(uuid4()))
            body = assert_problem(response, 422, "validation-failed")
            assert [error["field"] for error in body["errors"]] == [field], change
    unknown = await post(client, "/api/v2/products", new_product(colour="red"), csrf, str(uuid4()))
    assert assert_problem(unknown, 422, "validation-failed")["errors"]


async def test_a_customer_may_not_create_products_and_a_visitor_must_log_in(app: Litestar, client: Client):
    assert_problem(await post(client, "/api/v2/products", new_product(), {}, "k"), 401, "authentication-required")
    csrf = await v2_login(app, client)
    assert_problem(await post(client, "/api/v2/products", new_product(), csrf, "k"), 403, "forbidden")
    assert_problem(await post(client, "/api/v2/products", {}, csrf, None), 403, "forbidden")  # before input or key


# --- Coupons (admin) -------------------------------------------------------------------------------------------


async def test_creating_a_coupon_answers_201_with_location_etag_and_a_replay(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    csrf = await v2_login(app, client, "vic", "admin")
    assert_problem(await post(client, "/api/v2/coupons", new_coupon(), csrf, None), 400, "idempotency-key-required")
    created = await post(client, "/api/v2/coupons", new_coupon(discount_percent="12.5"), csrf, "spring")
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {"id", "code", "discount_percent", "expires_at", "created_at"}
    assert body["code"] == "SPRING-10" and body["discount_percent"] == "12.50"
    assert body["expires_at"] == FUTURE and body["created_at"].endswith("Z")
    assert created.headers["location"] == f"/api/v2/coupons/{body['id']}"
    read = await client.get(created.headers["location"])
    assert read.status_code == 200 and read.json() == body and read.headers["etag"] == created.headers["etag"]
    again = await post(client, "/api/v2/coupons", new_coupon(discount_percent="12.5"), csrf, "spring")
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true" and again.json() == body
    assert await db.fetchval("SELECT count(*) FROM coupon") == 1
    duplicate = await post(client, "/api/v2/coupons", new_coupon(code="Spring-10"), csrf, "spring-again")
    assert_problem(duplicate, 409, "duplicate-coupon-code")


async def test_an_invalid_coupon_is_a_422_naming_each_field(app: Litestar, client: Client):
    csrf = await v2_login(app, client, "vic", "admin")
    past = (utc_now() - timedelta(days=1)).isoformat()
    cases = {
        "code": [{"code": ""}, {"code": "two words"}, {"code": "x" * 51}],
        "discount_percent": [{"discount_percent": "0"}, {"discount_percent": "100.01"}, {"discount_percent": 10}],
        "expires_at": [{"expires_at": past}, {"expires_at": "2099-01-01T00:00:00"}, {"expires_at": "soon"}],
    }
    for field, changes in cases.items():
        for change in changes:
            response = await post(client, "/api/v2/coupons", new_coupon(**change), csrf, str(uuid4()))
            body = assert_problem(response, 422, "validation-failed")
            assert [error["field"] for error in body["errors"]] == [field], change


async def test_a_coupon_is_read_by_id_with_an_etag_and_an_unknown_id_is_404(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    coupon_id = await add_coupon(db, "SAVE10")
    await v2_login(app, client, "vic", "admin")
    path = f"/api/v2/coupons/{coupon_id}"
    read = await client.get(path)
    assert read.status_code == 200 and read.json()["code"] == "SAVE10" and read.json()["discount_percent"] == "10.00"
    cached = await client.get(path, headers={"If-None-Match": read.headers["etag"]})
    assert cached.status_code == 304 and cached.headers["etag"] == read.headers["etag"]
    assert_problem(await client.get(f"/api/v2/coupons/{uuid4()}"), 404, "coupon-not-found")
    assert_problem(await client.get("/api/v2/coupons/SAVE10"), 404, "not-found")  # ids, not codes, in the path


async def test_the_coupon_list_pages_newest_first_by_cursor_with_a_next_link(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    codes = [f"WALK{n}" for n in range(5)]
    for code in codes:  # one after another: each newer than the one before
        await add_coupon(db, code)
    await add_coupon(db, "OLD", expires_at=utc_now() - timedelta(days=1))  # expired ones are listed too
    await v2_login(app, client, "vic", "admin")
    seen: list[str] = []
    link: str | None = "/api/v2/coupons?limit=2"
    pages = 0
    while link is not None:
        page = await client.get(link)
        assert page.status_code == 200, page.text
        assert set(page.json()) == {"items", "next_cursor"} and len(page.json()["items"]) <= 2
        seen += [item["code"] for item in page.json()["items"]]
        link = next_link(page)
        assert (link is None) == (page.json()["next_cursor"] is None)
        if link is not None:
            assert "limit=2" in link and f"cursor={page.json()['next_cursor']}" in link
        pages += 1
    assert seen == ["OLD", *reversed(codes)] and pages == 3
    bad = assert_problem(await client.get("/api/v2/coupons", params={"cursor": "x"}), 422, "invalid-cursor")
    assert bad["errors"][0]["field"] == "cursor"
    assert_problem(await client.get("/api/v2/coupons", params={"limit": 101}), 422, "validation-failed")


async def test_a_customer_is_refused_every_coupon_administration(app: Litestar, client: Client, db: asyncpg.Connection):
    coupon_id = await add_coupon(db, "SAVE10")
    assert_problem(await client.get("/api/v2/coupons"), 401, "authentication-required")
    csrf = await v2_login(app, client)
    assert_problem(await client.get("/api/v2/coupons"), 403, "forbidden")
    assert_problem(await client.get(f"/api/v2/coupons/{coupon_id}"), 403, "forbidden")
    assert_problem(await post(client, "/api/v2/coupons", new_coupon(), csrf, "k"), 403, "forbidden")


async def test_coupons_cannot_be_changed_or_deleted(app: Litestar, client: Client, db: asyncpg.Connection):
    coupon_id = await add_coupon(db, "SAVE10")
    csrf = await v2_login(app, client, "vic", "admin")
    for method in ("PATCH", "PUT", "DELETE"):
        response = await client.request(method, f"/api/v2/coupons/{coupon_id}", json={}, headers=csrf)
        assert_problem(response, 405, "method-not-allowed")


# --- POST /api/v2/coupons/preview ------------------------------------------------------------------------------


async def test_a_coupon_preview_prices_the_cart_as_money(app: Litestar, client: Client, db: asyncpg.Connection):
    await add_coupon(db, "SAVE15", "15.00")
    product_id = await add_product(app, price="3.33", stock=5)
    csrf = await v2_login(app, client)
    await client.put(f"/api/v2/cart/items/{product_id}", json={"quantity": 3}, headers=csrf)
    preview = await client.post("/api/v2/coupons/preview", json={"coupon_code": " save15 "}, headers=csrf)
    assert preview.status_code == 200, preview.text
    assert preview.json() == {
        "coupon_code": "SAVE15",
        "discount_percent": "15.00",
        "subtotal": {"amount": "9.99", "currency": "USD"},
        "discount": {"amount": "1.50", "currency": "USD"},  # 1.4985, half up
        "total": {"amount": "8.49", "currency": "USD"},
    }
    assert (await client.get("/api/v2/cart")).json()["subtotal"]["amount"] == "9.99"  # nothing changed


async def test_a_coupon_preview_refuses_unknown_expired_and_used_coupons(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await add_coupon(db, "GONE", expires_at=utc_now() - timedelta(days=1))
    await add_coupon(db, "ONCE")
    assert_problem(
        await client.post("/api/v2/coupons/preview", json={"coupon_code": "ONCE"}), 401, "authentication-required"
    )
    csrf = await v2_login(app, client)
    preview = "/api/v2/coupons/preview"
    assert_problem(await client.post(preview, json={"coupon_code": "NOPE"}, headers=csrf), 404, "coupon-not-found")
    expired = assert_problem(
        await client.post(preview, json={"coupon_code": "gone"}, headers=csrf), 422, "coupon-expired"
    )
    assert [error["field"] for error in expired["errors"]] == ["coupon_code"]
    empty = await client.post(preview, json={"coupon_code": "ONCE"}, headers=csrf)
    assert empty.status_code == 200 and empty.json()["total"]["amount"] == "0.00"  # an empty cart: nothing off
    product_id = await add_product(app, stock=5)
    await client.put(f"/api/v2/cart/items/{product_id}", json={"quantity": 1}, headers=csrf)
    order = await client.post(
        "/api/v2/orders",
        json={"shipping_address": ADDRESS, "coupon_code": "ONCE"},
        headers={**csrf, "Idempotency-Key": "with-once"},
    )
    assert order.status_code == 201, order.text
    used = await client.post(preview, json={"coupon_code": "ONCE"}, headers=csrf)
    assert_problem(used, 422, "coupon-already-used")
    for body in ({}, {"coupon_code": ""}, {"coupon_code": 10}, {"code": "ONCE"}):
        assert_problem(await client.post(preview, json=body, headers=csrf), 422, "validation-failed")


# --- POST /api/v2/addresses/verify -----------------------------------------------------------------------------


async def test_verifying_an_address_answers_the_standardised_address(app: Litestar, client: Client):
    csrf = await v2_login(app, client)
    verified = await client.post("/api/v2/addresses/verify", json=ADDRESS, headers=csrf)
    assert verified.status_code == 200, verified.text
    assert verified.json() == {
        "street_line_1": "123 MAIN ST",
        "street_line_2": "APT 4",
        "city": "SPRINGFIELD",
        "state": "IL",
        "postal_code": "62701",
        "country": "US",
        "verification_id": "STUB-62701",
    }
    without_line_2 = {key: value for key, value in ADDRESS.items() if key not in ("street_line_2", "country")}
    plain = await client.post("/api/v2/addresses/verify", json=without_line_2, headers=csrf)
    assert plain.status_code == 200 and plain.json()["street_line_2"] is None and plain.json()["country"] == "US"


async def test_an_address_that_cannot_be_verified_is_a_422_naming_the_fields(app: Litestar, client: Client):
    assert_problem(await client.post("/api/v2/addresses/verify", json=ADDRESS), 401, "authentication-required")
    csrf = await v2_login(app, client)
    verify = "/api/v2/addresses/verify"
    malformed = {**ADDRESS, "city": " ", "state": "Narnia", "postal_code": "6270"}
    body = assert_problem(await client.post(verify, json=malformed, headers=csrf), 422, "validation-failed")
    assert sorted(error["field"] for error in body["errors"]) == ["city", "postal_code", "state"]
    unknown = {**ADDRESS, "street_line_1": "1 Invalid Road"}
    refused = assert_problem(await client.post(verify, json=unknown, headers=csrf), 422, "address-verification-failed")
    assert [error["field"] for error in refused["errors"]] == ["street_line_1"]
    undeliverable = {**ADDRESS, "street_line_1": "1 Undeliverable Way"}
    assert_problem(await client.post(verify, json=undeliverable, headers=csrf), 422, "address-verification-failed")
    down = {**ADDRESS, "street_line_1": "1 Unavailable Street"}
    assert_problem(await client.post(verify, json=down, headers=csrf), 503, "address-verification-failed")
    missing = await client.post(verify, json={"city": "Springfield"}, headers=csrf)
    assert assert_problem(missing, 422, "validation-failed")["errors"]


async def test_the_openapi_document_describes_the_new_operations(client: Client):
    schema = (await client.get("/api/v2/openapi.json")).json()
    operations = {op["operationId"]: op for item in schema["paths"].values() for op in item.values()}
    for operation_id in ("v2CreateProduct", "v2CreateCoupon"):
        operation = operations[operation_id]
        assert {"201", "400", "403", "409", "422"} <= set(operation["responses"])
        key = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
        assert key["required"] is True and key["in"] == "header"
    assert "Link" in operations["v2ListCoupons"]["responses"]["200"]["headers"]
    assert {"v2GetCoupon", "v2PreviewCoupon", "v2VerifyAddress"} <= set(operations)
    assert schema["components"]["schemas"]["NewCoupon"]["additionalProperties"] is False
