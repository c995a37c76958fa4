"""Issue 8's reproducers, each once a 500: now a 4xx (or the page with the odd value ignored) in words for people.

The generated sweep (tests/contract/test_no_server_errors.py) sends such values everywhere; these
pin down each one that was reported, with the answer a person gets.
"""

from __future__ import annotations

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.domain.users import Role, UserContext
from app.settings import get_settings
from tests.integration.conftest import ensure_user, login, on_app_loop
from tests.support.factories import unique_name

Client = AsyncTestClient[Litestar]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PYTHON_WORDS = ("invalid literal", "Traceback", "NoneType", "ValueError")


async def admin_token(app: Litestar, client: Client) -> str:
    await ensure_user(app, "admin", "admin-password", "admin")
    return await login(client, "admin", "admin-password")


async def a_product(app: Litestar, db: asyncpg.Connection) -> tuple[str, int]:
    admin_id = await db.fetchval("SELECT id FROM app_user WHERE username = 'admin'")
    admin = UserContext(
        user_id=admin_id, username="admin", role=Role.ADMIN, tenant_id=get_settings().app.default_tenant_id
    )
    created = await on_app_loop(
        app, app.state.container.products.create_product, admin, name=unique_name(), price="5.00", stock_quantity=3
    )
    return str(created.id), created.version


def shows_no_internals(text: str) -> bool:
    return not any(words in text for words in PYTHON_WORDS)


@pytest.mark.parametrize("name", ["request_id", "event_type"])
async def test_a_nul_in_an_audit_filter_is_ignored_with_a_note(app: Litestar, client: Client, name: str):
    await admin_token(app, client)
    page = await client.get(f"/admin/audit?{name}=a%00b")
    assert page.status_code == 200
    assert "Ignored: the text contains characters no entry can hold." in page.text


@pytest.mark.parametrize("action", ["enabled", "description", "targets", "delete"])
async def test_a_nul_in_a_flag_name_is_a_flag_not_found(app: Litestar, client: Client, action: str):
    """Deleting one answers as for a flag deleted already (a double click), its name shown without the NUL."""
    token = await admin_token(app, client)
    response = await client.post(
        f"/admin/flags/a%00b/{action}", content=b"enabled=1&description=d", headers={**FORM, "X-CSRFToken": token}
    )
    assert response.status_code in (303, 404), response.text[:300]
    followed = await client.get("/admin/flags") if response.status_code == 303 else response
    assert ("The flag ab was already deleted." if action == "delete" else "not found") in followed.text
    assert shows_no_internals(followed.text)


@pytest.mark.parametrize("path", ["/static/%00", "/static/css/%00.css", "/static/" + "a" * 256, "/static/" + "a" * 300])
async def test_an_odd_or_overlong_static_name_is_not_found(client: Client, path: str):
    response = await client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize("stock", ["\u00b2", "\u0663", str(10**30)])
async def test_an_odd_stock_on_the_new_product_form_is_refused_beside_the_field(
    app: Litestar, client: Client, stock: str
):
    token = await admin_token(app, client)
    response = await client.post(
        "/admin/products",
        data={"name": unique_name(), "price": "1.00", "stock_quantity": stock},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Stock must be a whole number from 0 to 2,147,483,647" in response.text
    assert shows_no_internals(response.text)


@pytest.mark.parametrize("version", ["\u00b2", "\u0663", str(10**30), "-1"])
async def test_an_odd_version_on_the_product_edit_is_answered_as_someone_elses_edit(
    app: Litestar, client: Client, db: asyncpg.Connection, version: str
):
    token = await admin_token(app, client)
    product_id, _ = await a_product(app, db)
    response = await client.post(
        f"/admin/products/{product_id}",
        data={"name": unique_name(), "price": "2.00", "stock_quantity": "3", "version": version},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 409  # a tampered version is no product's version: the current values are shown
    assert shows_no_internals(response.text)


async def test_a_huge_low_stock_threshold_on_the_report_means_every_product(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await admin_token(app, client)
    await a_product(app, db)
    page = await client.get(f"/admin/report?low_stock={10**30}")
    assert page.status_code == 200
    assert "No products" not in page.text
