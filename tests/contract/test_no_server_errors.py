"""No malformed request makes a v1 endpoint fail: every answer is a 4xx (or a success) in JSON.

Each shopper endpoint gets a barrage of bad input as a logged-in customer holding a product in
the cart, and each admin endpoint as a logged-in admin with a product, a flag, a group and another
user to work on, so that requests get past the role checks and into parsing, the services and the
database: wrong types, nulls, huge numbers, text PostgreSQL cannot hold, bad ids (in the path),
non-JSON and missing bodies, unknown fields, wrong methods, and paths without the trailing slash.
(The debug trigger fails on purpose for an admin: it is swept as a customer.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from litestar import Litestar

from tests.contract.conftest import ADDRESS, Client, add_flag, add_group, add_product, fill_cart, log_in, user_id_of
from tests.integration.conftest import ensure_user

WEIRD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    10**40,
    -(10**40),
    "",
    " ",
    "abc",
    "2.5",
    "1e3",
    "NaN",
    "Infinity",
    "-0",
    "x" * 100_000,
    "\u00e9\U0001f6d2",
    "' OR 1=1 --",
    "00000000-0000-0000-0000-000000000000",
    [],
    [1, "a"],
    {},
    {"nested": {"deeper": [None]}},
]
"""Values sent in place of each field the endpoint reads."""

RAW_BODIES: list[tuple[str, bytes]] = [
    ("application/json", b""),
    ("application/json", b"null"),
    ("application/json", b"[]"),
    ("application/json", b"[{}]"),
    ("application/json", b"123"),
    ("application/json", b'"text"'),
    ("application/json", b"{"),
    ("application/json", b'{"a":}'),
    ("application/json", b"{}garbage"),
    ("application/json", b'{"quantity": NaN}'),
    ("application/json", b'{"quantity": Infinity, "cart_total": -Infinity}'),
    ("application/json", b'{"quantity": 1e400, "cart_total": 1e400}'),
    ("application/json", b'{"quantity": ' + b"9" * 5000 + b"}"),
    ("application/json", b"[" * 100_000 + b"]" * 100_000),
    ("application/json", b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    ("application/json", b"\xff\xfe\x00"),
    ("application/json", b'{"username": "\\u0000", "coupon_code": "\\u0000", "street_line_1": "\\u0000"}'),
    ("application/json", b'{"coupon_code": "\\ud800", "product_id": "\\udfff"}'),
    ("application/json; charset=latin-1", b'{"coupon_code": "caf\xe9"}'),
    ("application/json; charset=no-such-codec", b"{}"),
    ("application/json; charset=utf-16", b"{}"),
    ("text/plain", b"hello"),
    ("application/x-www-form-urlencoded", b"quantity=1&product_id=x"),
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--\r\n"),
    ("", b"{}"),
    ("application/xml", b"<a/>"),
    ("application/json", b"{}" * 10),
]
"""Bodies sent as they are, with this Content-Type."""


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    """Placeholders, in the path or in the body's strings: `{product}`, a product (in the customer's cart
    for shopper endpoints); `{flag}`, a flag's name; `{group}`, a group's id; `{user}`, a customer's id."""
    body: dict[str, Any] | None = None
    """A valid body; each of its fields is replaced in turn by each weird value."""
    nested: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Objects inside the body whose fields are replaced too."""
    json_only: bool = True

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


SHOPPER_ENDPOINTS = [
    Endpoint("POST", "/api/v1/auth/login/", {"username": "alice", "password": "alice-password"}),
    Endpoint("POST", "/api/v1/auth/logout/"),
    Endpoint("GET", "/api/v1/auth/session/"),
    Endpoint("GET", "/api/v1/products/"),
    Endpoint("GET", "/api/v1/cart/"),
    Endpoint("POST", "/api/v1/cart/items/", {"product_id": "{product}", "quantity": 1}),
    Endpoint("PATCH", "/api/v1/cart/items/{product}/", {"quantity": 2}),
    Endpoint("DELETE", "/api/v1/cart/items/{product}/remove/"),
    Endpoint("POST", "/api/v1/cart/verify-address/", dict(ADDRESS)),
    Endpoint("POST", "/api/v1/cart/coupons/validate/", {"coupon_code": "SAVE10", "cart_total": "10.00"}),
    Endpoint(
        "POST",
        "/api/v1/cart/submit/",
        {"shipping_address": dict(ADDRESS), "coupon_code": None},
        nested={"shipping_address": dict(ADDRESS)},
    ),
    Endpoint("GET", "/api/v1/orders/"),
    Endpoint("GET", "/api/v1/health/"),
    Endpoint("GET", "/api/v1/metrics/", json_only=False),
    Endpoint("POST", "/api/v1/debug/trigger-error/"),
]

ADMIN_ENDPOINTS = [
    Endpoint("POST", "/api/v1/products/create/", {"name": "Widget", "price": "10.00", "stock_quantity": 5}),
    Endpoint("GET", "/api/v1/products/report/"),
    Endpoint("DELETE", "/api/v1/products/{product}/"),
    Endpoint("POST", "/api/v1/products/{product}/restore/"),
    Endpoint("GET", "/api/v1/admin/coupons/"),
    Endpoint(
        "POST",
        "/api/v1/admin/coupons/",
        {"code": "SAVE10", "discount_percent": "10", "expires_at": "2099-01-01T00:00Z"},
    ),
    Endpoint("GET", "/api/v1/admin/feature-flags/"),
    Endpoint("POST", "/api/v1/admin/feature-flags/create/", {"name": "new_flag", "enabled": True, "description": "d"}),
    Endpoint("GET", "/api/v1/admin/feature-flags/{flag}/"),
    Endpoint("PUT", "/api/v1/admin/feature-flags/{flag}/", {"enabled": False, "description": "d"}),
    Endpoint("DELETE", "/api/v1/admin/feature-flags/{flag}/"),
    Endpoint("PUT", "/api/v1/admin/feature-flags/{flag}/targets/", {"group_ids": ["{group}"]}),
    Endpoint("POST", "/api/v1/admin/feature-flags/{flag}/targets/add/", {"group_id": "{group}"}),
    Endpoint("DELETE", "/api/v1/admin/feature-flags/{flag}/targets/{group}/"),
    Endpoint("GET", "/api/v1/admin/user-groups/"),
    Endpoint("POST", "/api/v1/admin/user-groups/create/", {"name": "new_group", "description": "d"}),
    Endpoint("GET", "/api/v1/admin/user-groups/{group}/"),
    Endpoint("DELETE", "/api/v1/admin/user-groups/{group}/"),
    Endpoint("GET", "/api/v1/admin/user-groups/{group}/users/"),
    Endpoint("POST", "/api/v1/admin/user-groups/{group}/users/", {"user_id": "{user}"}),
    Endpoint("DELETE", "/api/v1/admin/user-groups/{group}/users/{user}/"),
    Endpoint("GET", "/api/v1/admin/users/"),
    Endpoint("GET", "/api/v1/admin/users/{user}/"),
    Endpoint("PUT", "/api/v1/admin/users/{user}/", {"role": "customer"}),
    Endpoint("POST", "/api/v1/admin/users/{user}/groups/", {"group_id": "{group}"}),
    Endpoint("DELETE", "/api/v1/admin/users/{user}/groups/{group}/"),
]

QUERY_STRINGS = [
    "page=99999999999999999999&page_size=-99999999999999999999",
    "page=1e3&page_size=NaN",
    "search=%00&min_price=1e999999&max_price=-1e-999999",
    "search=%ED%A0%80&min_price=Infinity&max_price=NaN",
    "search=" + "%25_" * 2000,
    "in_stock=%FF&include_deleted=%00",
    "page=1&page=x&page_size=&search=a&search=b",
    "min_price=0.0000000000000000000000000000001&max_price=99999999999999999999999999999",
    "low_stock_threshold=99999999999999999999&has_sales=%00&has_reservations=",
    "low_stock_threshold=-99999999999999999999&include_deleted=yes&search=%ED%A0%80",
    "low_stock_threshold=1e3&has_sales=true&has_reservations=TRUE",
]

BAD_IDS = [
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    "%00",
    "%ED%A0%80",
    "x" * 5000,
    "..",
    "%2F",
    "ABCDEF00-0000-4000-8000-000000000000",
    "{12345678-1234-5678-1234-567812345678}",
    "\u00e9t\u00e9",
    "1 OR 1=1",
]


def requests_for(endpoint: Endpoint) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(description, method, path, httpx keyword arguments) for each malformed request."""
    method, path = endpoint.method, endpoint.path
    yield "as documented", method, path, {"json": endpoint.body} if endpoint.body is not None else {}
    yield "no body", method, path, {}
    yield "without trailing slash", method, path.rstrip("/"), {"json": endpoint.body or {}}
    yield "unversioned", method, path.replace("/api/v1/", "/api/"), {"json": endpoint.body or {}}
    yield "unknown fields", method, path, {"json": {**(endpoint.body or {}), "surprise": {"a": [1]}, "": None}}
    for other in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"):
        if other != method:
            yield f"method {other}", other, path, {"json": endpoint.body or {}}
    for content_type, raw in RAW_BODIES:
        headers = {"Content-Type": content_type} if content_type else {}
        yield f"raw body {raw[:30]!r} as {content_type!r}", method, path, {"content": raw, "headers": headers}
    for name in endpoint.body or {}:
        for value in WEIRD_VALUES:
            yield f"{name}={_short(value)}", method, path, {"json": {**(endpoint.body or {}), name: value}}
    for outer, inner in endpoint.nested.items():
        for name in inner:
            for value in WEIRD_VALUES:
                body = {**(endpoint.body or {}), outer: {**inner, name: value}}
                yield f"{outer}.{name}={_short(value)}", method, path, {"json": body}
    if endpoint.method == "GET":
        for query in QUERY_STRINGS:
            yield f"query {query[:40]}", method, f"{path}?{query}", {}
    for placeholder in PLACEHOLDERS:
        if placeholder in path:
            for bad_id in BAD_IDS:
                bad_path = path.replace(placeholder, bad_id)
                yield f"{placeholder} {bad_id[:20]}", method, bad_path, {"json": endpoint.body or {}}


PLACEHOLDERS = ("{product}", "{flag}", "{group}", "{user}")


def filled(value: Any, world: dict[str, str]) -> Any:
    """The path or JSON value with each placeholder replaced by the arranged object's id (or name)."""
    if isinstance(value, str):
        for placeholder, replacement in world.items():
            value = value.replace(placeholder, replacement)
        return value
    if isinstance(value, list):
        return [filled(item, world) for item in value]
    if isinstance(value, dict):
        return {key: filled(item, world) for key, item in value.items()}
    return value


def _short(value: Any) -> str:
    return json.dumps(value)[:30]


@pytest.mark.parametrize("endpoint", SHOPPER_ENDPOINTS, ids=str)
async def test_malformed_requests_never_cause_a_server_error(
    app: Litestar, client: Client, customer: dict[str, str], endpoint: Endpoint
):
    product_id = await add_product(app, stock=1000)
    await fill_cart(client, customer, product_id, 1)
    await _sweep(client, customer, endpoint, {"{product}": product_id}, ("alice", "alice-password"))


@pytest.mark.parametrize("endpoint", ADMIN_ENDPOINTS, ids=str)
async def test_malformed_requests_never_cause_a_server_error_on_admin_endpoints(
    app: Litestar, client: Client, db: asyncpg.Connection, admin: dict[str, str], endpoint: Endpoint
):
    await ensure_user(app, "carol", "carol-password", "customer")
    await add_flag(app, "beta")
    world = {
        "{product}": await add_product(app, stock=1000),
        "{flag}": "beta",
        "{group}": await add_group(app),
        "{user}": await user_id_of(db, "carol"),
    }
    await _sweep(client, admin, endpoint, world, ("boss", "boss-password"))


async def _sweep(
    client: Client, headers: dict[str, str], endpoint: Endpoint, world: dict[str, str], account: tuple[str, str]
) -> None:
    failures: list[str] = []
    for description, method, path, kwargs in requests_for(endpoint):
        if endpoint.path == "/api/v1/auth/logout/" or "/auth/login" in path:
            # Logging out (or in as someone else) would change who sends the rest of the barrage.
            await _stay_logged_in_as(client, headers, *account)
        request_headers = {**headers, **kwargs.pop("headers", {})}
        if "json" in kwargs:
            kwargs["json"] = filled(kwargs["json"], world)
        response = await client.request(method, filled(path, world), headers=request_headers, **kwargs)
        problem = _problem_with(response, method, json_expected=endpoint.json_only)
        if problem:
            failures.append(f"{description}: {method} {path[:60]} → {response.status_code} {problem}")

    assert not failures, "\n".join(failures)


async def _stay_logged_in_as(client: Client, headers: dict[str, str], username: str, password: str) -> None:
    session = (await client.get("/api/v1/auth/session/")).json()
    if not session["authenticated"] or session["user"]["username"] != username:
        if session["authenticated"]:
            await client.post("/api/v1/auth/logout/", headers={"X-CSRFToken": session["csrf_token"]})
        headers.update(await log_in(client, username, password))
        return
    headers["X-CSRFToken"] = (await client.get("/api/v1/auth/session/")).json()["csrf_token"]


def _problem_with(response: Any, method: str, *, json_expected: bool) -> str | None:
    if response.status_code >= 500:
        return response.text[:200]
    if method == "HEAD" or response.status_code == 204:
        return None
    if not json_expected and response.status_code < 400:
        return None
    if not response.headers.get("content-type", "").startswith("application/json"):
        return f"not JSON: {response.headers.get('content-type')} {response.text[:100]}"
    try:
        response.json()
    except ValueError:
        return f"unparsable JSON: {response.text[:100]}"
    return None
