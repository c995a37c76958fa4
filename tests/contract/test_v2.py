"""API v2's contract (docs/api/v2.md): statuses, bodies and headers of every operation, and its problems."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.domain.users import Role
from app.settings import get_settings
from app.web.problems import PROBLEM_BASE, PROBLEM_MEDIA_TYPE
from tests.contract.conftest import ADDRESS, Client, add_product, delete_product
from tests.integration.conftest import ensure_user, on_app_loop

PASSWORD = "v2-password-1"
OUTLET = UUID("00000000-0000-4000-8000-0000000000b2")


async def v2_login(app: Litestar, client: Client, username: str = "vera", role: str = "customer") -> dict[str, str]:
    await ensure_user(app, username, PASSWORD, role)
    response = await client.post("/api/v2/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRFToken": response.json()["csrf_token"]}


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM_BASE + slug and body["status"] == status
    assert body["title"] and body["detail"]
    return body


async def test_logging_in_returns_the_user_and_a_csrf_token_and_sets_the_session_cookie(app: Litestar, client: Client):
    await ensure_user(app, "vera", PASSWORD, "customer")
    response = await client.post("/api/v2/session", json={"username": "vera", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "vera" and body["user"]["role"] == "customer"
    assert set(body) == {"user", "csrf_token"} and len(body["csrf_token"]) == 64
    assert "set-cookie" in response.headers
    who = await client.get("/api/v2/session")
    assert who.status_code == 200 and who.json()["user"]["id"] == body["user"]["id"]


async def test_the_session_answers_401_problems_to_anonymous_callers_and_bad_passwords(app: Litestar, client: Client):
    assert_problem(await client.get("/api/v2/session"), 401, "authentication-required")
    await ensure_user(app, "vera", PASSWORD, "customer")
    wrong = await client.post("/api/v2/session", json={"username": "vera", "password": "nope"})
    assert_problem(wrong, 401, "invalid-credentials")


async def test_a_login_body_of_the_wrong_shape_is_a_422_naming_the_field(client: Client):
    body = assert_problem(await client.post("/api/v2/session", json={"username": "vera"}), 422, "validation-failed")
    assert body["errors"] and all(set(error) == {"field", "message"} for error in body["errors"])


async def test_logging_out_needs_the_csrf_token_and_ends_the_session(app: Litestar, client: Client):
    csrf = await v2_login(app, client)
    assert_problem(await client.delete("/api/v2/session"), 403, "csrf-failed")
    assert (await client.delete("/api/v2/session", headers=csrf)).status_code == 204
    assert (await client.get("/api/v2/session")).status_code == 401


async def test_a_product_has_a_strong_etag_and_if_none_match_answers_304(app: Litestar, client: Client):
    product_id = await add_product(app, price="12.50", stock=3)
    response = await client.get(f"/api/v2/products/{product_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == product_id and body["price"] == {"amount": "12.50", "currency": "USD"}
    assert body["stock_quantity"] == 3 and body["deleted_at"] is None and body["created_at"].endswith("Z")
    tag = response.headers["etag"]
    assert tag.startswith('"') and not tag.startswith("W/")
    cached = await client.get(f"/api/v2/products/{product_id}", headers={"If-None-Match": tag})
    assert cached.status_code == 304 and cached.headers["etag"] == tag and cached.content == b""
    assert_problem(await client.get(f"/api/v2/products/{uuid4()}"), 404, "product-not-found")


async def test_a_product_carries_its_description_and_the_picture_urls_the_shop_pages_show(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    product_id = await add_product(app)
    path = f"/api/v2/products/{product_id}"
    plain = (await client.get(path)).json()
    assert plain["description"] == "" and plain["thumbnail_url"] is None and plain["large_url"] is None
    stem = str(uuid4())
    await db.execute(
        "UPDATE product SET image_key = $2, image_width = 1200, image_height = 900, description = 'Cast iron.' "
        "WHERE id = $1",
        UUID(product_id),
        f"{stem}.jpg",
    )
    uploaded = (await client.get(path)).json()
    assert uploaded["description"] == "Cast iron."
    assert uploaded["thumbnail_url"] == uploaded["large_url"] == f"/images/{stem}.jpg"  # no thumbnails yet
    await db.execute("UPDATE product SET thumbnails_key = image_key WHERE id = $1", UUID(product_id))
    ready = (await client.get(path)).json()
    assert ready["thumbnail_url"] == f"/images/{stem}-w320.webp" and ready["large_url"] == f"/images/{stem}-w640.webp"
    assert f'src="{ready["large_url"]}"' in (await client.get(f"/products/{product_id}")).text  # the product page's
    assert f'src="{ready["thumbnail_url"]}"' in (await client.get("/products")).text  # the catalog card's
    listed = (await client.get("/api/v2/products")).json()["items"]
    assert [item for item in listed if item["id"] == product_id] == [ready]

    csrf = await v2_login(app, client, "vic", "admin")
    headers = {**csrf, "If-Match": (await client.get(path)).headers["etag"]}
    changed = await client.patch(path, json={"description": "Cast iron, 50 kg."}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**ready, "description": "Cast iron, 50 kg."}  # the edited aggregate shows the same
    schema = (await client.get("/api/v2/openapi.json")).json()["components"]["schemas"]
    product = next(
        body for name, body in schema.items() if name.endswith("Product") and "large_url" in body["properties"]
    )
    assert {"description", "thumbnail_url", "large_url"} <= set(product["required"])
    assert {"type": "null"} in product["properties"]["thumbnail_url"]["oneOf"]


async def test_patching_a_product_needs_if_match_and_a_stale_or_weak_one_gets_412(app: Litestar, client: Client):
    product_id = await add_product(app, price="12.50")
    csrf = await v2_login(app, client, "vic", "admin")
    path = f"/api/v2/products/{product_id}"
    tag = (await client.get(path)).headers["etag"]
    assert_problem(await client.patch(path, json={"price": "9.99"}, headers=csrf), 428, "precondition-required")
    weak = await client.patch(path, json={"price": "9.99"}, headers={**csrf, "If-Match": f"W/{tag}"})
    assert_problem(weak, 412, "precondition-failed")
    assert weak.headers["etag"] == tag
    changed = await client.patch(path, json={"price": "9.99"}, headers={**csrf, "If-Match": tag})
    assert changed.status_code == 200 and changed.json()["price"]["amount"] == "9.99"
    assert changed.json()["name"] == (await client.get(path)).json()["name"]
    assert changed.headers["etag"] != tag
    stale = await client.patch(path, json={"price": "1.00"}, headers={**csrf, "If-Match": tag})
    assert_problem(stale, 412, "precondition-failed")
    assert stale.headers["etag"] == changed.headers["etag"]
    invalid = await client.patch(path, json={"price": "-1"}, headers={**csrf, "If-Match": changed.headers["etag"]})
    assert assert_problem(invalid, 422, "validation-failed")["errors"][0]["field"] == "price"


async def test_deleting_a_product_is_a_soft_delete_with_if_match(app: Litestar, client: Client):
    product_id = await add_product(app)
    path = f"/api/v2/products/{product_id}"
    customer = await v2_login(app, client)
    tag = (await client.get(path)).headers["etag"]
    assert_problem(await client.delete(path, headers={**customer, "If-Match": tag}), 403, "forbidden")
    await client.delete("/api/v2/session", headers=customer)
    admin = await v2_login(app, client, "vic", "admin")
    assert_problem(await client.delete(path, headers=admin), 428, "precondition-required")
    assert (await client.delete(path, headers={**admin, "If-Match": tag})).status_code == 204
    assert (await client.get(path)).json()["deleted_at"] is not None  # an admin still sees it


async def hold_key(db: asyncpg.Connection, username: str, key: str) -> None:
    """Hold the key as a first request still running would (its transaction's lock, here a session's)."""
    user_id = await db.fetchval("SELECT id FROM app_user WHERE username = $1", username)
    scope = f"idempotency:{get_settings().app.default_tenant_id}:{user_id}:{key}"
    await db.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", scope)


async def release_keys(db: asyncpg.Connection) -> None:
    await db.execute("SELECT pg_advisory_unlock_all()")


async def test_a_retried_product_patch_with_its_key_replays_the_answer_instead_of_a_412(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    product_id = await add_product(app, price="12.50")
    csrf = await v2_login(app, client, "vic", "admin")
    path = f"/api/v2/products/{product_id}"
    tag = (await client.get(path)).headers["etag"]
    keyed = {**csrf, "If-Match": tag, "Idempotency-Key": "patch-1"}
    refused = await client.patch(path, json={"price": "-1"}, headers=keyed)
    assert_problem(refused, 422, "validation-failed")  # before any effect: the key stays usable
    first = await client.patch(path, json={"price": "9.99"}, headers=keyed)
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    assert first.json()["price"]["amount"] == "9.99" and first.headers["etag"] != tag
    again = await client.patch(path, json={"price": "9.99"}, headers=keyed)  # the answer was lost: sent again
    assert again.status_code == 200, again.text  # not 412: the If-Match names the version it replaced
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json() and again.headers["etag"] == first.headers["etag"]
    assert (await client.get(path)).headers["etag"] == first.headers["etag"]  # the repeat changed nothing
    reused = await client.patch(path, json={"price": "1.00"}, headers=keyed)
    assert_problem(reused, 422, "idempotency-key-reused")
    stale = await client.patch(path, json={"price": "1.00"}, headers={**csrf, "If-Match": tag})
    assert_problem(stale, 412, "precondition-failed")  # without a key, a stale If-Match is still a 412

    await hold_key(db, "vic", "patch-2")
    try:
        busy = await client.patch(
            path,
            json={"price": "2.00"},
            headers={**csrf, "If-Match": first.headers["etag"], "Idempotency-Key": "patch-2"},
        )
        assert_problem(busy, 409, "idempotency-key-in-use")
        assert busy.headers["retry-after"] == "1"
    finally:
        await release_keys(db)
    assert (await client.get(path)).json()["price"]["amount"] == "9.99"


async def test_a_retried_product_deletion_with_its_key_is_204_again_not_412(app: Litestar, client: Client):
    product_id = await add_product(app)
    csrf = await v2_login(app, client, "vic", "admin")
    path = f"/api/v2/products/{product_id}"
    tag = (await client.get(path)).headers["etag"]
    keyed = {**csrf, "If-Match": tag, "Idempotency-Key": "delete-1"}
    first = await client.delete(path, headers=keyed)
    assert first.status_code == 204 and first.content == b"" and "idempotent-replayed" not in first.headers
    again = await client.delete(path, headers=keyed)
    assert again.status_code == 204 and again.headers["idempotent-replayed"] == "true"
    assert_problem(await client.delete(path, headers={**csrf, "If-Match": tag}), 412, "precondition-failed")
    other = await client.delete(f"/api/v2/products/{await add_product(app)}", headers=keyed)
    assert_problem(other, 422, "idempotency-key-reused")  # another path is another request


async def test_the_cart_sets_quantities_reserves_stock_and_removes_lines(app: Litestar, client: Client):
    product_id = await add_product(app, price="2.50", stock=5)
    csrf = await v2_login(app, client)
    item = f"/api/v2/cart/items/{product_id}"
    empty = await client.get("/api/v2/cart")
    assert empty.status_code == 200 and empty.json()["lines"] == [] and empty.json()["reservation_expires_at"] is None
    put = await client.put(item, json={"quantity": 3}, headers=csrf)
    assert put.status_code == 200
    cart = put.json()
    assert cart["lines"][0]["quantity"] == 3 and cart["lines"][0]["subtotal"] == {"amount": "7.50", "currency": "USD"}
    assert cart["subtotal"]["amount"] == "7.50" and cart["reservation_expires_at"].endswith("Z")
    lowered = await client.put(item, json={"quantity": 1}, headers=csrf)
    assert lowered.json()["item_count"] == 1
    assert (await client.get(f"/api/v2/products/{product_id}")).json()["stock_quantity"] == 4
    assert_problem(await client.put(item, json={"quantity": 99}, headers=csrf), 409, "insufficient-stock")
    assert_problem(await client.put(item, json={"quantity": "x"}, headers=csrf), 422, "validation-failed")
    tag = (await client.get("/api/v2/cart")).headers["etag"]
    assert (await client.get("/api/v2/cart", headers={"If-None-Match": tag})).status_code == 304
    assert (await client.delete(item, headers=csrf)).status_code == 204
    assert_problem(await client.delete(item, headers=csrf), 404, "cart-item-not-found")
    assert (await client.get("/api/v2/cart")).json()["lines"] == []


async def test_cart_changes_take_an_optional_idempotency_key_and_replay_a_repeat(app: Litestar, client: Client):
    product_id = await add_product(app, price="3.00", stock=5)
    csrf = await v2_login(app, client)
    item = f"/api/v2/cart/items/{product_id}"
    refused = await client.put(item, json={"quantity": 9}, headers={**csrf, "Idempotency-Key": "set-1"})
    assert_problem(refused, 409, "insufficient-stock")  # no effect: the key stays usable
    first = await client.put(item, json={"quantity": 2}, headers={**csrf, "Idempotency-Key": "set-1"})
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    assert first.json()["lines"][0]["quantity"] == 2
    await client.put(item, json={"quantity": 4}, headers=csrf)  # changed since, without a key
    again = await client.put(item, json={"quantity": 2}, headers={**csrf, "Idempotency-Key": '"set-1"'})
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json() and again.headers["etag"] == first.headers["etag"]
    assert (await client.get("/api/v2/cart")).json()["lines"][0]["quantity"] == 4  # the repeat changed nothing
    reused = await client.put(item, json={"quantity": 1}, headers={**csrf, "Idempotency-Key": "set-1"})
    assert_problem(reused, 422, "idempotency-key-reused")

    removed = await client.delete(item, headers={**csrf, "Idempotency-Key": "remove-1"})
    assert removed.status_code == 204 and removed.content == b""
    repeat = await client.delete(item, headers={**csrf, "Idempotency-Key": "remove-1"})
    assert repeat.status_code == 204 and repeat.headers["idempotent-replayed"] == "true"  # not a 404
    assert_problem(await client.delete(item, headers=csrf), 404, "cart-item-not-found")
    assert (await client.get(f"/api/v2/products/{product_id}")).json()["stock_quantity"] == 5
    bad = await client.delete(item, headers={**csrf, "Idempotency-Key": "no spaces allowed"})
    assert_problem(bad, 400, "invalid-idempotency-key")


async def place(client: Client, csrf: dict[str, str], key: str | None, body: dict[str, Any] | None = None) -> Any:
    headers = {**csrf, **({"Idempotency-Key": key} if key else {})}
    return await client.post("/api/v2/orders", json=body or {"shipping_address": ADDRESS}, headers=headers)


async def test_placing_an_order_needs_a_key_answers_201_with_location_and_replays_a_repeat(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    product_id = await add_product(app, price="4.00", stock=5)
    csrf = await v2_login(app, client)
    await client.put(f"/api/v2/cart/items/{product_id}", json={"quantity": 2}, headers=csrf)
    assert_problem(await place(client, csrf, None), 400, "idempotency-key-required")
    too_long = await place(client, csrf, "k" * 256)
    assert_problem(too_long, 400, "invalid-idempotency-key")
    assert too_long.json()["detail"] == "Idempotency-Key must be at most 255 characters."
    first = await place(client, csrf, '"order-1"')  # the draft's quoted form
    assert first.status_code == 201, first.text
    order = first.json()
    assert first.headers["location"] == f"/api/v2/orders/{order['id']}"
    assert order["total"] == {"amount": "8.00", "currency": "USD"} and order["lines"][0]["quantity"] == 2
    assert "idempotent-replayed" not in first.headers
    again = await place(client, csrf, "order-1")  # the same key, bare
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == order and again.headers["location"] == first.headers["location"]
    other_body = {"shipping_address": {**ADDRESS, "city": "Shelbyville"}}
    assert_problem(await place(client, csrf, "order-1", other_body), 422, "idempotency-key-reused")
    assert await db.fetchval("SELECT count(*) FROM customer_order") == 1
    read = await client.get(first.headers["location"])
    assert read.status_code == 200 and read.json() == order


async def test_a_key_first_used_on_a_refused_request_can_be_used_again(app: Litestar, client: Client):
    csrf = await v2_login(app, client)
    assert_problem(await place(client, csrf, "retry-me"), 409, "empty-cart")  # refused before any effect
    product_id = await add_product(app, stock=1)
    await client.put(f"/api/v2/cart/items/{product_id}", json={"quantity": 1}, headers=csrf)
    placed = await place(client, csrf, "retry-me")
    assert placed.status_code == 201 and "idempotent-replayed" not in placed.headers


async def test_another_user_sending_the_same_key_gets_their_own_order(app: Litestar, client: Client):
    product_id = await add_product(app, stock=5)
    orders = []
    for username in ("vera", "walt"):
        csrf = await v2_login(app, client, username)
        await client.put(f"/api/v2/cart/items/{product_id}", json={"quantity": 1}, headers=csrf)
        placed = await place(client, csrf, "same-key")
        assert placed.status_code == 201 and "idempotent-replayed" not in placed.headers
        orders.append(placed.json()["id"])
        await client.delete("/api/v2/session", headers=csrf)
    assert orders[0] != orders[1]
    csrf = await v2_login(app, client, "vera")
    assert_problem(await client.get(f"/api/v2/orders/{orders[1]}"), 404, "order-not-found")


async def test_an_unknown_version_is_a_404_problem_listing_the_supported_ones(client: Client):
    body = assert_problem(await client.get("/api/v3/products"), 404, "unknown-version")
    assert body["supported_versions"] == ["v1", "v2"]


async def test_v1_and_unversioned_responses_point_to_their_successor(client: Client):
    for path in ("/api/v1/auth/session/", "/api/auth/session/"):
        response = await client.get(path)
        assert 'rel="successor-version"' in response.headers["link"] and "deprecation" in response.headers
    assert "deprecation" not in (await client.get("/api/v2/session")).headers


async def test_unknown_v2_routes_and_methods_are_problems(client: Client):
    assert_problem(await client.get("/api/v2/nowhere"), 404, "not-found")
    assert_problem(await client.post("/api/v2/cart"), 405, "method-not-allowed")
    assert json.loads((await client.get("/api/v2/nowhere")).content)["status"] == 404


async def test_the_openapi_document_describes_v2_bodies_and_problems(client: Client):
    schema = (await client.get("/schema/openapi.json")).json()
    place = schema["paths"]["/api/v2/orders"]["post"]
    assert "requestBody" in place and "application/json" in place["requestBody"]["content"]
    assert "application/problem+json" in place["responses"]["422"]["content"]
    assert {"200", "304", "404"} <= set(schema["paths"]["/api/v2/products/{product_id}"]["get"]["responses"])


def next_link(response: Any) -> str | None:
    """The `Link: <…>; rel="next"` target, or None when the header is absent."""
    link = response.headers.get("link")
    if link is None:
        return None
    target, rel = link.split(";", 1)
    assert rel.strip() == 'rel="next"' and target.startswith("</api/v2/") and target.endswith(">")
    return target[1:-1]


async def test_the_catalog_list_pages_by_cursor_with_a_next_link_keeping_the_query(app: Litestar, client: Client):
    for name, price in (("Lamp A", "3.00"), ("Lamp B", "1.00"), ("Lamp C", "2.00"), ("Vase", "9.00")):
        await add_product(app, name=name, price=price)
    first = await client.get("/api/v2/products", params={"q": "lamp", "sort": "-price", "limit": 2})
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"]
    assert [item["name"] for item in body["items"]] == ["Lamp A", "Lamp C"]
    assert body["items"][0]["price"] == {"amount": "3.00", "currency": "USD"}
    link = next_link(first)
    assert link is not None and link.startswith("/api/v2/products?")
    assert "q=lamp" in link and "sort=-price" in link and "limit=2" in link and f"cursor={body['next_cursor']}" in link
    last = await client.get(link)
    assert last.status_code == 200 and [item["name"] for item in last.json()["items"]] == ["Lamp B"]
    assert last.json()["next_cursor"] is None and next_link(last) is None
    default = (await client.get("/api/v2/products")).json()
    assert [item["name"] for item in default["items"]] == ["Lamp A", "Lamp B", "Lamp C", "Vase"]  # by name, 20 a page
    assert default["next_cursor"] is None
    cheap = (await client.get("/api/v2/products", params={"min_price": "1.50", "max_price": "3"})).json()
    assert [item["name"] for item in cheap["items"]] == ["Lamp A", "Lamp C"]


async def test_the_catalog_list_hides_deleted_products_and_filters_by_stock(app: Litestar, client: Client):
    kept = await add_product(app, name="Kept", stock=2)
    await add_product(app, name="Sold out", stock=0)
    await delete_product(app, await add_product(app, name="Gone"))
    every = (await client.get("/api/v2/products")).json()["items"]
    assert [item["name"] for item in every] == ["Kept", "Sold out"]
    in_stock = (await client.get("/api/v2/products", params={"in_stock": "true"})).json()["items"]
    assert [item["id"] for item in in_stock] == [kept]


async def test_list_limits_outside_1_to_100_are_422_problems_naming_limit(app: Litestar, client: Client):
    await v2_login(app, client)  # the order history is for callers who have logged in
    for path in ("/api/v2/products", "/api/v2/orders"):
        for limit in ("0", "101", "ten"):
            body = assert_problem(await client.get(path, params={"limit": limit}), 422, "validation-failed")
            assert [error["field"] for error in body["errors"]] == ["limit"]
    assert (await client.get("/api/v2/products", params={"limit": "100"})).status_code == 200


async def test_bad_catalog_parameters_and_cursors_are_422_problems_never_500(app: Litestar, client: Client):
    for _ in range(3):
        await add_product(app)
    cursor = (await client.get("/api/v2/products", params={"limit": 1})).json()["next_cursor"]
    refusals = {
        "cursor": [{"cursor": "not-a-cursor"}, {"cursor": ""}, {"cursor": cursor, "sort": "price"}],
        "sort": [{"sort": "stock"}],
        "min_price": [{"min_price": "abc"}, {"min_price": "-1"}],
        "max_price": [{"max_price": "1.234"}],
        "in_stock": [{"in_stock": "maybe"}],
    }
    for field, cases in refusals.items():
        for params in cases:
            response = await client.get("/api/v2/products", params=params)
            body = assert_problem(response, 422, "invalid-cursor" if field == "cursor" else "validation-failed")
            assert [error["field"] for error in body["errors"]] == [field], params


async def order_for(client: Client, csrf: dict[str, str], product_id: str, key: str) -> str:
    await client.put(f"/api/v2/cart/items/{product_id}", json={"quantity": 1}, headers=csrf)
    placed = await place(client, csrf, key)
    assert placed.status_code == 201, placed.text
    return str(placed.json()["id"])


async def test_order_history_is_mine_newest_first_in_cursor_pages_and_an_admin_sees_everyones(
    app: Litestar, client: Client
):
    product_id = await add_product(app, stock=10)
    csrf = await v2_login(app, client, "vera")
    veras = [await order_for(client, csrf, product_id, f"vera-{n}") for n in range(3)]
    await client.delete("/api/v2/session", headers=csrf)
    csrf = await v2_login(app, client, "walt")
    walts = await order_for(client, csrf, product_id, "walt-1")
    mine = await client.get("/api/v2/orders")
    assert mine.status_code == 200 and [order["id"] for order in mine.json()["items"]] == [walts]
    assert mine.json()["next_cursor"] is None and next_link(mine) is None
    await client.delete("/api/v2/session", headers=csrf)

    csrf = await v2_login(app, client, "vera")
    first = await client.get("/api/v2/orders", params={"limit": 2})
    assert [order["id"] for order in first.json()["items"]] == [veras[2], veras[1]]
    assert first.json()["items"][0]["total"]["currency"] == "USD"
    link = next_link(first)
    assert link == f"/api/v2/orders?limit=2&cursor={first.json()['next_cursor']}"
    rest = await client.get(link)
    assert [order["id"] for order in rest.json()["items"]] == [veras[0]] and next_link(rest) is None
    await client.delete("/api/v2/session", headers=csrf)

    await v2_login(app, client, "vic", "admin")
    everyone = (await client.get("/api/v2/orders")).json()["items"]
    assert [order["id"] for order in everyone] == [walts, *reversed(veras)]
    bad = assert_problem(await client.get("/api/v2/orders", params={"cursor": "x"}), 422, "invalid-cursor")
    assert bad["errors"][0]["field"] == "cursor"


async def test_order_history_needs_a_login_and_never_shows_another_shops_orders(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await db.execute("INSERT INTO tenant (id, slug, name) VALUES ($1, 'outlet', 'Emporium Outlet')", OUTLET)
    await db.execute("INSERT INTO tenant_host (host, tenant_id) VALUES ('outlet.localhost', $1)", OUTLET)
    assert_problem(await client.get("/api/v2/orders"), 401, "authentication-required")
    product_id = await add_product(app)
    csrf = await v2_login(app, client, "vera")
    await order_for(client, csrf, product_id, "home-order")
    await on_app_loop(app, app.state.container.auth.ensure_user, OUTLET, "vic", PASSWORD, Role.ADMIN)
    outlet: Client = AsyncTestClient(app=app, base_url="http://outlet.localhost:8000")
    outlet.blocking_portal = client.blocking_portal  # one lifespan, one pool: the first client's
    assert (await outlet.post("/api/v2/session", json={"username": "vic", "password": PASSWORD})).status_code == 200
    away = await outlet.get("/api/v2/orders")
    assert away.status_code == 200 and away.json() == {"items": [], "next_cursor": None}


async def test_the_openapi_document_types_the_list_pages_and_their_parameters(client: Client):
    schema = (await client.get("/schema/openapi.json")).json()
    for path, wire_type in (("/api/v2/products", "ProductPage"), ("/api/v2/orders", "OrderPage")):
        operation = schema["paths"][path]["get"]
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(wire_type)
        limit = next(p for p in operation["parameters"] if p["name"] == "limit")
        assert limit["schema"]["minimum"] == 1 and limit["schema"]["maximum"] == 100
        assert "application/problem+json" in operation["responses"]["422"]["content"]
        assert "Link" in operation["responses"]["200"]["headers"]
