"""API v2's admin operations on people and insight (docs/api/v2.md "Admin: …"): users and roles, groups,
flags, the product report and the audit log — statuses, bodies, headers, keys, cursors and refusals."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from litestar import Litestar

from app.domain.events import utc_now
from app.settings import get_settings
from tests.contract.conftest import Client, add_product, fill_cart, log_in, user_id_of
from tests.contract.test_v2 import assert_problem, next_link, v2_login
from tests.integration.conftest import ensure_user

USERS, GROUPS, FLAGS = "/api/v2/users", "/api/v2/groups", "/api/v2/flags"
REPORT, AUDIT = "/api/v2/reports/products", "/api/v2/audit-log"


async def as_admin(app: Litestar, client: Client) -> dict[str, str]:
    return await v2_login(app, client, "vic", "admin")


async def create(client: Client, path: str, csrf: dict[str, str], body: dict[str, Any], key: str | None) -> Any:
    headers = {**csrf, **({"Idempotency-Key": key} if key else {})}
    return await client.post(path, json=body, headers=headers)


# --- users ----------------------------------------------------------------------------------------------------


async def test_the_user_list_pages_by_username_with_a_next_link_and_a_search(app: Litestar, client: Client):
    for name in ("zed", "amy", "bob", "bea"):
        await ensure_user(app, name, f"{name}-password", "customer")
    await as_admin(app, client)
    first = await client.get(USERS, params={"limit": 2})
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"items", "next_cursor"} and [u["username"] for u in body["items"]] == ["amy", "bea"]
    assert set(body["items"][0]) == {"id", "username", "email", "role", "created_at"}
    assert body["items"][0]["role"] == "customer" and body["items"][0]["created_at"].endswith("Z")
    seen = [u["username"] for u in body["items"]]
    link = next_link(first)
    while link is not None:
        page = await client.get(link)
        seen += [u["username"] for u in page.json()["items"]]
        link = next_link(page)
    assert seen == ["amy", "bea", "bob", "vic", "zed"]
    found = (await client.get(USERS, params={"q": "B"})).json()
    assert [u["username"] for u in found["items"]] == ["bea", "bob"] and found["next_cursor"] is None
    bad = assert_problem(await client.get(USERS, params={"cursor": "nonsense"}), 422, "invalid-cursor")
    assert bad["errors"][0]["field"] == "cursor"


async def test_a_user_has_a_strong_etag_and_if_none_match_answers_304(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await ensure_user(app, "amy", "amy-password", "customer")
    await as_admin(app, client)
    path = f"{USERS}/{await user_id_of(db, 'amy')}"
    response = await client.get(path)
    assert response.status_code == 200 and response.json()["username"] == "amy"
    tag = response.headers["etag"]
    assert tag.startswith('"') and not tag.startswith("W/")
    assert (await client.get(path, headers={"If-None-Match": tag})).status_code == 304
    assert_problem(await client.get(f"{USERS}/{uuid4()}"), 404, "user-not-found")


async def test_changing_a_role_needs_if_match_and_a_stale_one_gets_412_with_the_current_etag(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await ensure_user(app, "amy", "amy-password", "customer")
    csrf = await as_admin(app, client)
    path = f"{USERS}/{await user_id_of(db, 'amy')}"
    tag = (await client.get(path)).headers["etag"]
    assert_problem(await client.patch(path, json={"role": "admin"}, headers=csrf), 428, "precondition-required")
    promoted = await client.patch(path, json={"role": "admin"}, headers={**csrf, "If-Match": tag})
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    assert promoted.headers["etag"] != tag
    stale = await client.patch(path, json={"role": "customer"}, headers={**csrf, "If-Match": tag})
    assert_problem(stale, 412, "precondition-failed")
    assert stale.headers["etag"] == promoted.headers["etag"]
    invalid = await client.patch(path, json={"role": "owner"}, headers={**csrf, "If-Match": promoted.headers["etag"]})
    assert_problem(invalid, 422, "validation-failed")
    unknown = await client.patch(path, json={"is_admin": True}, headers={**csrf, "If-Match": promoted.headers["etag"]})
    assert_problem(unknown, 422, "validation-failed")


async def test_the_last_admin_cannot_be_made_a_customer(app: Litestar, client: Client, db: asyncpg.Connection):
    csrf = await as_admin(app, client)
    path = f"{USERS}/{await user_id_of(db, 'vic')}"
    tag = (await client.get(path)).headers["etag"]
    assert_problem(
        await client.patch(path, json={"role": "customer"}, headers={**csrf, "If-Match": tag}), 409, "last-admin"
    )


async def test_creating_a_user_needs_a_key_answers_201_with_location_and_replays_a_repeat(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    csrf = await as_admin(app, client)
    body = {"username": "newbie", "password": "newbie-password", "role": "customer", "email": "n@example.com"}
    assert_problem(await create(client, USERS, csrf, body, None), 400, "idempotency-key-required")
    first = await create(client, USERS, csrf, body, "user-1")
    assert first.status_code == 201, first.text
    created = first.json()
    assert first.headers["location"] == f"{USERS}/{created['id']}" and "idempotent-replayed" not in first.headers
    assert created["username"] == "newbie" and "password" not in created and created["email"] == "n@example.com"
    again = await create(client, USERS, csrf, body, '"user-1"')
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true" and again.json() == created
    reused = await create(client, USERS, csrf, {**body, "username": "other"}, "user-1")
    assert_problem(reused, 422, "idempotency-key-reused")
    assert await db.fetchval("SELECT count(*) FROM app_user WHERE username IN ('newbie', 'other')") == 1
    assert (await client.get(first.headers["location"])).json() == created
    credentials = {"username": "newbie", "password": "newbie-password"}
    assert (await client.post("/api/v2/session", json=credentials, headers=csrf)).status_code == 200


async def test_a_refused_user_is_a_422_naming_each_field_and_leaves_the_key_usable(app: Litestar, client: Client):
    csrf = await as_admin(app, client)
    refused = await create(client, USERS, csrf, {"username": "no spaces", "password": "x"}, "user-2")
    fields = {error["field"] for error in assert_problem(refused, 422, "validation-failed")["errors"]}
    assert fields, refused.text
    taken = await create(client, USERS, csrf, {"username": "vic", "password": "long-enough"}, "user-2")
    assert assert_problem(taken, 422, "validation-failed")["errors"] == [
        {"field": "username", "message": "The username 'vic' is taken"}
    ]
    made = await create(client, USERS, csrf, {"username": "fresh", "password": "long-enough"}, "user-2")
    assert made.status_code == 201 and "idempotent-replayed" not in made.headers


# --- groups ---------------------------------------------------------------------------------------------------


async def test_groups_are_created_once_per_key_read_listed_and_deleted(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    csrf = await as_admin(app, client)
    assert_problem(await create(client, GROUPS, csrf, {"name": "beta"}, None), 400, "idempotency-key-required")
    first = await create(client, GROUPS, csrf, {"name": "beta", "description": "early birds"}, "group-1")
    assert first.status_code == 201, first.text
    group = first.json()
    assert group == {"id": group["id"], "name": "beta", "description": "early birds", "member_ids": []}
    assert first.headers["location"] == f"{GROUPS}/{group['id']}" and first.headers["etag"]
    replay = await create(client, GROUPS, csrf, {"name": "beta", "description": "early birds"}, "group-1")
    assert replay.headers["idempotent-replayed"] == "true" and replay.json() == group
    assert_problem(await create(client, GROUPS, csrf, {"name": "beta"}, "group-2"), 409, "duplicate-group")
    bad = await create(client, GROUPS, csrf, {"name": "has spaces"}, "group-3")
    assert assert_problem(bad, 422, "validation-failed")["errors"][0]["field"]
    await create(client, GROUPS, csrf, {"name": "alpha"}, "group-4")
    listed = await client.get(GROUPS, params={"limit": 1})
    assert [g["name"] for g in listed.json()["items"]] == ["alpha"]
    rest = await client.get(next_link(listed) or "")
    assert [g["name"] for g in rest.json()["items"]] == ["beta"] and next_link(rest) is None
    path = first.headers["location"]
    read = await client.get(path)
    assert read.json() == group and read.headers["etag"] == first.headers["etag"]
    assert (await client.get(path, headers={"If-None-Match": read.headers["etag"]})).status_code == 304
    assert_problem(await client.delete(path, headers=csrf), 428, "precondition-required")
    assert (await client.delete(path, headers={**csrf, "If-Match": read.headers["etag"]})).status_code == 204
    assert_problem(await client.get(path), 404, "group-not-found")
    assert_problem(await client.delete(path, headers=csrf), 404, "group-not-found")
    assert await db.fetchval("SELECT count(*) FROM user_group WHERE name = 'beta'") == 0


async def test_deleting_a_group_needs_if_match_and_its_retry_with_the_key_is_204_again(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await ensure_user(app, "amy", "amy-password", "customer")
    amy = await user_id_of(db, "amy")
    csrf = await as_admin(app, client)
    made = await create(client, GROUPS, csrf, {"name": "leaving"}, "group-d")
    path, tag = made.headers["location"], made.headers["etag"]
    joined = await client.put(f"{path}/members/{amy}", headers=csrf)  # a change since the admin's read
    stale = await client.delete(path, headers={**csrf, "If-Match": tag, "Idempotency-Key": "delete-g"})
    assert_problem(stale, 412, "precondition-failed")  # refused before any effect: the key stays usable
    assert stale.headers["etag"] == joined.headers["etag"]
    keyed = {**csrf, "If-Match": joined.headers["etag"], "Idempotency-Key": "delete-g"}
    first = await client.delete(path, headers=keyed)
    assert first.status_code == 204 and "idempotent-replayed" not in first.headers
    again = await client.delete(path, headers=keyed)  # not a 404: the group is gone, its answer is not
    assert again.status_code == 204 and again.headers["idempotent-replayed"] == "true"
    assert await db.fetchval("SELECT count(*) FROM user_group WHERE name = 'leaving'") == 0


async def test_membership_changes_take_an_optional_key_and_replay_the_first_answer(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await ensure_user(app, "amy", "amy-password", "customer")
    await ensure_user(app, "bob", "bob-password", "customer")
    amy, bob = await user_id_of(db, "amy"), await user_id_of(db, "bob")
    csrf = await as_admin(app, client)
    group = (await create(client, GROUPS, csrf, {"name": "keyed"}, "group-k")).json()
    members = f"{GROUPS}/{group['id']}/members"
    missing = await client.put(f"{members}/{uuid4()}", headers={**csrf, "Idempotency-Key": "add-1"})
    assert_problem(missing, 404, "user-not-found")  # refused: the key stays usable
    first = await client.put(f"{members}/{amy}", headers={**csrf, "Idempotency-Key": "add-1"})
    assert first.status_code == 200 and first.json()["member_ids"] == [amy]
    await client.put(f"{members}/{bob}", headers=csrf)  # changed since, without a key
    again = await client.put(f"{members}/{amy}", headers={**csrf, "Idempotency-Key": "add-1"})
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json() and again.headers["etag"] == first.headers["etag"]
    assert_problem(
        await client.put(f"{members}/{bob}", headers={**csrf, "Idempotency-Key": "add-1"}),
        422,
        "idempotency-key-reused",
    )
    removed = await client.delete(f"{members}/{amy}", headers={**csrf, "Idempotency-Key": "remove-1"})
    assert removed.status_code == 204 and "idempotent-replayed" not in removed.headers
    repeat = await client.delete(f"{members}/{amy}", headers={**csrf, "Idempotency-Key": "remove-1"})
    assert repeat.status_code == 204 and repeat.headers["idempotent-replayed"] == "true"
    assert (await client.get(f"{GROUPS}/{group['id']}")).json()["member_ids"] == [bob]


async def test_retried_user_and_flag_patches_with_their_keys_replay_instead_of_a_412(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await ensure_user(app, "amy", "amy-password", "customer")
    csrf = await as_admin(app, client)
    user_path = f"{USERS}/{await user_id_of(db, 'amy')}"
    keyed = {**csrf, "If-Match": (await client.get(user_path)).headers["etag"], "Idempotency-Key": "role-1"}
    assert_problem(await client.patch(user_path, json={"role": "owner"}, headers=keyed), 422, "validation-failed")
    promoted = await client.patch(user_path, json={"role": "admin"}, headers=keyed)
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    again = await client.patch(user_path, json={"role": "admin"}, headers=keyed)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == promoted.json() and again.headers["etag"] == promoted.headers["etag"]
    assert_problem(
        await client.patch(user_path, json={"role": "customer"}, headers=keyed), 422, "idempotency-key-reused"
    )

    made = await create(client, FLAGS, csrf, {"name": "keyed_flag"}, "flag-k")
    flag_path = made.headers["location"]
    keyed = {**csrf, "If-Match": made.headers["etag"], "Idempotency-Key": "switch-1"}
    switched = await client.patch(flag_path, json={"enabled": True}, headers=keyed)
    assert switched.status_code == 200 and switched.json()["enabled"] is True
    await client.patch(flag_path, json={"enabled": False}, headers={**csrf, "If-Match": switched.headers["etag"]})
    again = await client.patch(flag_path, json={"enabled": True}, headers=keyed)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == switched.json()
    assert (await client.get(flag_path)).json()["enabled"] is False  # the replay changed nothing
    assert_problem(await client.patch(flag_path, json={"enabled": False}, headers=keyed), 422, "idempotency-key-reused")


async def test_members_are_added_and_removed_idempotently(app: Litestar, client: Client, db: asyncpg.Connection):
    await ensure_user(app, "amy", "amy-password", "customer")
    amy = await user_id_of(db, "amy")
    csrf = await as_admin(app, client)
    group = (await create(client, GROUPS, csrf, {"name": "testers"}, "group-m")).json()
    member = f"{GROUPS}/{group['id']}/members/{amy}"
    for _ in range(2):
        added = await client.put(member, headers=csrf)
        assert added.status_code == 200 and added.json()["member_ids"] == [amy] and added.headers["etag"]
    assert (await client.get(f"{GROUPS}/{group['id']}")).json()["member_ids"] == [amy]
    assert_problem(await client.put(f"{GROUPS}/{group['id']}/members/{uuid4()}", headers=csrf), 404, "user-not-found")
    assert_problem(await client.put(f"{GROUPS}/{uuid4()}/members/{amy}", headers=csrf), 404, "group-not-found")
    for _ in range(2):
        assert (await client.delete(member, headers=csrf)).status_code == 204
    assert (await client.get(f"{GROUPS}/{group['id']}")).json()["member_ids"] == []


# --- flags ----------------------------------------------------------------------------------------------------


async def test_flags_are_created_once_per_key_and_targeted_with_if_match(app: Litestar, client: Client):
    csrf = await as_admin(app, client)
    group = (await create(client, GROUPS, csrf, {"name": "insiders"}, "flag-group")).json()
    assert_problem(await create(client, FLAGS, csrf, {"name": "new_checkout"}, None), 400, "idempotency-key-required")
    first = await create(client, FLAGS, csrf, {"name": "new_checkout", "description": "the new one"}, "flag-1")
    assert first.status_code == 201, first.text
    flag = first.json()
    assert flag["enabled"] is False and flag["target_group_ids"] == [] and flag["updated_at"].endswith("Z")
    assert first.headers["location"] == f"{FLAGS}/new_checkout"
    replay = await create(client, FLAGS, csrf, {"name": "new_checkout", "description": "the new one"}, "flag-1")
    assert replay.headers["idempotent-replayed"] == "true" and replay.json() == flag
    assert_problem(await create(client, FLAGS, csrf, {"name": "new_checkout"}, "flag-2"), 409, "duplicate-flag")

    path = first.headers["location"]
    tag = (await client.get(path)).headers["etag"]
    change = {"enabled": True, "target_group_ids": [group["id"]]}
    assert_problem(await client.patch(path, json=change, headers=csrf), 428, "precondition-required")
    changed = await client.patch(path, json=change, headers={**csrf, "If-Match": tag})
    assert changed.status_code == 200, changed.text
    assert changed.json()["enabled"] is True and changed.json()["target_group_ids"] == [group["id"]]
    assert changed.json()["description"] == "the new one"  # not sent: unchanged
    stale = await client.patch(path, json={"enabled": False}, headers={**csrf, "If-Match": tag})
    assert_problem(stale, 412, "precondition-failed")
    current = {**csrf, "If-Match": changed.headers["etag"]}
    no_group = await client.patch(path, json={"target_group_ids": [str(uuid4())]}, headers=current)
    assert_problem(no_group, 404, "group-not-found")
    everyone = await client.patch(path, json={"target_group_ids": []}, headers=current)
    assert everyone.status_code == 200 and everyone.json()["target_group_ids"] == []
    assert_problem(await client.patch(path, json={"enabled": "yes"}, headers=current), 422, "validation-failed")
    assert_problem(await client.get(f"{FLAGS}/no_such_flag"), 404, "flag-not-found")
    listed = (await client.get(FLAGS)).json()
    assert [f["name"] for f in listed["items"]] == ["new_checkout"] and listed["next_cursor"] is None


async def test_a_flag_targeted_at_a_group_is_on_only_for_its_members(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await ensure_user(app, "amy", "amy-password", "customer")
    await ensure_user(app, "bob", "bob-password", "customer")
    csrf = await as_admin(app, client)
    group = (await create(client, GROUPS, csrf, {"name": "early"}, "g")).json()
    await client.put(f"{GROUPS}/{group['id']}/members/{await user_id_of(db, 'amy')}", headers=csrf)
    created = await create(client, FLAGS, csrf, {"name": "preview", "enabled": True}, "f")
    patch = {"target_group_ids": [group["id"]]}
    targeted = await client.patch(created.headers["location"], json=patch, headers={**csrf, **_if(created)})
    assert targeted.status_code == 200
    await client.delete("/api/v2/session", headers=csrf)
    for username, expected in (("amy", ["preview"]), ("bob", [])):
        login = await client.post("/api/v2/session", json={"username": username, "password": f"{username}-password"})
        assert login.json()["user"]["enabled_flags"] == expected
        await client.delete("/api/v2/session", headers={"X-CSRFToken": login.json()["csrf_token"]})


def _if(response: Any) -> dict[str, str]:
    return {"If-Match": response.headers["etag"]}


# --- who may ----------------------------------------------------------------------------------------------------

ADMIN_OPERATIONS: list[tuple[str, str]] = [
    ("GET", USERS),
    ("POST", USERS),
    ("GET", f"{USERS}/{{id}}"),
    ("PATCH", f"{USERS}/{{id}}"),
    ("GET", GROUPS),
    ("POST", GROUPS),
    ("GET", f"{GROUPS}/{{id}}"),
    ("DELETE", f"{GROUPS}/{{id}}"),
    ("PUT", f"{GROUPS}/{{id}}/members/{{id}}"),
    ("DELETE", f"{GROUPS}/{{id}}/members/{{id}}"),
    ("GET", FLAGS),
    ("POST", FLAGS),
    ("GET", f"{FLAGS}/beta"),
    ("PATCH", f"{FLAGS}/beta"),
    ("GET", REPORT),
    ("GET", AUDIT),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_OPERATIONS, ids=lambda value: str(value))
async def test_a_customer_is_refused_403_and_a_visitor_401_before_any_input_is_read(
    app: Litestar, client: Client, method: str, path: str
):
    target = path.replace("{id}", str(uuid4()))
    content = b"{not json" if method in ("POST", "PATCH", "PUT") else None
    headers = {"Content-Type": "application/json"}
    assert_problem(
        await client.request(method, target, content=content, headers=headers), 401, "authentication-required"
    )
    csrf = await v2_login(app, client)
    refused = await client.request(method, target, content=content, headers={**headers, **csrf})
    assert_problem(refused, 403, "forbidden")


# --- the product report -----------------------------------------------------------------------------------------


async def test_the_product_report_pages_by_name_with_sales_and_reservations(app: Litestar, client: Client):
    sold = await add_product(app, name="Anvil", price="30.00", stock=10)
    await add_product(app, name="Bucket", stock=2)
    reserved = await add_product(app, name="Chisel", stock=9)
    shopper = await log_in_v1(app, client, "amy")
    await fill_cart(client, shopper, reserved, 3)
    await client.post("/api/v1/auth/logout/", headers=shopper)
    csrf = await v2_login(app, client, "walt")
    await client.put(f"/api/v2/cart/items/{sold}", json={"quantity": 4}, headers=csrf)
    placed = await client.post(
        "/api/v2/orders",
        json={
            "shipping_address": {
                "street_line_1": "1 Main St",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62701",
            }
        },
        headers={**csrf, "Idempotency-Key": "report-order"},
    )
    assert placed.status_code == 201, placed.text
    await client.delete("/api/v2/session", headers=csrf)
    await as_admin(app, client)
    first = await client.get(REPORT, params={"limit": 2})
    assert first.status_code == 200
    lines = first.json()["items"]
    assert [line["name"] for line in lines] == ["Anvil", "Bucket"]
    assert lines[0] == {
        "product_id": sold,
        "name": "Anvil",
        "price": {"amount": "30.00", "currency": "USD"},
        "stock_quantity": 6,
        "is_deleted": False,
        "total_sold": 4,
        "currently_reserved": 0,
    }
    rest = await client.get(next_link(first) or "")
    assert [(line["name"], line["currently_reserved"]) for line in rest.json()["items"]] == [("Chisel", 3)]
    assert rest.json()["next_cursor"] is None and next_link(rest) is None
    only_sold = (await client.get(REPORT, params={"has_sales": "true"})).json()["items"]
    assert [line["name"] for line in only_sold] == ["Anvil"]
    low = (await client.get(REPORT, params={"low_stock_threshold": 2, "q": "buck"})).json()["items"]
    assert [line["name"] for line in low] == ["Bucket"]
    for params in ({"low_stock_threshold": -1}, {"has_sales": "maybe"}, {"limit": 101}):
        body = assert_problem(await client.get(REPORT, params=params), 422, "validation-failed")
        assert [error["field"] for error in body["errors"]] == list(params)


async def log_in_v1(app: Litestar, client: Client, username: str) -> dict[str, str]:
    await ensure_user(app, username, f"{username}-password", "customer")
    return await log_in(client, username, f"{username}-password")


# --- the audit log ----------------------------------------------------------------------------------------------

TENANT = get_settings().app.default_tenant_id


async def add_audit_entries(db: asyncpg.Connection, count: int, *, same_moment_every: int = 3) -> list[UUID]:
    """`count` entries, several sharing each moment (as the events of one transaction do); ids newest first."""
    start = utc_now() - timedelta(days=1)
    rows = [
        (
            uuid4(),
            TENANT,
            "ProductCreated",
            "product",
            uuid4(),
            None,
            "system",
            f"req-{n}",
            start + timedelta(seconds=n // same_moment_every),
            utc_now(),
            json.dumps({"n": n}),
        )
        for n in range(count)
    ]
    await db.executemany(
        "INSERT INTO audit_log (event_id, tenant_id, event_type, aggregate_type, aggregate_id, actor_id, actor_name, "
        "request_id, occurred_at, recorded_at, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        rows,
    )
    ordered = sorted(rows, key=lambda row: (row[8], row[0]), reverse=True)
    return [row[0] for row in ordered]


async def test_walking_250_audit_entries_returns_each_once_newest_first_while_new_ones_are_recorded(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    csrf = await as_admin(app, client)
    await add_audit_entries(db, 250)
    rows = await db.fetch("SELECT event_id FROM audit_log ORDER BY occurred_at DESC, event_id DESC")
    expected = [row["event_id"] for row in rows]  # the 250, and what setting up the admin recorded
    assert len(expected) >= 250
    seen: list[str] = []
    link: str | None = f"{AUDIT}?limit=100"
    pages = 0
    while link is not None:
        page = await client.get(link)
        assert page.status_code == 200, page.text
        seen += [entry["event_id"] for entry in page.json()["items"]]
        link = next_link(page)
        pages += 1
        if pages == 1:  # a change made meanwhile is newer than every page still to come: it does not show there
            await create(client, GROUPS, csrf, {"name": "meanwhile"}, "meanwhile")
    assert pages == -(-len(expected) // 100) and seen == [str(event_id) for event_id in expected]
    newest = (await client.get(AUDIT, params={"limit": 1})).json()["items"][0]
    assert newest["event_type"] == "UserGroupCreated" and newest["actor_name"] == "vic"
    assert newest["occurred_at"].endswith("Z") and newest["payload"]["name"] == "meanwhile"


async def test_the_audit_log_filters_by_what_the_service_supports(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    csrf = await as_admin(app, client)
    group = (await create(client, GROUPS, csrf, {"name": "filtered"}, "filtered")).json()
    vic = await user_id_of(db, "vic")
    by_object = (await client.get(AUDIT, params={"aggregate_id": group["id"]})).json()["items"]
    assert [entry["event_type"] for entry in by_object] == ["UserGroupCreated"]
    assert by_object[0]["actor_id"] == vic and by_object[0]["aggregate_type"] == "UserGroup"
    by_type = (await client.get(AUDIT, params={"event_type": "UserGroupCreated", "actor_id": vic})).json()["items"]
    assert [entry["aggregate_id"] for entry in by_type] == [group["id"]]
    later = (utc_now() + timedelta(hours=1)).isoformat()
    assert (await client.get(AUDIT, params={"since": later})).json()["items"] == []
    assert (await client.get(AUDIT, params={"until": "2000-01-01T00:00:00"})).json()["items"] == []
    for params in ({"since": "yesterday"}, {"actor_id": "me"}, {"event_type": "\x00"}, {"cursor": "x"}):
        body = assert_problem(
            await client.get(AUDIT, params=params), 422, "invalid-cursor" if "cursor" in params else "validation-failed"
        )
        assert [error["field"] for error in body["errors"]] == list(params)


async def test_the_openapi_document_describes_the_admin_operations(client: Client):
    schema = (await client.get("/api/v2/openapi.json")).json()
    create_user = schema["paths"]["/api/v2/users"]["post"]
    key = next(p for p in create_user["parameters"] if p["name"] == "Idempotency-Key")
    assert key["in"] == "header" and key["required"] is True
    assert {"201", "400", "409", "422"} <= set(create_user["responses"])
    for path in (USERS, GROUPS, FLAGS, REPORT, AUDIT):
        operation = schema["paths"][path]["get"]
        assert "Link" in operation["responses"]["200"]["headers"] and "403" in operation["responses"]
    assert "428" in schema["paths"]["/api/v2/users/{user_id}"]["patch"]["responses"]
    optional = [
        ("/api/v2/products/{product_id}", "patch"),
        ("/api/v2/products/{product_id}", "delete"),
        ("/api/v2/users/{user_id}", "patch"),
        ("/api/v2/flags/{name}", "patch"),
        ("/api/v2/groups/{group_id}", "delete"),
        ("/api/v2/groups/{group_id}/members/{user_id}", "put"),
        ("/api/v2/groups/{group_id}/members/{user_id}", "delete"),
    ]
    for path, method in optional:
        operation = schema["paths"][path][method]
        key = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
        assert key["required"] is False and {"400", "409", "422"} <= set(operation["responses"]), (path, method)
    delete_group = schema["paths"]["/api/v2/groups/{group_id}"]["delete"]
    assert any(p["name"] == "If-Match" and p["required"] for p in delete_group["parameters"])
    assert {"412", "428"} <= set(delete_group["responses"])
