"""API v1 user administration (api-v1.md §8.5): list, read, change role, group memberships; errors and check order."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest
from litestar import Litestar

from tests.contract import shapes
from tests.contract.conftest import Client, add_group, become, log_in, user_id_of
from tests.integration.conftest import ensure_user

USERS = "/api/v1/admin/users/"
DENIED = {"error": "Permission denied for 'Admin access required': Insufficient permissions"}
INVALID_UUID = {"error": "Invalid UUID: badly formed hexadecimal UUID string"}


async def arrange_alice(app: Litestar, db: asyncpg.Connection) -> str:
    await ensure_user(app, "alice", "alice-password", "customer")
    return await user_id_of(db, "alice")


async def test_users_are_listed_by_username_with_email_and_groups(
    app: Litestar, client: Client, admin: dict[str, str], db: asyncpg.Connection
):
    alice = await arrange_alice(app, db)
    await ensure_user(app, "Zed", "zed-password", "customer")
    group = await add_group(app, members=(alice,))

    body = (await client.get(USERS)).json()

    assert list(body) == ["results"]
    for user in body["results"]:
        shapes.managed_user(user)
    assert [(u["username"], u["role"], u["group_ids"]) for u in body["results"]] == [
        ("Zed", "customer", []),
        ("alice", "customer", [group]),
        ("boss", "admin", []),
    ]
    assert body["results"][1] == {
        "id": alice,
        "username": "alice",
        "email": body["results"][1]["email"],
        "role": "customer",
        "group_ids": [group],
    }
    assert isinstance(body["results"][1]["email"], str)


async def test_one_user_is_read_by_id(app: Litestar, client: Client, admin: dict[str, str], db: asyncpg.Connection):
    alice = await arrange_alice(app, db)
    response = await client.get(f"{USERS}{alice}/")
    assert response.status_code == 200
    shapes.managed_user(response.json())
    assert (response.json()["id"], response.json()["username"]) == (alice, "alice")


async def test_an_unknown_user_is_404(app: Litestar, client: Client, admin: dict[str, str]):
    unknown, group = str(uuid4()), await add_group(app)
    for method, path, body in [
        ("GET", f"{USERS}{unknown}/", None),
        ("PUT", f"{USERS}{unknown}/", {"role": "admin"}),
        ("POST", f"{USERS}{unknown}/groups/", {"group_id": group}),
        ("DELETE", f"{USERS}{unknown}/groups/{group}/", None),
        ("POST", f"{USERS}{unknown}/groups/", {"group_id": str(uuid4())}),  # the user is looked up first
    ]:
        response = await client.request(method, path, json=body, headers=admin)
        assert (response.status_code, response.json()) == (404, {"error": f"User '{unknown}' not found"}), method


async def test_a_role_change_applies_from_the_users_next_call(app: Litestar, client: Client, db: asyncpg.Connection):
    alice = await arrange_alice(app, db)
    await log_in(client, "alice", "alice-password")
    alices_browser = httpx.Cookies(client.cookies)
    client.cookies.clear()
    admin = await become(app, client, "boss", "admin")

    promoted = await client.put(f"{USERS}{alice}/", json={"role": "admin"}, headers=admin)

    assert promoted.status_code == 200
    shapes.managed_user(promoted.json())
    assert (promoted.json()["id"], promoted.json()["role"]) == (alice, "admin")
    client.cookies = alices_browser  # Alice, still logged in from before, makes her next call
    session = (await client.get("/api/v1/auth/session/")).json()
    assert (session["user"]["username"], session["user"]["role"]) == ("alice", "admin")
    assert len(session["user"]["capabilities"]) == 12
    assert (await client.get(USERS)).status_code == 200


async def test_admins_may_demote_themselves(
    app: Litestar, client: Client, admin: dict[str, str], db: asyncpg.Connection
):
    await ensure_user(app, "deputy", "deputy-password", "admin")  # the last admin may not (below)
    boss = await user_id_of(db, "boss")
    response = await client.put(f"{USERS}{boss}/", json={"role": "customer"}, headers=admin)
    assert (response.status_code, response.json()["role"]) == (200, "customer")
    assert (await client.get(USERS)).json() == DENIED


async def test_the_last_admin_is_not_demoted_a_business_error_in_v1s_shape(
    app: Litestar, client: Client, admin: dict[str, str], db: asyncpg.Connection
) -> None:
    boss = await user_id_of(db, "boss")
    response = await client.put(f"{USERS}{boss}/", json={"role": "customer"}, headers=admin)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "boss is the last admin: make another user an admin first"},
    )
    assert (await client.get(f"{USERS}{boss}/")).json()["role"] == "admin"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "No updates provided"),
        ({"role": ""}, "No updates provided"),
        ({"role": None}, "No updates provided"),
        ({"role": "root"}, "Invalid role: root. Must be 'admin' or 'customer'"),
        ({"role": "Admin"}, "Invalid role: Admin. Must be 'admin' or 'customer'"),
        ({"role": 5}, "Invalid role: 5. Must be 'admin' or 'customer'"),
        ({"role": ["admin"]}, "Invalid role: ['admin']. Must be 'admin' or 'customer'"),
    ],
)
@pytest.mark.parametrize("role", ["admin", "customer"])
async def test_a_missing_or_invalid_role_is_400_even_before_the_role_check(
    app: Litestar, client: Client, db: asyncpg.Connection, body: dict[str, Any], error: str, role: str
):
    alice = await arrange_alice(app, db)
    headers = await become(app, client, "someone", role)
    for user_id in (alice, "nope"):  # the role is read before the id
        response = await client.put(f"{USERS}{user_id}/", json=body, headers=headers)
        assert (response.status_code, response.json()) == (400, {"error": error})


async def test_group_memberships_change_from_the_users_side(
    app: Litestar, client: Client, admin: dict[str, str], db: asyncpg.Connection
):
    alice = await arrange_alice(app, db)
    one, two = await add_group(app), await add_group(app)

    added = await client.post(f"{USERS}{alice}/groups/", json={"group_id": one}, headers=admin)
    again = await client.post(f"{USERS}{alice}/groups/", json={"group_id": one}, headers=admin)
    both = await client.post(f"{USERS}{alice}/groups/", json={"group_id": two}, headers=admin)
    removed = await client.delete(f"{USERS}{alice}/groups/{one}/", headers=admin)
    removed_again = await client.delete(f"{USERS}{alice}/groups/{one}/", headers=admin)
    not_a_group = await client.delete(f"{USERS}{alice}/groups/{uuid4()}/", headers=admin)

    for response in (added, again, both, removed, removed_again, not_a_group):
        assert response.status_code == 200
        shapes.managed_user(response.json())
        assert response.json()["id"] == alice
    assert added.json()["group_ids"] == again.json()["group_ids"] == [one]
    assert both.json()["group_ids"] == sorted([one, two])
    assert removed.json()["group_ids"] == removed_again.json()["group_ids"] == not_a_group.json()["group_ids"] == [two]
    assert (await client.get(f"/api/v1/admin/user-groups/{two}/users/")).json() == {"user_ids": [alice]}


async def test_adding_to_an_unknown_group_is_404_not_a_crash(
    app: Litestar, client: Client, admin: dict[str, str], db: asyncpg.Connection
):
    alice, unknown = await arrange_alice(app, db), str(uuid4())
    response = await client.post(f"{USERS}{alice}/groups/", json={"group_id": unknown}, headers=admin)
    assert (response.status_code, response.json()) == (404, {"error": f"Group '{unknown}' not found"})


@pytest.mark.parametrize("role", ["admin", "customer"])
async def test_malformed_ids_are_400_even_before_the_role_check(
    app: Litestar, client: Client, db: asyncpg.Connection, role: str
):
    alice, group = await arrange_alice(app, db), await add_group(app)
    headers = await become(app, client, "someone", role)
    for method, path, body in [
        ("GET", f"{USERS}nope/", None),
        ("PUT", f"{USERS}nope/", {"role": "admin"}),
        ("POST", f"{USERS}nope/groups/", {"group_id": group}),
        ("POST", f"{USERS}{alice}/groups/", {"group_id": "nope"}),
        ("POST", f"{USERS}{alice}/groups/", {}),
        ("DELETE", f"{USERS}nope/groups/{group}/", None),
        ("DELETE", f"{USERS}{alice}/groups/nope/", None),
    ]:
        response = await client.request(method, path, json=body, headers=headers)
        assert (response.status_code, response.json()) == (400, INVALID_UUID), (method, path, body)


async def test_customers_get_the_user_management_permission_message(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await ensure_user(app, "alice", "alice-password", "customer")
    alice, group = await user_id_of(db, "alice"), await add_group(app)
    customer = await log_in(client, "alice", "alice-password")
    for method, path, body in [
        ("GET", USERS, None),
        ("GET", f"{USERS}{alice}/", None),
        ("GET", f"{USERS}{uuid4()}/", None),
        ("PUT", f"{USERS}{alice}/", {"role": "admin"}),
        ("POST", f"{USERS}{alice}/groups/", {"group_id": group}),
        ("DELETE", f"{USERS}{alice}/groups/{group}/", None),
    ]:
        response = await client.request(method, path, json=body, headers=customer)
        assert (response.status_code, response.json()) == (403, DENIED), (method, path)


async def test_anonymous_callers_get_401_before_any_input_is_read(client: Client):
    for method, path in [
        ("GET", USERS),
        ("GET", f"{USERS}nope/"),
        ("PUT", f"{USERS}nope/"),
        ("POST", f"{USERS}nope/groups/"),
        ("DELETE", f"{USERS}nope/groups/nope/"),
    ]:
        response = await client.request(method, path, json={"role": "root", "group_id": "nope"})
        assert (response.status_code, response.json()) == (401, {"error": "Authentication required"}), method
