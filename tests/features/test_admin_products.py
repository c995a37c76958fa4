"""Steps for admin_products.feature, executed over HTTP against the real app."""

from __future__ import annotations

import html
import re
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from pytest_bdd import given, parsers, scenarios, then, when

from app.domain.users import Role
from app.settings import get_settings

scenarios("admin_products.feature")


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _create_account(http: TestClient[Litestar], username: str, password: str, role: Role) -> None:
    container = http.app.state.container
    http.blocking_portal.call(
        container.auth.ensure_user, get_settings().app.default_tenant_id, username, password, role
    )


def _log_in(http: TestClient[Litestar], username: str, password: str) -> None:
    page = http.get("/login").text
    response = http.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(page)})
    assert response.status_code == 303


@given(parsers.parse('an administrator "{username}" with password "{password}"'), target_fixture="admin")
def administrator(http: TestClient[Litestar], username: str, password: str) -> dict[str, str]:
    _create_account(http, username, password, Role.ADMIN)
    return {"username": username, "password": password}


@given("the administrator is logged in")
def admin_logged_in(http: TestClient[Litestar], admin: dict[str, str]) -> None:
    _log_in(http, admin["username"], admin["password"])


@given(parsers.parse('a customer "{username}" with password "{password}" is logged in'))
def customer_logged_in(http: TestClient[Litestar], username: str, password: str) -> None:
    _create_account(http, username, password, Role.CUSTOMER)
    _log_in(http, username, password)


@given(
    parsers.parse('they add a product named "{name}" priced "{price}" with {stock:d} in stock'),
    target_fixture="last_response",
)
@when(
    parsers.parse('they add a product named "{name}" priced "{price}" with {stock:d} in stock'),
    target_fixture="last_response",
)
def add_product(http: TestClient[Litestar], name: str, price: str, stock: int) -> Any:
    token = _csrf(http.get("/").text)
    return http.post(
        "/admin/products",
        data={"name": name, "price": price, "stock_quantity": str(stock)},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )


@then(parsers.parse('the catalog lists "{name}" at "{price}"'))
def catalog_lists(http: TestClient[Litestar], name: str, price: str) -> None:
    page = html.unescape(http.get("/").text)
    card = re.search(
        rf'<h2 class="name">(?:<a [^>]*>)?{re.escape(name)}(?:</a>)?</h2>.*?<p class="price">([^<]+)</p>', page, re.S
    )
    assert card, f"{name} is not in the catalog"
    assert card.group(1) == price


@then(parsers.parse('the audit log holds one "{event_type}" entry for "{name}"'))
def audit_entry(http: TestClient[Litestar], event_type: str, name: str) -> None:
    page = html.unescape(http.get("/admin/audit", params={"event_type": event_type}).text)
    entries = re.findall(rf'data-event-type="{event_type}".*?</tr>', page, flags=re.S)
    assert sum(f'"name": "{name}"' in entry for entry in entries) == 1


@then(parsers.parse('they are told "{message}"'))
def told(last_response: Any, message: str) -> None:
    assert last_response.status_code == 422
    assert message in html.unescape(last_response.text)


@then(parsers.parse('they are refused with "{message}"'))
def refused(last_response: Any, message: str) -> None:
    assert last_response.status_code == 403
    assert message in html.unescape(last_response.text)
