"""BDD fixtures: the real app over HTTP, a clean database per scenario.

Also the shopper steps several features share (pytest-bdd finds step definitions as fixtures,
so shared ones live here): the catalog, accounts and who is logged in, the cart, placed orders,
the stock shown in the catalog, and how the shop answers a refused request. They speak API v1
(`/api/v1/…`) as the original's client does: log in, fetch the rotated CSRF token, and send it in
`X-CSRFToken` on every unsafe call.

Every scenario runs twice: in the default shop (on 127.0.0.1) and in a second shop, `outlet`
(on outlet.localhost), which the scenario's clean database adds as the owner would.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from pytest_bdd import given, parsers, then, when

from app.domain.events import utc_now
from app.domain.users import Role, UserContext
from app.settings import get_settings
from tests.integration.conftest import clean_tables
from tests.support.apps import app_with_fresh_services

T = TypeVar("T")

API = "/api/v1"

# Names in the features are people ("Alice"); their username is the name in lower case.
WHO = r"(?P<who>[A-Z][a-z]+)"
THEIR = r"(?:her|his|their)"

DEFAULT_ADDRESS = {
    "street_line_1": "123 Main St",
    "street_line_2": "Apt 4",
    "city": "Springfield",
    "state": "il",
    "postal_code": "62701",
    "country": "us",
}
"""The shipping address a shopper types when a scenario does not care which (it verifies)."""


OUTLET = UUID("00000000-0000-4000-8000-0000000000f1")
SHOPS: dict[str, tuple[UUID, str]] = {
    "default": (get_settings().app.default_tenant_id, "http://127.0.0.1:8000"),
    "outlet": (OUTLET, "http://outlet.localhost:8000"),
}
"""The shops a scenario runs in: tenant id and the address the scenario's client uses."""


@pytest.fixture(params=list(SHOPS))
def shop(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def clean_database(services: dict[str, str], shop: str) -> None:
    async def truncate() -> None:
        connection = await asyncpg.connect(services["owner_database_url"])
        try:
            await clean_tables(connection)
            if shop == "outlet":
                await connection.execute("INSERT INTO tenant (id, slug, name) VALUES ($1, 'outlet', 'Outlet')", OUTLET)
                await connection.execute("INSERT INTO tenant_host VALUES ('outlet.localhost', $1)", OUTLET)
        finally:
            await connection.close()

    asyncio.run(truncate())


@pytest.fixture
def http(clean_database: None, shop: str) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app_with_fresh_services(get_settings()), base_url=SHOPS[shop][1]) as client:
        client.follow_redirects = False
        yield client


# --- the shop as a scenario sees it ------------------------------------------------------------------


@dataclass
class Account:
    name: str
    username: str
    password: str
    role: Role
    user_id: str | None = None  # the wire's user id, known once they have logged in


@dataclass
class Emporium:
    """One scenario's view of the shop: one browser session, switched between the people in it."""

    http: TestClient[Litestar]
    database_url: str
    tenant_id: UUID
    products: dict[str, str] = field(default_factory=dict)  # name → product id as the wire shows it
    coupons: dict[str, str] = field(default_factory=dict)  # code → coupon id
    accounts: dict[str, Account] = field(default_factory=dict)  # "Alice" → her account
    placed_orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # order id → the 201 body
    cart_ids: dict[str, str] = field(default_factory=dict)  # "Alice" → her cart's id (it never changes)
    current: str | None = None  # who the session is logged in as
    csrf: dict[str, str] = field(default_factory=dict)
    last: httpx.Response | None = None  # the answer to the latest When
    last_by: str | None = None  # and who asked

    # -- the app's own services, on the loop that owns its connection pool

    def on_app_loop(self, function: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        return self.http.blocking_portal.call(functools.partial(function, *args, **kwargs))

    @property
    def container(self) -> Any:
        return self.http.app.state.container

    @property
    def system(self) -> UserContext:
        return UserContext.system(self.tenant_id)

    def sql(self, query: str, *args: Any) -> Any:
        """Arrange what the domain refuses to do (e.g. a coupon that has expired), with plain SQL."""

        async def run() -> Any:
            connection = await asyncpg.connect(self.database_url)
            try:
                return await connection.fetchval(query, *args)
            finally:
                await connection.close()

        return asyncio.run(run())

    # -- people

    def account(self, name: str) -> Account:
        assert name in self.accounts, f"{name} has no account in this scenario"
        return self.accounts[name]

    def create_account(self, name: str, role: Role) -> Account:
        account = Account(name=name, username=name.lower(), password=f"{name.lower()}-password", role=role)
        self.on_app_loop(self.container.auth.ensure_user, self.tenant_id, account.username, account.password, role)
        self.accounts[name] = account
        return account

    def act_as(self, name: str) -> None:
        """Make `name` the one logged in, as a person would: log out whoever was, then log in."""
        if self.current == name:
            return
        account = self.account(name)
        if self.current is not None:
            response = self.http.post(f"{API}/auth/logout/", headers=self.csrf)
            assert response.status_code == 200, response.text
            self.current, self.csrf = None, {}
        response = self.http.post(
            f"{API}/auth/login/", json={"username": account.username, "password": account.password}
        )
        assert response.status_code == 200, response.text
        assert response.json()["user"]["username"] == account.username
        session = self.http.get(f"{API}/auth/session/").json()  # the token rotated at login
        assert session["authenticated"] is True
        account.user_id = session["user"]["id"]
        self.current, self.csrf = name, {"X-CSRFToken": session["csrf_token"]}

    # -- calls

    def get(self, name: str, path: str, **params: Any) -> httpx.Response:
        self.act_as(name)
        return self.http.get(f"{API}{path}", params=params or None)

    def send(self, name: str, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """An unsafe call as `name`, with the CSRF header; the answer is kept for the Then steps."""
        self.act_as(name)
        self.last = self.http.request(method, f"{API}{path}", json=body, headers=self.csrf)
        self.last_by = name
        return self.last

    def product_id(self, name: str) -> str:
        assert name in self.products, f'"{name}" is not in this scenario\'s catalog'
        return self.products[name]

    def catalog_entry(self, name: str) -> dict[str, Any]:
        """The product as the public catalog lists it (searched by name)."""
        response = self.http.get(f"{API}/products/", params={"search": name})
        assert response.status_code == 200, response.text
        matches = [p for p in response.json()["results"] if p["name"] == name]
        assert len(matches) == 1, f'the catalog lists {len(matches)} products named "{name}"'
        entry: dict[str, Any] = matches[0]
        return entry

    def cart(self, name: str) -> dict[str, Any]:
        response = self.get(name, "/cart/")
        assert response.status_code == 200, response.text
        cart: dict[str, Any] = response.json()
        self.same_cart(name, cart)
        return cart

    def same_cart(self, name: str, cart: dict[str, Any]) -> None:
        """The shopper's own cart, and always the same one (submitting empties it; the cart remains)."""
        assert cart["user_id"] == self.account(name).user_id, "the cart shown is not the shopper's own"
        assert cart["id"] == self.cart_ids.setdefault(name, cart["id"]), "the shopper's cart was replaced"

    def orders(self, name: str) -> list[dict[str, Any]]:
        response = self.get(name, "/orders/")
        assert response.status_code == 200, response.text
        body = response.json()
        assert list(body) == ["results"]
        orders: list[dict[str, Any]] = body["results"]
        return orders

    def add_to_cart(self, name: str, product: str, quantity: int) -> httpx.Response:
        response = self.send(
            name, "POST", "/cart/items/", {"product_id": self.product_id(product), "quantity": quantity}
        )
        if response.status_code == 200:
            self.same_cart(name, response.json())
        return response

    def check_out(self, name: str, address: dict[str, str], coupon_code: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {"shipping_address": address}
        if coupon_code is not None:
            body["coupon_code"] = coupon_code
        response = self.send(name, "POST", "/cart/submit/", body)
        if response.status_code == 201:
            order: dict[str, Any] = response.json()
            self.placed_orders[order["id"]] = order
        return response


@pytest.fixture
def emporium(http: TestClient[Litestar], services: dict[str, str], shop: str) -> Emporium:
    # Plain SQL arranges data as the owner role (it sees every tenant); the shop itself runs as the app role.
    return Emporium(http=http, database_url=services["owner_database_url"], tenant_id=SHOPS[shop][0])


def table_rows(datatable: list[list[str]]) -> list[dict[str, str]]:
    """A Gherkin table with a header row, as one dict per row (header cells lower-cased)."""
    header, *rows = datatable
    keys = [cell.strip().lower() for cell in header]
    return [dict(zip(keys, (cell.strip() for cell in row), strict=True)) for row in rows]


def field_name(words: str) -> str:
    """The table's "street line 1" is the wire's `street_line_1`."""
    return words.strip().lower().replace(" ", "_")


# --- the catalog and the people ---------------------------------------------------------------------


@given("the catalog holds")
def catalog_holds(emporium: Emporium, datatable: list[list[str]]) -> None:
    for row in table_rows(datatable):
        product = emporium.on_app_loop(
            emporium.container.products.create_product,
            emporium.system,
            name=row["name"],
            price=row["price"],
            stock_quantity=int(row["stock"]),
        )
        emporium.products[row["name"]] = str(product.id)


@given(parsers.re(rf"{WHO} is an? (?P<logged_in>logged-in )?(?P<role>customer|administrator)"))
def person(emporium: Emporium, who: str, logged_in: str | None, role: str) -> None:
    emporium.create_account(who, Role.ADMIN if role == "administrator" else Role.CUSTOMER)
    if logged_in:
        emporium.act_as(who)


@given(parsers.re(r'the coupon "(?P<code>[^"]+)" gives (?P<percent>\d+)% off'))
def coupon(emporium: Emporium, code: str, percent: str) -> None:
    created = emporium.on_app_loop(
        emporium.container.coupons.create_coupon,
        emporium.system,
        code=code,
        discount_percent=percent,
        expires_at=utc_now() + timedelta(days=30),
    )
    emporium.coupons[created.code] = str(created.id)


@given(parsers.re(r'the coupon "(?P<code>[^"]+)" gave (?P<percent>\d+)% off but expired yesterday'))
def expired_coupon(emporium: Emporium, code: str, percent: str) -> None:
    coupon(emporium, code, percent)  # the domain refuses a past expiry, so it is moved back afterwards
    moved = emporium.sql(
        "UPDATE coupon SET expires_at = $1 WHERE upper(code) = upper($2) RETURNING id",
        utc_now() - timedelta(days=1),
        code,
    )
    assert moved is not None


@given(parsers.re(r'the price of "(?P<product>[^"]+)" changes to "(?P<price>[\d.]+)"'))
def price_changes(emporium: Emporium, product: str, price: str) -> None:
    """An administrator edits the price (against the version they saw, as any edit is)."""
    product_id = UUID(emporium.product_id(product))
    version = emporium.sql("SELECT version FROM product WHERE id = $1", product_id)
    emporium.on_app_loop(
        emporium.container.products.update_product,
        emporium.system,
        product_id,
        expected_version=version,
        price=price,
    )


# --- the cart ---------------------------------------------------------------------------------------


@given(parsers.re(rf'{WHO} has added (?P<quantity>\d+) "(?P<product>[^"]+)" to {THEIR} cart'))
def has_added(emporium: Emporium, who: str, quantity: str, product: str) -> None:
    response = emporium.add_to_cart(who, product, int(quantity))
    assert response.status_code == 200, response.text
    emporium.last = None


@when(parsers.re(rf'{WHO} adds (?P<quantity>-?\d+) "(?P<product>[^"]+)" to {THEIR} cart'))
def adds(emporium: Emporium, who: str, quantity: str, product: str) -> None:
    emporium.add_to_cart(who, product, int(quantity))


@then(parsers.re(rf"{WHO}'s cart holds"))
def cart_holds(emporium: Emporium, who: str, datatable: list[list[str]]) -> None:
    cart = emporium.cart(who)
    lines = [
        {"product": item["product_name"], "unit price": item["unit_price"], "quantity": str(item["quantity"])}
        for item in cart["items"]
    ]
    assert lines == table_rows(datatable)
    assert [item["product_id"] for item in cart["items"]] == [emporium.product_id(line["product"]) for line in lines]
    _answer_was_this_cart(emporium, who, cart)


@then(parsers.re(rf"{WHO}'s cart is empty"))
def cart_is_empty(emporium: Emporium, who: str) -> None:
    cart = emporium.cart(who)
    assert (cart["items"], cart["total"], cart["item_count"]) == ([], "0", 0)
    _answer_was_this_cart(emporium, who, cart)


@then(parsers.re(rf'{WHO}\'s cart totals "(?P<total>[\d.]+)" for (?P<count>\d+) items?'))
def cart_totals(emporium: Emporium, who: str, total: str, count: str) -> None:
    cart = emporium.cart(who)
    assert (cart["total"], cart["item_count"]) == (total, int(count))


def _answer_was_this_cart(emporium: Emporium, who: str, cart: dict[str, Any]) -> None:
    """When the latest change to this cart succeeded, it answered with the cart as it now stands."""
    last = emporium.last
    if last is None or emporium.last_by != who or "/cart/items/" not in last.request.url.path:
        return
    if last.status_code == 200:
        assert last.json() == cart


# --- orders ---------------------------------------------------------------------------------------


@given(
    parsers.re(
        rf'{WHO} has placed an order for (?P<quantity>\d+) "(?P<product>[^"]+)"'
        r'(?: with the coupon "(?P<code>[^"]+)")?'
    )
)
def has_placed_an_order(emporium: Emporium, who: str, quantity: str, product: str, code: str | None) -> None:
    added = emporium.add_to_cart(who, product, int(quantity))
    assert added.status_code == 200, added.text
    response = emporium.check_out(who, DEFAULT_ADDRESS, code)
    assert response.status_code == 201, response.text
    emporium.last = None


@then(parsers.re(rf"{WHO} has no orders"))
def has_no_orders(emporium: Emporium, who: str) -> None:
    assert emporium.orders(who) == []


@then(parsers.re(rf"{WHO} has (?P<count>\d+) orders?"))
def has_orders(emporium: Emporium, who: str, count: str) -> None:
    assert len(emporium.orders(who)) == int(count)


# --- what the shop shows and answers ------------------------------------------------------------------


@then(parsers.re(r'the stock of "(?P<product>[^"]+)" is (?P<stock>\d+)'))
def stock_is(emporium: Emporium, product: str, stock: str) -> None:
    entry = emporium.catalog_entry(product)
    assert entry["id"] == emporium.product_id(product)
    assert entry["stock_quantity"] == int(stock)


@then(parsers.re(r'the catalog lists "(?P<product>[^"]+)" at "(?P<price>[\d.]+)"'))
def catalog_price(emporium: Emporium, product: str, price: str) -> None:
    assert emporium.catalog_entry(product)["price"] == price


@then(parsers.re(r'the shop answers (?P<status>\d{3}) "(?P<message>[^"]*)"'))
def answers(emporium: Emporium, status: str, message: str) -> None:
    assert emporium.last is not None, "no request was made"
    assert (emporium.last.status_code, emporium.last.json()) == (int(status), {"error": message})


@then(parsers.re(r'the shop answers (?P<status>\d{3}) "(?P<message>[^"]*)" naming the field (?P<field>\w+)'))
def answers_naming_field(emporium: Emporium, status: str, message: str, field: str) -> None:
    assert emporium.last is not None, "no request was made"
    expected = {"error": message, "field": None if field == "none" else field}
    assert (emporium.last.status_code, emporium.last.json()) == (int(status), expected)
