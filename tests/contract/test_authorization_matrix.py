"""Who may call what: every route of the app, asked by an anonymous visitor, a customer and an admin.

The routes come from the app's own route table (`app.routes`), every method of every path, API
and pages alike, so a route added without a rule fails `test_every_route_has_a_rule`, which
lists the lines to add to RULES. Each rule gives the status a *minimal* request gets for each role:
no body (or the rule's body), a valid CSRF token for every role (the status is about who asks,
never about CSRF), and path parameters filled with objects made for that route (`ids="existing"`)
or with ids that name nothing (`ids="random"`). One API rule covers `/api/v1/…` and its
unversioned alias `/api/…`. OPTIONS answers everyone alike on every route (one rule for all).

The tenant dimension: an anonymous visitor, a customer and an admin of another shop (`outlet`,
on its own host) get, for the default shop's objects, exactly what they get for ids that name
nothing (mostly 404): another shop's objects do not exist for them, on every route.

API v2's routes have rules of their own. The statuses of API v1 are api-v1.md's (401 anonymous, 403
customer on admin endpoints, and the 400s that v1 checks before the role); the pages send a visitor
to log in and refuse a customer an admin page with 403.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode
from uuid import UUID, uuid4

import asyncpg
import httpx
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from litestar.utils.sync import AsyncCallable

from app.domain.users import Role as UserRole
from tests.contract.conftest import (
    ADDRESS,
    Client,
    add_flag,
    add_group,
    add_product,
    become,
    delete_product,
    fill_cart,
    log_in,
    user_id_of,
)
from tests.integration.conftest import ensure_user, on_app_loop
from tests.support.factories import unique_name

Role = Literal["anonymous", "customer", "admin"]
ROLES: tuple[Role, ...] = ("anonymous", "customer", "admin")  # admin last: its requests may change things


@dataclass(frozen=True)
class Expect:
    """The status each role gets, and how the minimal request is made."""

    anonymous: int
    customer: int
    admin: int
    ids: Literal["existing", "random"] = "existing"
    """How path parameters are filled: objects made for the route, or ids (names) nothing has."""
    kinds: Mapping[str, str] = field(default_factory=dict)
    """A path parameter → the kind of object that fills it, where PARAM_KINDS' default does not fit."""
    body: Mapping[str, Any] | None = None
    """JSON for the API, form fields for pages; strings may hold `{product}`, `{group}`, `{user}`, `{unique}`."""
    logs_out: bool = False
    """The request ends the caller's session: log the role in again afterwards."""

    def status(self, role: Role) -> int:
        return int(getattr(self, role))


API = "/api/"
UNIQUE_CODE = {"code": "{unique}", "discount_percent": "10", "expires_at": "2099-01-01T00:00:00Z"}

# Statuses: 200 OK, 201 created, 204 no content, 303 to the login page for a visitor (302: /login sends
# someone logged in on),
# 400 refused input (v1 reads some input before the role check), 401 log in (API), 403 not allowed,
# 404 not found, 405 method not allowed, 500 the debug trigger's deliberate failure.
RULES: dict[tuple[str, str], Expect] = {
    # --- API v1: auth, catalog, cart, orders, operations -----------------------------------------------
    ("POST", "/api/auth/login"): Expect(400, 400, 400),  # no credentials
    ("POST", "/api/auth/logout"): Expect(403, 200, 200, logs_out=True),  # DRF's 403 for a visitor
    ("GET", "/api/auth/session"): Expect(200, 200, 200),
    ("GET", "/api/products"): Expect(200, 200, 200),
    ("GET", "/api/cart"): Expect(401, 200, 200),
    ("POST", "/api/cart/items"): Expect(401, 200, 200, body={"product_id": "{product}", "quantity": 1}),
    ("PATCH", "/api/cart/items/{product_id:str}"): Expect(401, 404, 404, body={"quantity": 1}),  # not in the cart
    ("DELETE", "/api/cart/items/{product_id:str}/remove"): Expect(401, 404, 404),
    ("POST", "/api/cart/verify-address"): Expect(401, 200, 200, body=ADDRESS),
    ("POST", "/api/cart/coupons/validate"): Expect(401, 404, 404),  # no such coupon
    ("POST", "/api/cart/submit"): Expect(401, 400, 400),  # empty cart
    ("GET", "/api/orders"): Expect(401, 200, 200),
    ("GET", "/api/health"): Expect(200, 200, 200),
    ("GET", "/api/metrics"): Expect(404, 404, 404),  # scrapers only, whatever the role (see /metrics below)
    ("POST", "/api/debug/trigger-error"): Expect(401, 403, 500),
    # --- API v1: admin -------------------------------------------------------------------------------------
    ("POST", "/api/products/create"): Expect(401, 403, 201, body={"name": "{unique}", "price": "1.00"}),
    ("GET", "/api/products/report"): Expect(401, 403, 200),
    ("DELETE", "/api/products/{product_id:str}"): Expect(401, 403, 204),
    ("POST", "/api/products/{product_id:str}/restore"): Expect(401, 403, 200, kinds={"product_id": "deleted product"}),
    ("GET", "/api/admin/coupons"): Expect(401, 403, 200),
    ("POST", "/api/admin/coupons"): Expect(401, 403, 201, body=UNIQUE_CODE),
    ("GET", "/api/admin/feature-flags"): Expect(401, 403, 200),
    ("POST", "/api/admin/feature-flags/create"): Expect(401, 403, 201, body={"name": "{unique}"}),
    ("GET", "/api/admin/feature-flags/{flag_name:str}"): Expect(401, 403, 200),
    ("PUT", "/api/admin/feature-flags/{flag_name:str}"): Expect(401, 403, 200, body={"enabled": False}),
    ("DELETE", "/api/admin/feature-flags/{flag_name:str}"): Expect(401, 403, 204),
    ("PUT", "/api/admin/feature-flags/{flag_name:str}/targets"): Expect(401, 403, 200, body={"group_ids": []}),
    ("POST", "/api/admin/feature-flags/{flag_name:str}/targets/add"): Expect(
        401, 403, 200, body={"group_id": "{group}"}
    ),
    ("DELETE", "/api/admin/feature-flags/{flag_name:str}/targets/{group_id:str}"): Expect(401, 403, 200),
    ("GET", "/api/admin/user-groups"): Expect(401, 403, 200),
    ("POST", "/api/admin/user-groups/create"): Expect(401, 403, 201, body={"name": "{unique}"}),
    ("GET", "/api/admin/user-groups/{group_id:str}"): Expect(401, 403, 200),
    ("DELETE", "/api/admin/user-groups/{group_id:str}"): Expect(401, 403, 204),
    ("GET", "/api/admin/user-groups/{group_id:str}/users"): Expect(401, 403, 200),
    ("POST", "/api/admin/user-groups/{group_id:str}/users"): Expect(401, 403, 201, body={"user_id": "{user}"}),
    ("DELETE", "/api/admin/user-groups/{group_id:str}/users/{user_id:str}"): Expect(401, 403, 204),
    ("GET", "/api/admin/users"): Expect(401, 403, 200),
    ("GET", "/api/admin/users/{user_id:str}"): Expect(401, 403, 200),
    ("PUT", "/api/admin/users/{user_id:str}"): Expect(401, 403, 200, body={"role": "customer"}),
    ("POST", "/api/admin/users/{user_id:str}/groups"): Expect(401, 403, 200, body={"group_id": "{group}"}),
    ("DELETE", "/api/admin/users/{user_id:str}/groups/{group_id:str}"): Expect(401, 403, 200),
    # --- API v2 (problems: 401 anonymous, 403 not allowed; input is checked after who is asking) --------------
    ("POST", "/api/v2/session"): Expect(422, 422, 422),  # no credentials
    ("GET", "/api/v2/session"): Expect(401, 200, 200),
    ("DELETE", "/api/v2/session"): Expect(401, 204, 204, logs_out=True),
    ("GET", "/api/v2/products"): Expect(200, 200, 200),
    ("GET", "/api/v2/products/{product_id:uuid}"): Expect(200, 200, 200),
    ("PATCH", "/api/v2/products/{product_id:uuid}"): Expect(401, 403, 428, body={}),  # no If-Match
    ("DELETE", "/api/v2/products/{product_id:uuid}"): Expect(401, 403, 428),  # no If-Match
    ("GET", "/api/v2/cart"): Expect(401, 200, 200),
    ("PUT", "/api/v2/cart/items/{product_id:uuid}"): Expect(401, 200, 200, body={"quantity": 1}),
    ("DELETE", "/api/v2/cart/items/{product_id:uuid}"): Expect(401, 404, 404),  # not in the cart
    ("POST", "/api/v2/orders"): Expect(401, 422, 422),  # no body
    ("GET", "/api/v2/orders"): Expect(401, 200, 200),  # the customer's own orders; admins see all
    ("GET", "/api/v2/orders/{order_id:uuid}"): Expect(401, 200, 200),  # the customer's own order; admins see all
    ("POST", "/api/v2/products"): Expect(401, 403, 422),  # no body (read before the key, as on orders)
    ("GET", "/api/v2/coupons"): Expect(401, 403, 200),
    ("POST", "/api/v2/coupons"): Expect(401, 403, 422),  # no body
    ("GET", "/api/v2/coupons/{coupon_id:uuid}"): Expect(401, 403, 404, ids="random"),  # no such coupon
    ("POST", "/api/v2/coupons/preview"): Expect(401, 422, 422),  # no body
    ("POST", "/api/v2/addresses/verify"): Expect(401, 422, 422),  # no body
    ("GET", "/api/v2/users"): Expect(401, 403, 200),
    ("POST", "/api/v2/users"): Expect(401, 403, 422),  # no body (read before the key, as on orders)
    ("GET", "/api/v2/users/{user_id:uuid}"): Expect(401, 403, 200),
    ("PATCH", "/api/v2/users/{user_id:uuid}"): Expect(401, 403, 428, body={}),  # no If-Match
    ("GET", "/api/v2/groups"): Expect(401, 403, 200),
    ("POST", "/api/v2/groups"): Expect(401, 403, 422),  # no body (read before the key, as on orders)
    ("GET", "/api/v2/groups/{group_id:uuid}"): Expect(401, 403, 200),
    ("DELETE", "/api/v2/groups/{group_id:uuid}"): Expect(401, 403, 428),  # no If-Match
    ("PUT", "/api/v2/groups/{group_id:uuid}/members/{user_id:uuid}"): Expect(401, 403, 200),
    ("DELETE", "/api/v2/groups/{group_id:uuid}/members/{user_id:uuid}"): Expect(401, 403, 204),
    ("GET", "/api/v2/flags"): Expect(401, 403, 200),
    ("POST", "/api/v2/flags"): Expect(401, 403, 422),  # no body (read before the key, as on orders)
    ("GET", "/api/v2/flags/{name:str}"): Expect(401, 403, 200),
    ("PATCH", "/api/v2/flags/{name:str}"): Expect(401, 403, 428, body={}),  # no If-Match
    ("GET", "/api/v2/reports/products"): Expect(401, 403, 200),
    ("GET", "/api/v2/audit-log"): Expect(401, 403, 200),
    # --- Pages: public, and the shopper's (a visitor is sent to log in) --------------------------------------
    ("GET", "/"): Expect(200, 200, 200),
    ("GET", "/products"): Expect(200, 200, 200),
    ("GET", "/products/{product_id:uuid}"): Expect(200, 200, 200),
    ("GET", "/login"): Expect(200, 302, 302),  # someone logged in is sent on
    ("POST", "/login"): Expect(400, 400, 400),  # no credentials
    ("POST", "/logout"): Expect(303, 303, 303, logs_out=True),
    ("GET", "/account/sessions"): Expect(303, 200, 200),
    ("POST", "/account/sessions/end-others"): Expect(303, 303, 303),  # the caller's own session stays
    ("POST", "/account/sessions/{ref:str}/end"): Expect(303, 404, 404, ids="random"),  # none of the caller's
    ("GET", "/cart"): Expect(303, 200, 200),
    ("POST", "/cart/items"): Expect(303, 303, 303, body={"product_id": "{product}", "quantity": "1"}),
    ("POST", "/cart/items/{product_id:uuid}"): Expect(303, 303, 303),  # not in the cart: back to it
    ("GET", "/cart/items/{product_id:uuid}/remove"): Expect(303, 303, 303),
    ("POST", "/cart/items/{product_id:uuid}/remove"): Expect(303, 303, 303),
    ("POST", "/cart/checkout"): Expect(303, 422, 422),  # an empty checkout form
    ("GET", "/orders"): Expect(303, 200, 200),
    ("GET", "/orders/{order_id:uuid}"): Expect(303, 200, 200),  # the customer's own order; admins see all
    # --- Pages: admin (a visitor is sent to log in, a customer refused) --------------------------------------
    ("GET", "/admin"): Expect(303, 403, 200),
    ("POST", "/admin/debug/trigger-error"): Expect(303, 403, 500),
    ("GET", "/admin/products"): Expect(303, 403, 200),
    ("POST", "/admin/products"): Expect(303, 403, 422),  # an empty form
    ("GET", "/admin/products/{product_id:uuid}"): Expect(303, 403, 303),  # a row, for htmx; else the list
    ("POST", "/admin/products/{product_id:uuid}"): Expect(303, 403, 409),  # no version: someone else's edit?
    ("GET", "/admin/products/{product_id:uuid}/edit"): Expect(303, 403, 200),
    ("GET", "/admin/products/{product_id:uuid}/delete"): Expect(303, 403, 200),
    ("POST", "/admin/products/{product_id:uuid}/delete"): Expect(303, 403, 303),
    ("POST", "/admin/products/{product_id:uuid}/restore"): Expect(303, 403, 303),
    ("POST", "/admin/products/{product_id:uuid}/image"): Expect(303, 403, 422),  # no file chosen
    ("GET", "/images/{name:str}"): Expect(404, 404, 404, ids="random"),  # pictures are public, by the shop's names
    ("GET", "/admin/report"): Expect(303, 403, 200),
    ("GET", "/admin/orders"): Expect(303, 403, 200),
    ("GET", "/admin/audit"): Expect(303, 403, 200),
    ("GET", "/admin/coupons"): Expect(303, 403, 200),
    ("POST", "/admin/coupons"): Expect(303, 403, 422),
    ("GET", "/admin/flags"): Expect(303, 403, 200),
    ("POST", "/admin/flags"): Expect(303, 403, 422),
    ("POST", "/admin/flags/{name:str}/enabled"): Expect(303, 403, 303),
    ("POST", "/admin/flags/{name:str}/description"): Expect(303, 403, 303),
    ("POST", "/admin/flags/{name:str}/targets"): Expect(303, 403, 303),
    ("GET", "/admin/flags/{name:str}/delete"): Expect(303, 403, 200),
    ("POST", "/admin/flags/{name:str}/delete"): Expect(303, 403, 303),
    ("GET", "/admin/users"): Expect(303, 403, 200),
    ("POST", "/admin/users"): Expect(303, 403, 422),
    ("GET", "/admin/users/{user_id:uuid}/role"): Expect(303, 403, 400),  # no role asked for
    ("POST", "/admin/users/{user_id:uuid}/role"): Expect(303, 403, 422),
    ("POST", "/admin/users/{user_id:uuid}/groups"): Expect(303, 403, 422),  # no group chosen
    ("POST", "/admin/users/{user_id:uuid}/groups/{group_id:uuid}/remove"): Expect(303, 403, 303),
    ("GET", "/admin/groups"): Expect(303, 403, 200),
    ("POST", "/admin/groups"): Expect(303, 403, 422),
    ("GET", "/admin/groups/{group_id:uuid}/delete"): Expect(303, 403, 200),
    ("POST", "/admin/groups/{group_id:uuid}/delete"): Expect(303, 403, 303),
    ("POST", "/admin/groups/{group_id:uuid}/members"): Expect(303, 403, 422),  # no user chosen
    ("POST", "/admin/groups/{group_id:uuid}/members/{user_id:uuid}/remove"): Expect(303, 403, 303),
    # --- Operations, static files, the OpenAPI document --------------------------------------------------------
    ("GET", "/health/live"): Expect(200, 200, 200),
    ("GET", "/health/ready"): Expect(200, 200, 200),
    # Not a matter of roles: only METRICS_ALLOWED_NETWORKS or METRICS_TOKEN open it, and the test
    # client sends no token from no IP address (tests/integration/test_metrics_access.py).
    ("GET", "/metrics"): Expect(404, 404, 404),
    ("GET", "/static/{file_path:path}"): Expect(200, 200, 200),
    ("HEAD", "/static/{file_path:path}"): Expect(200, 200, 200),
    ("GET", "/favicon.ico"): Expect(200, 200, 200),
    ("HEAD", "/favicon.ico"): Expect(200, 200, 200),
    **{
        ("GET", f"/schema{page}"): Expect(200, 200, 200)
        for page in (
            "",
            "/openapi.json",
            "/openapi.yaml",
            "/openapi.yml",
            "/swagger",
            "/redoc",
            "/rapidoc",
            "/elements",
            "/oauth2-redirect.html",
        )
    },
    ("GET", "/schema/{path:str}"): Expect(404, 404, 404, ids="random"),
    # Each version's OpenAPI document and the reference over them: public, like /schema.
    ("GET", "/api/openapi.json"): Expect(200, 200, 200),  # that is /api/v1/openapi.json: v1 rules key on /api/
    ("GET", "/api/v2/openapi.json"): Expect(200, 200, 200),
    ("GET", "/api/docs"): Expect(200, 200, 200),
    # Where v1's Link header points (rel deprecation, rel successor-version): public too.
    ("GET", "/docs/api/migration-v1-to-v2"): Expect(200, 200, 200),
    ("GET", "/api/v2"): Expect(200, 200, 200),
    ("GET", "/events/stock"): Expect(200, 200, 200),  # the shop's public stock figures, as the catalog shows them
}
ENDLESS = frozenset({"/events/stock"})
"""Not requested here: a server-sent stream answers 200 and never ends while Redis is up
(tests/integration/test_live_stock.py covers its answers, Redis up and down)."""

OPTIONS_RULE = {True: Expect(200, 200, 200, ids="random"), False: Expect(204, 204, 204, ids="random")}
"""OPTIONS on a v1 path answers DRF's metadata (§1); elsewhere (v2 too) Litestar's empty answer. No auth check."""
REFERENCE_PATHS = {"/api/docs", "/api/v1/openapi.json", "/api/v2"}
"""Served beside the v1 router, not by it (app/controllers/api/reference.py): OPTIONS is Litestar's there too."""

PARAM_KINDS = {
    "product_id": "product",
    "order_id": "order",
    "flag_name": "flag",
    "name": "flag",
    "group_id": "group",
    "user_id": "user",
    "file_path": "static file",
}
"""The kind of object that fills a path parameter, by the parameter's name."""

_PARAM = re.compile(r"\{(\w+):(\w+)\}")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    """The route's path as the route table shows it (`/api/v1/products/{product_id:str}`)."""

    @property
    def rule_key(self) -> tuple[str, str]:
        """One rule covers a v1 path and its unversioned alias."""
        return self.method, self.path.replace("/api/v1/", API, 1)

    @property
    def is_api(self) -> bool:
        return self.path.startswith(API)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def calls_of(app: Litestar) -> Iterator[Call]:
    """Every (method, path) the app answers, straight from its route table."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for method in sorted(route.methods):
                yield Call(method, route.path)


def rule_for(call: Call) -> Expect | None:
    if call.method == "OPTIONS":
        return OPTIONS_RULE[call.is_api and not call.path.startswith("/api/v2/") and call.path not in REFERENCE_PATHS]
    return RULES.get(call.rule_key)


def test_every_route_has_a_rule(app: Litestar):
    unruled = sorted({call.rule_key for call in calls_of(app) if rule_for(call) is None})
    assert not unruled, (
        f"{len(unruled)} route(s) have no rule in RULES ({__name__}). Decide who may call each one and add:\n"
        + "\n".join(f"    {key!r}: Expect(anonymous=..., customer=..., admin=...)," for key in unruled)
    )


def test_no_guard_runs_in_a_thread(app: Litestar):
    # Litestar runs a plain-function guard through sync_to_thread: a thread hand-off on every request.
    threaded = sorted({
        f"{route.path}: {guard.func.__name__}"
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        for guard in handler.resolve_guards()
        if isinstance(guard, AsyncCallable)
    })
    assert not threaded, f"make these guards `async def`: {threaded}"


def test_no_rule_is_left_over_from_a_route_that_is_gone(app: Litestar):
    present = {call.rule_key for call in calls_of(app)}
    assert not set(RULES) - present, f"rules for routes that no longer exist: {sorted(set(RULES) - present)}"


async def test_each_role_gets_the_status_its_rule_gives(app: Litestar, client: Client, db: asyncpg.Connection):
    callers = await Callers.arrange(app, client, db)
    failures: list[str] = []
    for call in calls_of(app):
        rule = rule_for(call)
        if rule is None:
            continue  # reported by test_every_route_has_a_rule
        if call.path in ENDLESS:
            continue
        objects = Objects(app, callers)
        try:
            path = await objects.path_for(call, rule)
            body = await objects.body_for(rule)
        except LookupError as missing:
            failures.append(f"{call}: {missing}")
            continue
        statuses = {role: await callers.send(role, call, path, body, rule) for role in ROLES}
        expected = {role: rule.status(role) for role in ROLES}
        if statuses != expected:
            failures.append(f"{call} (as {path}): expected {_statuses(expected)}, got {_statuses(statuses)}")
    assert not failures, f"{len(failures)} route(s) answered otherwise than their rule:\n" + "\n".join(failures)


OUTLET = UUID("00000000-0000-4000-8000-00000000000c")


async def test_another_shops_callers_get_for_this_shops_objects_what_they_get_for_ids_that_name_nothing(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await db.execute("INSERT INTO tenant (id, slug, name) VALUES ($1, 'outlet', 'Emporium Outlet')", OUTLET)
    await db.execute("INSERT INTO tenant_host (host, tenant_id) VALUES ('outlet.localhost', $1)", OUTLET)
    home = await Callers.arrange(app, client, db)  # the default shop's order, customer and callers
    outlet_client: Client = AsyncTestClient(app=app, base_url="http://outlet.localhost:8000")
    outlet_client.blocking_portal = client.blocking_portal  # one lifespan, one pool: the first client's
    outlet_client.follow_redirects = False
    away = await Callers.arrange_in(app, outlet_client, OUTLET, order_id=home.order_id, user_id=home.user_id)
    failures: list[str] = []
    not_found = 0
    for call in calls_of(app):
        rule = rule_for(call)
        if rule is None or rule.ids == "random" or not _names_objects(call, rule):
            continue
        theirs, nothing = Objects(app, home), NoObjects(app, home)
        statuses = {}
        for objects in (theirs, nothing):
            path, body = await objects.path_for(call, rule), await objects.body_for(rule)
            statuses[objects] = {role: await away.send(role, call, path, body, rule) for role in ROLES}
        if statuses[theirs] != statuses[nothing]:
            failures.append(
                f"{call}: the default shop's objects {_statuses(statuses[theirs])}, "
                f"ids that name nothing {_statuses(statuses[nothing])}"
            )
        not_found += list(statuses[theirs].values()).count(404)
    assert not failures, f"{len(failures)} route(s) let another shop see an object:\n" + "\n".join(failures)
    assert not_found >= 30  # the comparison above compared real lookups, not only refusals before them


def _names_objects(call: Call, rule: Expect) -> bool:
    """The route's path or body names a tenant-owned object (static files belong to no shop)."""
    kinds = {rule.kinds.get(name) or PARAM_KINDS.get(name) for name, _type in _PARAM.findall(call.path)}
    in_body = any(isinstance(v, str) and "{" + k + "}" in v for v in (rule.body or {}).values() for k in KINDS_IN_BODY)
    return bool(kinds - {"static file"}) or in_body


def _statuses(by_role: Mapping[Role, int]) -> str:
    return ", ".join(f"{role} {status}" for role, status in by_role.items())


class Callers:
    """The three roles, each with its own cookies (session and CSRF) on the one test client."""

    def __init__(self, client: Client, cookies: dict[Role, httpx.Cookies], order_id: str, user_id: str) -> None:
        self.client = client
        self.cookies = cookies
        self.tokens: dict[Role, str] = {}
        self.order_id = order_id
        self.user_id = user_id
        """A customer (not one of the callers) that user routes act on."""

    @classmethod
    async def arrange(cls, app: Litestar, client: Client, db: asyncpg.Connection) -> Callers:
        await ensure_user(app, "carol", "carol-password", "customer")
        shopper = await become(app, client, "alice")
        await fill_cart(client, shopper, await add_product(app))
        order = await client.post("/api/v1/cart/submit/", json={"shipping_address": ADDRESS}, headers=shopper)
        assert order.status_code == 201, order.text
        cookies: dict[Role, httpx.Cookies] = {"customer": httpx.Cookies(client.cookies)}
        client.cookies.clear()
        await ensure_user(app, "boss", "boss-password", "admin")
        await log_in(client, "boss", "boss-password")
        cookies["admin"] = httpx.Cookies(client.cookies)
        cookies["anonymous"] = httpx.Cookies()
        callers = cls(client, cookies, order.json()["id"], await user_id_of(db, "carol"))
        for role in ROLES:
            await callers.refresh_token(role)
        return callers

    @classmethod
    async def arrange_in(
        cls, app: Litestar, client: Client, tenant_id: UUID, *, order_id: str, user_id: str
    ) -> Callers:
        """The three roles in another shop (same usernames), acting on `order_id` and `user_id` of this one."""
        auth = app.state.container.auth
        cookies: dict[Role, httpx.Cookies] = {"anonymous": httpx.Cookies()}
        logins: tuple[tuple[Role, str], ...] = (("customer", "alice"), ("admin", "boss"))
        for role, username in logins:
            await on_app_loop(app, auth.ensure_user, tenant_id, username, f"{username}-password", UserRole(role))
            client.cookies = httpx.Cookies()
            await log_in(client, username, f"{username}-password")
            cookies[role] = httpx.Cookies(client.cookies)
        callers = cls(client, cookies, order_id, user_id)
        for role in ROLES:
            await callers.refresh_token(role)
        return callers

    async def refresh_token(self, role: Role) -> None:
        """The role's CSRF token (for a visitor, the session call also sets the CSRF cookie)."""
        self.client.cookies = self.cookies[role]
        self.tokens[role] = (await self.client.get("/api/v1/auth/session/")).json()["csrf_token"]
        self.cookies[role] = httpx.Cookies(self.client.cookies)

    async def send(self, role: Role, call: Call, path: str, body: Mapping[str, Any], rule: Expect) -> int:
        self.client.cookies = self.cookies[role]
        headers = {"X-CSRFToken": self.tokens[role]}
        content: bytes | None = None
        if call.method in ("POST", "PUT", "PATCH"):
            if call.is_api:
                content = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            else:
                content = urlencode(body).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = await self.client.request(call.method, path, content=content, headers=headers)
        self.cookies[role] = httpx.Cookies(self.client.cookies)
        if rule.logs_out:
            await self.start_again(role)
        return response.status_code

    async def start_again(self, role: Role) -> None:
        """Log in again after a logout (which also rotates the CSRF secret, a visitor's too)."""
        if role != "anonymous":
            self.client.cookies = httpx.Cookies()
            username = "alice" if role == "customer" else "boss"
            await log_in(self.client, username, f"{username}-password")
            self.cookies[role] = httpx.Cookies(self.client.cookies)
        await self.refresh_token(role)


class Objects:
    """What one route's path parameters and body name: made on first use, shared by the three roles."""

    def __init__(self, app: Litestar, callers: Callers) -> None:
        self.app = app
        self.made: dict[str, str] = {}
        """Kind → the id (or name) of the object made for this route."""
        self.makers: dict[str, Callable[[], Awaitable[str]]] = {
            "product": lambda: add_product(app, stock=100),
            "deleted product": self._deleted_product,
            "flag": self._flag,
            "group": lambda: add_group(app),
            "user": self._constant(callers.user_id),
            "order": self._constant(callers.order_id),
            "static file": self._constant("css/emporium.css"),
        }

    async def one(self, kind: str) -> str:
        if kind not in self.made:
            maker = self.makers.get(kind)
            if maker is None:
                raise LookupError(f"no way to make a {kind!r}: add one to Objects.makers in {__name__}")
            self.made[kind] = await maker()
        return self.made[kind]

    async def path_for(self, call: Call, rule: Expect) -> str:
        path = call.path
        for name, _type in _PARAM.findall(call.path):
            kind = rule.kinds.get(name) or PARAM_KINDS.get(name)
            if rule.ids == "random":
                value = str(uuid4()) if _type == "uuid" or name.endswith("_id") else f"no-such-{uuid4().hex}"
            elif kind is None:
                raise LookupError(f"no kind of object for the path parameter {name!r}: add it to PARAM_KINDS")
            else:
                value = await self.one(kind)
            path = _PARAM.sub(value, path, count=1)
        return path + "/" if call.is_api else path  # v1 clients always send the trailing slash

    async def body_for(self, rule: Expect) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for key, value in (rule.body or {}).items():
            if isinstance(value, str):
                for kind in KINDS_IN_BODY:
                    if "{" + kind + "}" in value:
                        value = value.replace("{" + kind + "}", await self.one(kind))
                value = value.replace("{unique}", unique_name("matrix").replace(" ", "_") + uuid4().hex[:6])
            body[key] = value
        return body

    async def _deleted_product(self) -> str:
        product_id = await add_product(self.app)
        await delete_product(self.app, product_id)
        return product_id

    async def _flag(self) -> str:
        name = f"matrix_{uuid4().hex[:12]}"
        await add_flag(self.app, name)
        return name

    @staticmethod
    def _constant(value: str) -> Callable[[], Awaitable[str]]:
        async def make() -> str:
            return value

        return make


KINDS_IN_BODY = ("product", "group", "user")


class NoObjects(Objects):
    """Ids and names that nothing has, wherever Objects would name a made object."""

    async def one(self, kind: str) -> str:
        if kind not in self.made:
            self.made[kind] = f"no-such-{uuid4().hex}" if kind == "flag" else str(uuid4())
        return self.made[kind]
