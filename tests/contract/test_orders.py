"""API v1 order history (api-v1.md §7.8): own orders for customers, all for admins, newest first."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from tests.contract import shapes
from tests.contract.conftest import ADDRESS, Client, add_product, fill_cart, log_in
from tests.integration.conftest import ensure_user


async def place_order(app: Litestar, client: Client, headers: dict[str, str], name: str) -> dict[str, Any]:
    await fill_cart(client, headers, await add_product(app, name=name), 1)
    response = await client.post("/api/v1/cart/submit/", json={"shipping_address": ADDRESS}, headers=headers)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


async def test_no_orders_is_an_empty_list(client: Client, customer: dict[str, str]):
    response = await client.get("/api/v1/orders/")
    assert response.status_code == 200
    assert response.json() == {"results": []}


async def test_orders_are_listed_newest_first_as_submitted(app: Litestar, client: Client, customer: dict[str, str]):
    first = await place_order(app, client, customer, "First")
    second = await place_order(app, client, customer, "Second")

    body = (await client.get("/api/orders/")).json()

    assert list(body) == ["results"]
    for order in body["results"]:
        shapes.order(order)
    assert body["results"] == [second, first]


async def test_customers_see_their_own_orders_and_admins_everyones(
    app: Litestar, client: Client, customer: dict[str, str]
):
    alices = await place_order(app, client, customer, "Alice's")
    await ensure_user(app, "bob", "bob-password", "customer")
    await client.post("/api/v1/auth/logout/", headers=customer)
    bob = await log_in(client, "bob", "bob-password")
    bobs = await place_order(app, client, bob, "Bob's")

    assert (await client.get("/api/v1/orders/")).json() == {"results": [bobs]}

    await client.post("/api/v1/auth/logout/", headers=bob)
    await ensure_user(app, "boss", "boss-password", "admin")
    await log_in(client, "boss", "boss-password")
    assert (await client.get("/api/v1/orders/")).json() == {"results": [bobs, alices]}
