"""Each request is served by the shop its host names: unknown hosts, X-Tenant, sessions, other shops' ids.

The default shop answers on 127.0.0.1 (the `client` fixture's host); a second shop, `outlet`, is
added as the owner would and answers on outlet.localhost. Both are served by the same app.
"""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.domain.users import Role
from app.log_config import configure_logging_from
from app.main import create_app
from app.settings import LogSettings, TenancySettings, get_settings
from tests.contract.conftest import ADDRESS, add_coupon, add_product, fill_cart, log_in
from tests.integration.conftest import ensure_user, on_app_loop, scraper

Client = AsyncTestClient[Litestar]
OUTLET = UUID("00000000-0000-4000-8000-00000000000b")
OUTLET_URL = "http://outlet.localhost:8000"
NO_SHOP = "No shop at this address"
NOT_FOUND = {"detail": "Not found."}


@pytest.fixture
async def outlet(db: asyncpg.Connection) -> UUID:
    """A second shop, added as `app.cli tenant create` would (before the app's first request reads the directory)."""
    await db.execute("INSERT INTO tenant (id, slug, name) VALUES ($1, 'outlet', 'Emporium Outlet')", OUTLET)
    await db.execute("INSERT INTO tenant_host (host, tenant_id) VALUES ('outlet.localhost', $1)", OUTLET)
    return OUTLET


@pytest.fixture
def outlet_client(client: Client, outlet: UUID) -> Client:
    """A browser on outlet.localhost: its own cookies, served on the first client's loop (one lifespan)."""
    other: Client = AsyncTestClient(app=client.app, base_url=OUTLET_URL)
    other.blocking_portal = client.blocking_portal
    other.follow_redirects = False
    return other


async def outlet_user(app: Litestar, username: str, role: str = "customer") -> None:
    auth = app.state.container.auth
    await on_app_loop(app, auth.ensure_user, OUTLET, username, f"{username}-password", Role(role))


async def test_an_unknown_host_gets_a_plain_404_and_never_the_default_shop(client: Client):
    page = await client.get("http://nowhere.example:8000/")
    api = await client.get("http://nowhere.example:8000/api/v1/products/")

    assert page.status_code == 404 and NO_SHOP in page.text
    assert "Emporium" not in page.text  # nothing of the default shop
    assert api.status_code == 404 and api.json() == NOT_FOUND
    assert page.headers["x-request-id"]  # still logged and counted like any request


async def test_health_metrics_and_static_files_answer_on_any_host(client: Client):
    for path in ("/health/live", "/health/ready", "/metrics", "/static/css/emporium.css"):
        response = await client.get(f"http://nowhere.example{path}", headers=scraper())
        assert response.status_code == 200, path


async def test_the_host_is_matched_without_its_port_and_case_and_the_header_names_the_shop(
    client: Client, outlet: UUID
):
    page = await client.get("http://OUTLET.LocalHost:9999/")
    home = await client.get("/")

    assert page.status_code == 200
    assert '<a class="brand" href="/">Emporium Outlet</a>' in page.text
    assert '<a class="brand" href="/">Emporium</a>' in home.text


@pytest.fixture
async def base_domain_client(db: asyncpg.Connection, redis_client: Any, outlet: UUID) -> AsyncIterator[Client]:
    settings = dataclasses.replace(get_settings(), tenancy=TenancySettings(base_domain="Shops.Test"))
    async with AsyncTestClient(app=create_app(settings), base_url="http://outlet.shops.test") as client:
        yield client


async def test_a_slug_under_the_base_domain_names_its_shop(base_domain_client: Client):
    assert "Emporium Outlet" in (await base_domain_client.get("/")).text
    assert "Emporium" in (await base_domain_client.get("http://default.shops.test/")).text
    assert NO_SHOP in (await base_domain_client.get("http://nosuch.shops.test/")).text
    assert NO_SHOP in (await base_domain_client.get("http://outlet.shops.test.evil.example/")).text


async def test_each_shop_has_its_own_catalog(app: Litestar, client: Client, outlet_client: Client):
    product_id = await add_product(app, name="Default Shop Lamp")

    assert "Default Shop Lamp" in (await client.get("/products")).text
    assert "Default Shop Lamp" not in (await outlet_client.get("/products")).text
    assert (await outlet_client.get(f"/products/{product_id}")).status_code == 404
    assert product_id not in (await outlet_client.get("/api/v1/products/")).text


async def test_a_session_cookie_of_one_shop_is_no_login_in_another(
    app: Litestar, client: Client, outlet_client: Client
):
    await ensure_user(app, "alice", "alice-password", "customer")
    await log_in(client, "alice", "alice-password")
    cookie = client.cookies["sessionid"]

    outlet_client.cookies.set("sessionid", cookie)
    there = await outlet_client.get("/api/v1/auth/session/")
    page = await outlet_client.get("/cart")

    assert there.json()["authenticated"] is False
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert (await client.get("/api/v1/auth/session/")).json()["authenticated"] is True  # still a login at home


async def test_the_same_username_is_two_accounts_in_two_shops(app: Litestar, client: Client, outlet_client: Client):
    await ensure_user(app, "alice", "alice-password", "customer")
    await outlet_user(app, "alice")  # same name and password, another shop

    home = (await client.post("/api/v1/auth/login/", json={"username": "alice", "password": "alice-password"})).json()
    away = await outlet_client.post("/api/v1/auth/login/", json={"username": "alice", "password": "alice-password"})

    assert away.status_code == 200
    assert away.json()["user"]["id"] != home["user"]["id"]


async def test_a_customer_of_one_shop_cannot_use_another_shops_cart_lines_coupons_or_orders(
    app: Litestar, client: Client, outlet_client: Client, db: asyncpg.Connection
):
    await ensure_user(app, "alice", "alice-password", "customer")
    home = await log_in(client, "alice", "alice-password")
    product_id = await add_product(app, stock=10)
    await fill_cart(client, home, product_id)
    await add_coupon(db, "HOME10")
    order = await client.post("/api/v1/cart/submit/", json={"shipping_address": ADDRESS}, headers=home)
    await fill_cart(client, home, product_id)
    await outlet_user(app, "olga")
    away = await log_in(outlet_client, "olga", "olga-password")

    calls = [
        ("POST", "/api/v1/cart/items/", {"product_id": product_id, "quantity": 1}),
        ("PATCH", f"/api/v1/cart/items/{product_id}/", {"quantity": 2}),
        ("DELETE", f"/api/v1/cart/items/{product_id}/remove/", None),
        ("POST", "/api/v1/cart/coupons/validate/", {"coupon_code": "HOME10", "cart_total": "10.00"}),
    ]
    for method, path, body in calls:
        response = await outlet_client.request(method, path, json=body, headers=away)
        assert response.status_code == 404, (method, path, response.text)
    assert (await outlet_client.get(f"/orders/{order.json()['id']}")).status_code == 404
    assert (await outlet_client.get("/api/v1/orders/")).json()["results"] == []
    assert (await client.get("/api/v1/cart/")).json()["items"][0]["quantity"] == 1  # untouched at home


async def test_x_tenant_is_honoured_for_an_account_of_that_shop(app: Litestar, outlet_client: Client, client: Client):
    await outlet_user(app, "olga")
    await log_in(outlet_client, "olga", "olga-password")
    await add_product(app, name="Only At Home")

    # Olga's session is an outlet session, so naming outlet on the default shop's host serves outlet.
    client.cookies.set("sessionid", outlet_client.cookies["sessionid"])
    named = await client.get("/api/v1/auth/session/", headers={"X-Tenant": "outlet"})
    products = await client.get("/api/v1/products/", headers={"X-Tenant": "OUTLET"})

    assert named.status_code == 200 and named.json()["user"]["username"] == "olga"
    assert products.status_code == 200
    assert "Only At Home" not in products.text


async def test_x_tenant_naming_another_shop_or_none_is_the_404_of_an_unknown_address(
    app: Litestar, client: Client, outlet: UUID
):
    await ensure_user(app, "alice", "alice-password", "customer")
    await log_in(client, "alice", "alice-password")  # an account of the default shop

    refused = [
        await client.get("/api/v1/products/", headers={"X-Tenant": "outlet"}),  # not her shop
        await client.get("/api/v1/products/", headers={"X-Tenant": "no-such-shop"}),
        await client.get("http://nowhere.example/api/v1/products/", headers={"X-Tenant": "outlet"}),
    ]
    anonymous = await client.get("http://outlet.localhost/api/v1/products/", headers={"X-Tenant": "outlet"})

    assert [(r.status_code, r.json()) for r in refused] == [(404, NOT_FOUND)] * 3
    assert (anonymous.status_code, anonymous.json()) == (404, NOT_FOUND)  # no account of outlet logged in
    assert (await client.get("/api/v1/products/", headers={"X-Tenant": "default"})).status_code == 200


async def test_x_tenant_does_not_change_the_shop_of_a_page(app: Litestar, client: Client, outlet: UUID):
    page = await client.get("/", headers={"X-Tenant": "outlet"})
    assert page.status_code == 200 and '<a class="brand" href="/">Emporium</a>' in html.unescape(page.text)


async def test_log_lines_carry_the_requests_tenant(
    db: asyncpg.Connection, redis_client: Any, outlet: UUID, capsys: pytest.CaptureFixture[str]
):
    settings = dataclasses.replace(get_settings(), log=LogSettings(level="INFO", format="json"))
    async with AsyncTestClient(app=create_app(settings), base_url=OUTLET_URL) as client:
        await client.get("/api/v1/products/")
        await client.get("/health/live")
    configure_logging_from(get_settings())  # back to the tests' own level
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    requests = {line["route"]: line for line in lines if line.get("event") == "request"}

    assert requests["/api/v1/products"]["tenant_id"] == str(OUTLET)
    assert requests["/health/live"]["tenant_id"] is None  # a path of no shop
