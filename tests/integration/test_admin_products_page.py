"""The admin "new product" form: HTMX and plain posts, validation, authorization, audit."""

from __future__ import annotations

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.conftest import csrf_from, ensure_user, login
from tests.support.factories import product_form

HTMX = {"HX-Request": "true"}


async def admin_client(app: Litestar, client: AsyncTestClient[Litestar]) -> str:
    await ensure_user(app, "admin", "admin", "admin")
    return await login(client, "admin", "admin")


async def test_htmx_create_returns_the_new_row_and_records_the_event_with_the_request_id(
    app: Litestar, client: AsyncTestClient[Litestar], db: asyncpg.Connection
):
    token = await admin_client(app, client)
    form = product_form(price="1234.5", stock_quantity=7)

    response = await client.post(
        "/admin/products", data=form, headers={**HTMX, "X-CSRFToken": token, "X-Request-ID": "req-create-1"}
    )

    assert response.status_code == 201
    assert response.text.lstrip().startswith("<tr")
    assert form["name"] in response.text and "$1,234.50" in response.text
    assert 'hx-swap-oob="true"' in response.text  # the flash travels out of band
    row = await db.fetchrow(
        "SELECT event_type, request_id, actor_name, payload FROM audit_log WHERE event_type = 'ProductCreated'"
    )
    assert (row["event_type"], row["request_id"], row["actor_name"]) == ("ProductCreated", "req-create-1", "admin")
    assert form["name"] in row["payload"]

    audit = await client.get("/admin/audit", params={"request_id": "req-create-1"})
    assert audit.text.count('data-event-type="ProductCreated"') == 1


async def test_invalid_htmx_submission_re_renders_the_form_with_the_error_beside_the_field(
    app: Litestar, client: AsyncTestClient[Litestar], db: asyncpg.Connection
):
    token = await admin_client(app, client)
    response = await client.post(
        "/admin/products", data=product_form(price="abc"), headers={**HTMX, "X-CSRFToken": token}
    )
    assert response.status_code == 422
    assert response.headers["hx-retarget"] == "#product-form"
    assert 'id="error-price">Price must be a decimal number such as 19.99<' in response.text
    assert await db.fetchval("SELECT count(*) FROM product") == 0


async def test_an_absurdly_large_price_is_refused_beside_the_field_not_a_500(
    app: Litestar, client: AsyncTestClient[Litestar], db: asyncpg.Connection
):
    token = await admin_client(app, client)
    for price in ("1e30", "9" * 40, "10000000000"):
        response = await client.post(
            "/admin/products", data=product_form(price=price), headers={**HTMX, "X-CSRFToken": token}
        )
        assert response.status_code == 422, price
        assert 'id="error-price">Price is too large<' in response.text
    assert await db.fetchval("SELECT count(*) FROM product") == 0


async def test_duplicate_live_name_is_refused_beside_the_name(app: Litestar, client: AsyncTestClient[Litestar]):
    token = await admin_client(app, client)
    form = product_form()
    first = await client.post("/admin/products", data=form, headers={**HTMX, "X-CSRFToken": token})
    second = await client.post("/admin/products", data=form, headers={**HTMX, "X-CSRFToken": token})
    assert first.status_code == 201
    assert second.status_code == 422
    assert "already exists" in second.text


async def test_plain_form_post_redirects_with_a_flash(app: Litestar, client: AsyncTestClient[Litestar]):
    token = await admin_client(app, client)
    form = product_form()
    response = await client.post("/admin/products", data={**form, "csrf_token": token})
    assert response.status_code == 303
    page = await client.get("/admin/products")
    assert f"Product “{form['name']}” added." in page.text
    catalog = await client.get("/")
    assert form["name"] in catalog.text


async def test_customer_gets_403_and_anonymous_is_sent_to_login(app: Litestar, client: AsyncTestClient[Litestar]):
    anonymous = await client.get("/admin/products")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/admin/products"

    await ensure_user(app, "erin", "erin-password", "customer")
    await login(client, "erin", "erin-password")
    page = await client.get("/admin/products")
    assert page.status_code == 403
    assert "Admin access required" in page.text
    home = await client.get("/")
    refused = await client.post("/admin/products", data={**product_form(), "csrf_token": csrf_from(home.text)})
    assert refused.status_code == 403
    assert "Only administrators can create products" in refused.text
