"""No malformed request makes the shop fail: every answer is a 4xx (or a success), never a 500 or internals.

The generated sweep (`test_no_route_answers_odd_input_with_a_server_error`) takes every route from
the app's route table, and the path parameters, query parameters and form or JSON fields its
handler reads (`RouteInputs`), and sends each odd value (NUL, "²", "٣", 10**30, a 10,000-character
text, a non-UTF-8 escape, an array for a scalar…) in each of them in turn, as a visitor, a customer
and an admin, with a valid CSRF token so the handler itself runs: a new route is swept unchanged.

The v1 barrage goes deeper into API v1's JSON: each shopper endpoint gets bad input as a logged-in
customer holding a product in the cart, and each admin endpoint as a logged-in admin with a
product, a flag, a group and another user to work on, so that requests get past the role checks
and into parsing, the services and the database: wrong types, nulls, huge numbers, text
PostgreSQL cannot hold, bad ids (in the path), non-JSON and missing bodies, unknown fields, wrong
methods, and paths without the trailing slash. (The debug trigger fails on purpose for an admin:
both sweeps send it as a customer only.)
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import asyncpg
import httpx
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.params import BodyKwarg, DependencyKwarg
from litestar.routes import HTTPRoute

from tests.contract.conftest import ADDRESS, Client, add_flag, add_group, add_product, fill_cart, log_in, user_id_of
from tests.contract.test_authorization_matrix import PARAM_KINDS, ROLES, Callers, Objects, Role
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


# --- The generated sweep: every route of the route table, every input its handler reads -----------------------

ODD_TEXT: list[str] = [
    "%00",
    "%C2%B2",  # "²": str.isdigit() says yes, int() says no
    "%D9%A3",  # "٣", an Arabic-Indic three: int() reads it
    "1" + "0" * 30,
    str(2**64),
    "-1",
    "1e308",
    "NaN",
    "",
    "x" * 10_000,
    "%FF%FE",  # not UTF-8
    "%ED%A0%80",  # a lone surrogate, as UTF-8 would spell it
]
"""Values as they travel in a URL or a form body: already percent-encoded."""

ODD_JSON: list[Any] = [
    None,
    True,
    1.5,
    10**30,
    -1,
    1e308,
    "\x00",
    "\u00b2",
    "\u0663",
    "1" + "0" * 30,
    "",
    "x" * 10_000,
    "\ud800",
    [1, "a"],
    {"a": None},
]
"""Values in place of a JSON field: wrong types, arrays and objects for scalars, odd text."""

ODD_PATH: list[str] = ["%00", "%C2%B2", "%D9%A3", "1" + "0" * 30, "-1", "%FF", "%ED%A0%80", "x" * 256, "x" * 5000]
"""Values in place of a path parameter (the valid object's id is sent too)."""

EXCEPTION_TEXT = re.compile(
    r"Traceback \(most recent call last\)|NoneType|not supported between instances|object at 0x|<class '"
    r"|\b(?:Value|Type|Key|Attribute|Unicode(?:En|De)code|Overflow|Assertion)Error\b|asyncpg|psycopg"
)
"""What a body must never show: a traceback, a Python repr, an exception's name."""

PYTHON_INT_TEXT = "invalid literal for int()"
"""Python's own words, which only API v1 keeps (docs/api/v1-differences.md); any other body is refused for it."""

V1_PYTHON_WORDING = re.compile(r'^\{"error":"Invalid input: [^"]*"\}$')
"""API v1's refusal of a number or price it cannot read, in the original's words, which are Python's (api-v1.md)."""

VALID_FIELDS: dict[str, Any] = {
    "product_id": "{product}",
    "quantity": "1",
    "next": "/",
    "name": "{unique}",
    "price": "1.00",
    "stock_quantity": "5",
    "version": "1",
    "role": "customer",
    "group_id": "{group}",
    "group_ids": ["{group}"],
    "user_id": "{user}",
    "code": "{unique}",
    "discount_percent": "10",
    "expires_at": "2099-01-01T00:00",
    "description": "d",
    "enabled": "1",
    "coupon_code": "",
    "cart_total": "10.00",
    "shipping_address": dict(ADDRESS),
    "username": "nobody",
    "password": "wrong-password",
    "email": "new@example.com",
    **ADDRESS,
}
"""A plausible value for each field a handler reads; each is replaced by each odd value in turn."""

FIELD_READ = re.compile(
    r"""(?:data|payload|form)\s*(?:\.get|\.getall)\(\s*"(\w+)"|(?:data|payload)\[\s*"(\w+)"\s*\]"""
    r"""|form_ids\(\s*request,\s*"(\w+)"|posted\(\s*data,\s*"(\w+)\""""
)
NOT_QUERY = {"request", "data", "payload", "self", "scope", "state", "headers", "cookies", "socket", "body"}


@dataclass(frozen=True)
class RouteInputs:
    """One method of one route and what its handler reads: path, query and body (form or JSON) names."""

    method: str
    path: str
    query: tuple[str, ...]
    fields: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ENDLESS = frozenset({"/events/stock"})
"""Left out: a server-sent event stream answers 200 and never ends while Redis is up (it takes no input;
tests/integration/test_live_stock.py covers its answers, Redis up and down)."""


def route_inputs(app: Litestar) -> list[RouteInputs]:
    """Every (method, route) once: an alias of a handler already listed (`/api/…` for `/api/v1/…`) is left out."""
    routes = [route for route in app.routes if isinstance(route, HTTPRoute) and route.path not in ENDLESS]
    versioned = {route.path for route in routes if route.path.startswith("/api/v1/")}
    found: list[RouteInputs] = []
    for route in routes:
        if route.path.replace("/api/", "/api/v1/", 1) in versioned and not route.path.startswith("/api/v1/"):
            continue  # the unversioned alias of a v1 route: the same handler
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"OPTIONS"}):
                found.append(RouteInputs(method, route.path, _query_names(route, handler), _field_names(handler.fn)))
    return found


def _query_names(route: HTTPRoute, handler: HTTPRouteHandler) -> tuple[str, ...]:
    dependencies = handler.resolve_dependencies()
    names = []
    for name, definition in handler.parsed_fn_signature.parameters.items():
        kwarg = definition.kwarg_definition
        if name in route.path_parameters or name in NOT_QUERY or name in dependencies:
            continue
        if (
            isinstance(kwarg, DependencyKwarg | BodyKwarg)
            or getattr(kwarg, "header", None)
            or getattr(kwarg, "cookie", None)
        ):
            continue
        names.append(getattr(kwarg, "query", None) or getattr(kwarg, "name", None) or name)
    return tuple(names)


def _field_names(fn: Any) -> tuple[str, ...]:
    """The form or JSON fields the handler reads: in its own source and in the app's helpers it calls (one deep).

    Field lists kept in constants (`PRODUCT_FIELDS`, `ADDRESS_FIELDS`) are read wherever such a constant is named.
    """
    function = getattr(fn, "__func__", fn)
    sources = [(inspect.getsource(function), function.__globals__)]
    for name in set(re.findall(r"\b([A-Za-z_]\w*)\b", sources[0][0])):
        helper = function.__globals__.get(name)
        if (inspect.isfunction(helper) or inspect.isclass(helper)) and helper.__module__.startswith("app."):
            sources.append((inspect.getsource(helper), vars(sys.modules[helper.__module__])))
    names: list[str] = []
    for source, namespace in sources:
        names += [next(group for group in match if group) for match in FIELD_READ.findall(source)]
        for constant in re.findall(r"\b([A-Z_]*FIELDS)\b", source):
            value = namespace.get(constant)
            if isinstance(value, tuple | list | frozenset) and all(isinstance(item, str) for item in value):
                names += list(value)
    return tuple(dict.fromkeys(names))


def test_the_sweep_finds_what_handlers_read(app: Litestar):
    """The generator itself: a route's query parameters, form fields and JSON fields are all found."""
    by_route = {str(inputs): inputs for inputs in route_inputs(app)}
    assert set(by_route["GET /admin/audit"].query) >= {"request_id", "event_type", "since", "page"}
    assert set(by_route["POST /admin/products/{product_id:uuid}"].fields) >= {
        "name",
        "price",
        "stock_quantity",
        "version",
    }
    assert set(by_route["POST /cart/checkout"].fields) >= {"street_line_1", "country", "checkout_token"}
    assert set(by_route["POST /api/v1/cart/items"].fields) >= {"product_id", "quantity"}
    assert set(by_route["POST /admin/flags/{name:str}/targets"].fields) >= {"group_id"}


def odd_requests(inputs: RouteInputs) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    """(what, path with placeholders, query as sent, body) for each odd request of the route."""
    valid_query: dict[str, Any] = dict.fromkeys(inputs.query, "")
    valid_body = {name: VALID_FIELDS.get(name, "1") for name in inputs.fields}
    odd_body: list[Any] = ODD_JSON if inputs.is_api else ODD_TEXT
    yield "valid", inputs.path, valid_query, valid_body
    for name, _type in _PATH_PARAMETER.findall(inputs.path):
        for value in ODD_PATH:
            yield f"path {name}={value[:20]}", _PATH_PARAMETER.sub(value, inputs.path, count=1), valid_query, valid_body
    for name in inputs.query:
        for value in ODD_TEXT:
            yield f"query {name}={value[:20]}", inputs.path, {**valid_query, name: value}, valid_body
        yield f"query {name} twice", inputs.path, {**valid_query, name: ["1", "2"]}, valid_body
    if inputs.method in ("POST", "PUT", "PATCH"):
        for name in inputs.fields:
            for value in odd_body:
                yield f"field {name}={_short(value)}", inputs.path, valid_query, {**valid_body, name: value}
            yield f"field {name} as an array", inputs.path, valid_query, {**valid_body, name: ["1", "2"]}


_PATH_PARAMETER = re.compile(r"\{(\w+):(\w+)\}")


def _form_body(body: dict[str, Any]) -> bytes:
    """URL-encoded, with the odd values' escapes kept as they are (a list repeats the name)."""
    pairs = []
    for name, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            text = item if isinstance(item, str) else json.dumps(item)
            pairs.append(f"{name}={text if '%' in text else quote(text, safe='')}")
    return "&".join(pairs).encode()


def _query_string(query: dict[str, Any]) -> str:
    pairs = [
        f"{name}={item if '%' in item else quote(item, safe='')}"
        for name, value in query.items()
        for item in (value if isinstance(value, list) else [value])
    ]
    return "&".join(pairs)


SHARDS = 4
"""The routes are swept in this many tests (every fourth route each), so parallel workers share the sweep."""


@pytest.mark.parametrize("shard", range(SHARDS), ids=lambda shard: f"routes-{shard + 1}-of-{SHARDS}")
async def test_no_route_answers_odd_input_with_a_server_error(
    app: Litestar, client: Client, db: asyncpg.Connection, shard: int
):
    callers = await Callers.arrange(app, client, db)
    failures: list[str] = []
    sent = 0
    for inputs in route_inputs(app)[shard::SHARDS]:
        objects = Objects(app, callers)  # the route's own product, flag, group: the routes before may delete theirs
        for role in ROLES:
            if role == "admin" and "trigger-error" in inputs.path:
                continue  # fails on purpose for an admin
            for what, path, query, body in odd_requests(inputs):
                filled_path = await _filled_path(objects, path, inputs)
                filled_body = {name: await _filled(objects, value) for name, value in body.items()}
                sent += 1
                try:
                    response = await _send(callers, role, inputs, filled_path, query, filled_body)
                except Exception as crash:  # the app failed after it had begun its answer
                    failures.append(f"{inputs} as {role}, {what}: crashed, {type(crash).__name__} {crash.__cause__!r}")
                    callers.cookies[role] = httpx.Cookies(callers.client.cookies)
                    continue
                problem = _server_error_or_internals(response, inputs)
                if problem:
                    failures.append(f"{inputs} as {role}, {what}: {response.status_code} {problem}")
                if inputs.path in ("/logout", "/api/v1/auth/logout", "/login", "/api/v1/auth/login"):
                    await callers.start_again(role)
                if what == "valid" and _turned_away(response):
                    break  # the role may not call the route: odd input stops where valid input does
    assert sent > 1000 // SHARDS, f"only {sent} requests: the generator found too few inputs"
    assert not failures, f"{len(failures)} of {sent} odd requests failed:\n" + "\n".join(failures[:50])


def _turned_away(response: Any) -> bool:
    """Refused for who is asking (log in, not allowed) before the handler reads anything.

    API v1 reads some ids before its role check; what it does with odd ones is swept as the admin.
    """
    location = response.headers.get("location", "") + response.headers.get("hx-redirect", "")
    return response.status_code in (401, 403) or (response.status_code in (302, 303) and "/login" in location)


async def _filled_path(objects: Objects, path: str, inputs: RouteInputs) -> str:
    for name, _type in _PATH_PARAMETER.findall(path):
        kind = PARAM_KINDS.get(name)
        value = await objects.one(kind) if kind else "x"
        path = _PATH_PARAMETER.sub(value, path, count=1)
    return path + "/" if inputs.is_api else path


async def _filled(objects: Objects, value: Any) -> Any:
    if isinstance(value, list):
        return [await _filled(objects, item) for item in value]
    if isinstance(value, dict):
        return {key: await _filled(objects, item) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        kind = value[1:-1]
        return f"sweep_{uuid4().hex[:12]}" if kind == "unique" else await objects.one(kind)
    return value


async def _send(
    callers: Callers, role: Role, inputs: RouteInputs, path: str, query: dict[str, Any], body: dict[str, Any]
) -> Any:
    callers.client.cookies = callers.cookies[role]
    headers = {"X-CSRFToken": callers.tokens[role]}
    content: bytes | None = None
    if inputs.method in ("POST", "PUT", "PATCH"):
        if inputs.is_api:
            content = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        else:
            content = _form_body(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
    target = f"{path}?{_query_string(query)}" if query else path
    response = await callers.client.request(inputs.method, target, content=content, headers=headers)
    callers.cookies[role] = httpx.Cookies(callers.client.cookies)
    return response


def _server_error_or_internals(response: Any, inputs: RouteInputs) -> str | None:
    text = str(response.text)
    if response.status_code >= 500:
        return text[:200]
    shown = EXCEPTION_TEXT.search(text)
    if shown and not (inputs.is_api and V1_PYTHON_WORDING.match(text)):
        return f"shows {shown.group(0)!r}: …{text[max(0, shown.start() - 80) : shown.end() + 80]}…"
    if not inputs.is_api and PYTHON_INT_TEXT in text:
        return f"shows Python's {PYTHON_INT_TEXT!r}"
    return None
