"""Steps for admin_products.feature: the admin's product pages, over HTTP against the real app.

The administrator works the way the pages are built to be used: a new product is added and an
edit is saved in place, as htmx sends them (the edit form comes from the server inside the product's
row, carrying the version it was opened at); deleting asks first on a page of its own, and restoring
is the Restore button of the product's row in the list that shows deleted products. Forms are posted
with the fields the server rendered in them (CSRF token, version, where to go back to), so what is
sent is what a browser would send.

What shoppers see is asked by a visitor who is not logged in (the catalog and product pages are
public); the carts and orders of customers are read through API v1 (the shared steps in conftest.py).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from pytest_bdd import given, parsers, scenarios, then, when

from app.domain.users import Role
from tests.features.conftest import DEFAULT_ADDRESS, WHO, Account, Emporium, table_rows
from tests.support.markup import element_by_id, field_error

pytestmark = pytest.mark.usefixtures("shop")  # every scenario in each shop (conftest.SHOPS)
scenarios("admin_products.feature")

LIST_PATH = "/admin/products"
HTMX = {"HX-Request": "true"}
EDIT_FIELDS = {"name": "name", "price": "price", "stock": "stock_quantity"}


@dataclass
class ProductDesk:
    """The product pages as one scenario uses them.

    `admin` names the administrator's account; `last` is the answer to the latest action (a form
    post, after following its redirect as a browser does); `form` is the edit form as it was opened.
    """

    emporium: Emporium
    visitor: TestClient[Litestar]
    admin: str = ""
    last: httpx.Response | None = None
    form: dict[str, str] = field(default_factory=dict)

    @property
    def http(self) -> TestClient[Litestar]:
        return self.emporium.http

    def as_admin(self) -> None:
        assert self.admin, "the scenario has no administrator"
        self.emporium.act_as(self.admin)

    def admin_page(self, path: str, **params: str) -> str:
        self.as_admin()
        response = self.http.get(path, params=params or None)
        assert response.status_code == 200, response.text
        return response.text

    def row(self, product: str, *, show_deleted: bool = False) -> str | None:
        """The product's row in the admins' list (searched by name), or None when the list does not show it."""
        params = {"search": product, **({"show_deleted": "1"} if show_deleted else {})}
        page = self.admin_page(LIST_PATH, **params)
        row_id = f"product-row-{self.emporium.product_id(product)}"
        return element_by_id(page, row_id) if f'id="{row_id}"' in page else None

    def open_edit_form(self, product: str) -> dict[str, str]:
        """Edit, in place: the row becomes the edit form, filled in with the product as it is now."""
        self.as_admin()
        product_id = self.emporium.product_id(product)
        response = self.http.get(f"{LIST_PATH}/{product_id}/edit", params={"next": LIST_PATH}, headers=HTMX)
        assert response.status_code == 200, response.text
        return form_fields(response.text, f"{LIST_PATH}/{product_id}")

    def save(self, product: str, form: dict[str, str]) -> httpx.Response:
        """Save, in place: the answer is the row again (saved), or the form with what went wrong."""
        self.as_admin()
        self.last = self.http.post(f"{LIST_PATH}/{self.emporium.product_id(product)}", data=form, headers=HTMX)
        return self.last

    def post_form(self, page: str, action: str) -> httpx.Response:
        """Press the button of the form posting to `action` on `page`; a redirect is followed."""
        response = self.http.post(action, data=form_fields(page, action))
        if response.is_redirect:
            response = self.http.get(response.headers["location"])
        self.last = response
        return response

    def told(self) -> str:
        assert self.last is not None, "the administrator has done nothing yet"
        return html.unescape(self.last.text)


@pytest.fixture
def desk(emporium: Emporium) -> ProductDesk:
    # A browser of its own, with no one logged in, served by the app the scenario already runs.
    visitor: TestClient[Litestar] = TestClient(app=emporium.http.app, base_url=str(emporium.http.base_url))
    visitor.blocking_portal = emporium.http.blocking_portal  # the loop that owns the app's connection pool
    visitor.follow_redirects = False
    return ProductDesk(emporium, visitor)


def form_fields(page: str, action: str) -> dict[str, str]:
    """The fields of the form that posts to `action`, as the server filled them in."""
    form = re.search(rf'<form\b[^>]*\baction="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert form, f"the page has no form that posts to {action}"
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", form.group(1)):
        name, value = re.search(r'\bname="([^"]*)"', tag), re.search(r'\bvalue="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no form"
    return match.group(1)


def _cell(row: str, css_class: str) -> str:
    cell = re.search(rf'<t[hd] [^>]*class="[^"]*\b{css_class}\b[^"]*"[^>]*>(.*?)</t[hd]>', row, re.S)
    assert cell, f"the row has no {css_class} cell"
    return html.unescape(re.sub(r"<[^>]+>", "", cell.group(1))).strip()


def _catalog_card(desk: ProductDesk, product: str) -> str | None:
    """The product's card in the catalog a shopper searches, or None when the catalog does not list it."""
    response = desk.visitor.get("/", params={"search": product})
    assert response.status_code == 200, response.text
    cards = re.findall(r'<li class="product-card" id="product-[^"]+">.*?</li>', response.text, re.S)
    named = [card for card in cards if f">{html.escape(product, quote=False)}</a></h2>" in card]
    assert len(named) <= 1, f'the catalog lists {len(named)} products named "{product}"'
    return named[0] if named else None


def _account(desk: ProductDesk, username: str, password: str, role: Role) -> str:
    """An account with the username and password the scenario names (it is known by its username)."""
    emporium = desk.emporium
    emporium.on_app_loop(emporium.container.auth.ensure_user, emporium.tenant_id, username, password, role)
    emporium.accounts[username] = Account(name=username, username=username, password=password, role=role)
    return username


# --- people -----------------------------------------------------------------------------------------


@given(parsers.parse('an administrator "{username}" with password "{password}"'))
def administrator(desk: ProductDesk, username: str, password: str) -> None:
    desk.admin = _account(desk, username, password, Role.ADMIN)


@given("the administrator is logged in")
def admin_logged_in(desk: ProductDesk) -> None:
    desk.as_admin()
    assert desk.emporium.current == desk.admin


@given(parsers.parse('a customer "{username}" with password "{password}" is logged in'))
def customer_logged_in(desk: ProductDesk, username: str, password: str) -> None:
    desk.emporium.act_as(_account(desk, username, password, Role.CUSTOMER))


# --- adding a product (whoever is logged in) ---------------------------------------------------------


def _add_product(desk: ProductDesk, name: str, price: str, stock: int) -> httpx.Response:
    """The new-product form, sent as htmx sends it (the CSRF token travels in the page's hx-headers)."""
    token = _csrf(desk.http.get("/").text)
    desk.last = desk.http.post(
        LIST_PATH,
        data={"name": name, "price": price, "stock_quantity": str(stock)},
        headers={**HTMX, "X-CSRFToken": token},
    )
    return desk.last


@given(parsers.parse('they add a product named "{name}" priced "{price}" with {stock:d} in stock'))
def has_added_product(desk: ProductDesk, name: str, price: str, stock: int) -> None:
    response = _add_product(desk, name, price, stock)
    assert response.status_code == 201, response.text


@when(parsers.parse('they add a product named "{name}" priced "{price}" with {stock:d} in stock'))
def add_product(desk: ProductDesk, name: str, price: str, stock: int) -> None:
    _add_product(desk, name, price, stock)


@then(parsers.parse('they are told "{message}"'))
def told(desk: ProductDesk, message: str) -> None:
    assert desk.last is not None and desk.last.status_code == 422, desk.told()
    assert message in desk.told()


@then(parsers.parse('they are refused with "{message}"'))
def refused(desk: ProductDesk, message: str) -> None:
    assert desk.last is not None and desk.last.status_code == 403, desk.told()
    assert message in desk.told()


# --- editing in place ---------------------------------------------------------------------------------


@when(
    parsers.re(
        r'the administrator changes the (?P<what>price|stock|name) of "(?P<product>[^"]+)" to "(?P<value>[^"]*)"'
    )
)
def change(desk: ProductDesk, what: str, product: str, value: str) -> None:
    form = desk.open_edit_form(product)
    desk.save(product, {**form, EDIT_FIELDS[what]: value})


@given(parsers.re(r'the administrator has opened "(?P<product>[^"]+)" for editing'))
def has_opened(desk: ProductDesk, product: str) -> None:
    desk.form = desk.open_edit_form(product)
    assert desk.form["version"].isdigit() and desk.form["name"] == product


@when(
    parsers.re(
        r'the administrator sets the (?P<what>price|stock|name) to "(?P<value>[^"]*)" in the form they opened, '
        r"and saves it"
    )
)
def save_opened_form(desk: ProductDesk, what: str, value: str) -> None:
    assert desk.form, "no edit form was opened"
    desk.save(desk.form["name"], {**desk.form, EDIT_FIELDS[what]: value})


@when("the administrator saves the form again")
def save_again(desk: ProductDesk) -> None:
    """Press Save again on the form the last answer showed (the values and version it now carries)."""
    assert desk.last is not None
    product = desk.form["name"]
    desk.save(product, form_fields(desk.last.text, f"{LIST_PATH}/{desk.emporium.product_id(product)}"))


@then(
    parsers.re(r'the product list shows "(?P<product>[^"]+)" saved, at "(?P<price>[^"]+)" with (?P<stock>\d+) in stock')
)
def saved_row(desk: ProductDesk, product: str, price: str, stock: str) -> None:
    # The answer to the save is the row, swapped in place of the form...
    assert desk.last is not None and desk.last.status_code == 200, desk.told()
    answered = element_by_id(desk.last.text, f"product-row-{desk.emporium.product_id(product)}")
    assert 'class="row-notice row-notice-success" role="status">Saved.</p>' in answered
    # ...and the list, loaded afresh, shows the same.
    for row in (answered, desk.row(product)):
        assert row is not None, f'the product list does not show "{product}"'
        assert (_cell(row, "product-name"), _cell(row, "product-price"), _cell(row, "product-stock")) == (
            product,
            price,
            stock,
        )


@then(parsers.re(r'the edit is refused with "(?P<message>[^"]+)"'))
def edit_refused(desk: ProductDesk, message: str) -> None:
    assert desk.last is not None and desk.last.status_code == 409, desk.told()
    conflict = re.search(r'<div class="conflict" role="alert">(.*?)</div>', desk.told(), re.S)
    assert conflict, "no conflict is shown"
    assert f"<strong>{message}</strong>" in conflict.group(1)


@then(
    parsers.re(
        r'the form shows "(?P<product>[^"]+)" as it is now: named "(?P<name>[^"]+)", '
        r'priced "(?P<price>[^"]+)", with (?P<stock>\d+) in stock'
    )
)
def form_shows_current(desk: ProductDesk, product: str, name: str, price: str, stock: str) -> None:
    page, product_id = desk.told(), desk.emporium.product_id(product)

    def hint(field_id: str) -> str:
        match = re.search(rf'<p class="field-hint" id="hint-{field_id}-{product_id}">([^<]*)</p>', page)
        assert match, f"the {field_id} field has no hint"
        return match.group(1)

    assert hint("name") == f"Now: {name}"
    assert hint("price").startswith(f"Now: {price}. ")
    assert hint("stock").startswith(f"Now: {stock}. ")
    # Saving again applies the typed values over the current version, knowingly.
    current_version = desk.emporium.sql("SELECT version FROM product WHERE id = $1", UUID(product_id))
    assert desk.last is not None
    assert form_fields(desk.last.text, f"{LIST_PATH}/{product_id}")["version"] == str(current_version)
    assert str(current_version) != desk.form["version"]


@then(parsers.re(r'the form keeps the (?P<what>price|stock|name) "(?P<value>[^"]*)" the administrator typed'))
def form_keeps(desk: ProductDesk, what: str, value: str) -> None:
    assert desk.last is not None
    product_id = desk.emporium.product_id(desk.form["name"])
    assert form_fields(desk.last.text, f"{LIST_PATH}/{product_id}")[EDIT_FIELDS[what]] == value


@then(parsers.re(r'the administrator is told "(?P<message>[^"]+)" beside the stock of "(?P<product>[^"]+)"'))
def told_beside_stock(desk: ProductDesk, message: str, product: str) -> None:
    assert desk.last is not None and desk.last.status_code == 422, desk.told()
    assert field_error(desk.told(), f"stock-{desk.emporium.product_id(product)}") == message


# --- deleting and restoring ----------------------------------------------------------------------------


@given(parsers.re(r'"(?P<product>[^"]+)" has been deleted'))
def has_been_deleted(emporium: Emporium, product: str) -> None:
    deleted = emporium.on_app_loop(
        emporium.container.products.delete_product, emporium.system, UUID(emporium.product_id(product))
    )
    assert deleted.deleted_at is not None


@when(parsers.re(r'the administrator deletes "(?P<product>[^"]+)", confirming when asked'))
def delete(desk: ProductDesk, product: str) -> None:
    """Delete in the product's row, without JavaScript: a page asks first, and its Delete button deletes."""
    row = desk.row(product)
    assert row is not None, f'the product list does not show "{product}"'
    asks = re.search(r'<form method="get" action="([^"]+)"', row)
    assert asks, "the row has no Delete button"
    question = desk.admin_page(asks.group(1), **form_fields(row, asks.group(1)))
    assert f"Delete “{product}”?" in html.unescape(question)
    desk.post_form(question, asks.group(1))


@when(parsers.re(r'the administrator restores "(?P<product>[^"]+)" from the product list showing deleted products'))
def restore(desk: ProductDesk, product: str) -> None:
    row = desk.row(product, show_deleted=True)
    assert row is not None, f'the product list does not show "{product}", even with deleted products'
    desk.post_form(row, f"{LIST_PATH}/{desk.emporium.product_id(product)}/restore")


@then(parsers.re(r'the administrator is shown "(?P<message>[^"]+)"'))
def shown(desk: ProductDesk, message: str) -> None:
    assert desk.last is not None and desk.last.status_code == 200, desk.told()
    assert f'<div class="flash flash-success" role="status">{message}</div>' in desk.told()


@then(parsers.re(r'the deletion is refused with "(?P<message>[^"]+)"'))
def deletion_refused(desk: ProductDesk, message: str) -> None:
    assert desk.last is not None and desk.last.status_code == 409, desk.told()
    assert f'<p class="form-message" id="delete-refusal" role="alert">{message}</p>' in desk.told()


@then(parsers.re(r'the product list does not show "(?P<product>[^"]+)"'))
def list_does_not_show(desk: ProductDesk, product: str) -> None:
    assert desk.row(product) is None


@then(
    parsers.re(
        r'the product list(?P<deleted_too>, showing deleted products,)? shows "(?P<product>[^"]+)" '
        r"as (?P<status>live|deleted)"
    )
)
def list_shows(desk: ProductDesk, deleted_too: str | None, product: str, status: str) -> None:
    row = desk.row(product, show_deleted=bool(deleted_too))
    assert row is not None, f'the product list does not show "{product}"'
    assert _cell(row, "product-status") == status.capitalize()
    # A deleted product can be restored; a live one deleted.
    action = "Restore" if status == "deleted" else "Delete"
    assert re.search(rf">{action}<span class=\"visually-hidden\"> {re.escape(product)}</span>", html.unescape(row))


# --- what shoppers see ----------------------------------------------------------------------------------


@then(parsers.parse('the catalog lists "{name}" at "{price}"'))
def catalog_lists(desk: ProductDesk, name: str, price: str) -> None:
    card = _catalog_card(desk, name)
    assert card is not None, f'the catalog does not list "{name}"'
    shown_price = re.search(r'<p class="price">([^<]+)</p>', card)
    assert shown_price and html.unescape(shown_price.group(1)) == price


@then(parsers.re(r'the catalog no longer lists "(?P<product>[^"]+)"'))
def catalog_does_not_list(desk: ProductDesk, product: str) -> None:
    assert _catalog_card(desk, product) is None
    assert f"product-{desk.emporium.product_id(product)}" not in desk.visitor.get("/").text


@then(parsers.re(r'the page of "(?P<product>[^"]+)" is not found'))
def page_not_found(desk: ProductDesk, product: str) -> None:
    assert desk.visitor.get(f"/products/{desk.emporium.product_id(product)}").status_code == 404


@then(parsers.re(r'the page of "(?P<product>[^"]+)" shows it at "(?P<price>[^"]+)"'))
def page_shows(desk: ProductDesk, product: str, price: str) -> None:
    response = desk.visitor.get(f"/products/{desk.emporium.product_id(product)}")
    assert response.status_code == 200, response.text
    page = html.unescape(response.text)
    assert f'<h1 class="page-title">{product}</h1>' in page
    assert f'<p class="price">{price}</p>' in page
    assert "This product is deleted" not in page


# --- customers ------------------------------------------------------------------------------------------


@when(parsers.re(rf"{WHO} checks out"))
def checks_out(emporium: Emporium, who: str) -> None:
    emporium.check_out(who, DEFAULT_ADDRESS)


@then(parsers.re(rf'{WHO}\'s order history shows one order, for "(?P<total>[\d.]+)", holding'))
def order_history_shows(emporium: Emporium, who: str, total: str, datatable: list[list[str]]) -> None:
    assert emporium.last is not None and emporium.last.status_code == 201, emporium.last.text if emporium.last else ""
    orders = emporium.orders(who)
    assert [order["id"] for order in orders] == [emporium.last.json()["id"]]
    lines = [
        {"product": item["product_name"], "unit price": item["unit_price"], "quantity": str(item["quantity"])}
        for item in orders[0]["items"]
    ]
    assert lines == table_rows(datatable)
    assert orders[0]["total"] == total


# --- the audit log --------------------------------------------------------------------------------------


def _audit_entries(desk: ProductDesk, event_type: str) -> list[str]:
    page = html.unescape(desk.admin_page("/admin/audit", event_type=event_type))
    return re.findall(rf'data-event-type="{event_type}".*?</tr>', page, flags=re.S)


@then(parsers.parse('the audit log holds one "{event_type}" entry for "{name}"'))
def audit_entry(desk: ProductDesk, event_type: str, name: str) -> None:
    entries = _audit_entries(desk, event_type)
    assert sum(f'"name": "{name}"' in entry for entry in entries) == 1


@then(parsers.re(r'the audit log holds no "(?P<event_type>\w+)" entry'))
def no_audit_entry(desk: ProductDesk, event_type: str) -> None:
    assert _audit_entries(desk, event_type) == []
