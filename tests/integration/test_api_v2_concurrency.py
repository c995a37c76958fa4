"""API v2 under real concurrency: parallel HTTP clients against the real shop (two web processes, one database).

If-Match lets exactly one of many writers with the same ETag win; one Idempotency-Key places
exactly one order however many copies of the request arrive at once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from tests.contract.conftest import ADDRESS, add_product
from tests.faults.harness import Shop, running_shop
from tests.integration.conftest import ensure_user

PASSWORD = "v2-concurrency-1"
# `client` (the in-process app's test client) is asked for so the app's services can arrange data.


@pytest.fixture(scope="module")
def shop(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    with running_shop(services, tmp_path_factory.mktemp("api-v2-shop"), web_processes=2) as running:
        yield running


async def log_in(shop: Shop, app: Litestar, username: str, role: str = "customer") -> httpx.AsyncClient:
    await ensure_user(app, username, PASSWORD, role)
    client = httpx.AsyncClient(base_url=shop.base_url, timeout=60, limits=httpx.Limits(max_connections=50))
    response = await client.post("/api/v2/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRFToken"] = response.json()["csrf_token"]
    return client


async def test_ten_parallel_patches_with_one_if_match_let_exactly_one_win(
    shop: Shop, app: Litestar, client: Any, db: asyncpg.Connection
) -> None:
    product_id = await add_product(app, price="10.00")
    admin = await log_in(shop, app, "vic", "admin")
    try:
        path = f"/api/v2/products/{product_id}"
        tag = (await admin.get(path)).headers["etag"]

        async def patch(n: int) -> int:
            response = await admin.patch(path, json={"price": f"{n + 1}.00"}, headers={"If-Match": tag})
            return response.status_code

        statuses = Counter(await asyncio.gather(*(patch(n) for n in range(10))))

        assert statuses == {200: 1, 412: 9}
        assert await db.fetchval("SELECT version FROM product WHERE id = $1", product_id) == int(tag.strip('"')) + 1
        unconditional = await admin.patch(path, json={"price": "1.00"})
        assert unconditional.status_code == 428
    finally:
        await admin.aclose()


async def test_twenty_parallel_orders_with_one_key_place_exactly_one(
    shop: Shop, app: Litestar, client: Any, db: asyncpg.Connection
) -> None:
    product_id = await add_product(app, stock=10)
    customer = await log_in(shop, app, "vera")
    try:
        assert (await customer.put(f"/api/v2/cart/items/{product_id}", json={"quantity": 1})).status_code == 200

        async def place() -> httpx.Response:
            return await customer.post(
                "/api/v2/orders", json={"shipping_address": ADDRESS}, headers={"Idempotency-Key": "one-order"}
            )

        responses = await asyncio.gather(*(place() for _ in range(20)))

        assert await db.fetchval("SELECT count(*) FROM customer_order") == 1
        placed = [r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]
        replayed = [r for r in responses if r.status_code == 201 and r.headers.get("idempotent-replayed") == "true"]
        in_flight = [r for r in responses if r.status_code == 409]
        assert len(placed) == 1 and len(placed) + len(replayed) + len(in_flight) == 20
        assert all(r.json() == placed[0].json() for r in replayed)
        assert all(r.headers["retry-after"] and r.json()["type"].endswith("/idempotency-key-in-use") for r in in_flight)
        late = await place()  # after the burst: always the replay
        assert late.status_code == 201 and late.headers["idempotent-replayed"] == "true"
    finally:
        await customer.aclose()
