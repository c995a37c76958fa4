"""API v1 user groups (api-v1.md §8.4): create, read, delete, members; errors and check order."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from litestar import Litestar

from tests.contract import shapes
from tests.contract.conftest import Client, add_group, become, user_id_of
from tests.integration.conftest import ensure_user

GROUPS = "/api/v1/admin/user-groups/"
INVALID_UUID = {"error": "Invalid UUID: badly formed hexadecimal UUID string"}


def denied(op: str) -> dict[str, str]:
    return {"error": f"Permission denied for '{op}': Only admins can manage user groups"}


async def test_an_admin_creates_a_group_and_reads_it_back(client: Client, admin: dict[str, str]):
    response = await client.post(
        f"{GROUPS}create/", json={"name": " beta_testers ", "description": "Beta"}, headers=admin
    )

    assert response.status_code == 201
    body = response.json()
    shapes.group(body)
    assert (body["name"], body["description"]) == ("beta_testers", "Beta")
    assert (await client.get(f"{GROUPS}{body['id']}/")).json() == body
    assert (await client.get(f"{GROUPS}{body['id'].upper()}/")).json() == body
    assert (await client.get(GROUPS)).json() == {"results": [body]}


async def test_description_defaults_to_empty(client: Client, admin: dict[str, str]):
    for body in ({"name": "a"}, {"name": "b", "description": None}):  # null crashed v1 (500)
        response = await client.post(f"{GROUPS}create/", json=body, headers=admin)
        assert (response.status_code, response.json()["description"]) == (201, "")


async def test_groups_are_listed_by_name(app: Litestar, client: Client, admin: dict[str, str]):
    for name in ("beta", "Zeta", "alpha"):
        await add_group(app, name)
    body = (await client.get(GROUPS)).json()
    for group in body["results"]:
        shapes.group(group)
    assert [group["name"] for group in body["results"]] == ["Zeta", "alpha", "beta"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "Group name is required"),
        ({"name": " "}, "Group name is required"),
        ({"name": "has space"}, "Use up to 100 letters, digits and _ . : - (no spaces)"),
        ({"name": "x", "description": ["x"]}, "Description must be text"),
    ],
)
async def test_invalid_groups_are_refused_without_a_field(
    client: Client, admin: dict[str, str], body: dict[str, Any], error: str
):
    response = await client.post(f"{GROUPS}create/", json=body, headers=admin)
    assert (response.status_code, response.json()) == (400, {"error": error})


async def test_a_group_name_is_unique(app: Litestar, client: Client, admin: dict[str, str]):
    await add_group(app, "beta")
    response = await client.post(f"{GROUPS}create/", json={"name": "beta"}, headers=admin)
    assert (response.status_code, response.json()) == (400, {"error": "Group 'beta' already exists"})


async def test_deleting_a_group_answers_204(app: Litestar, client: Client, admin: dict[str, str]):
    group = await add_group(app)
    response = await client.delete(f"{GROUPS}{group}/", headers=admin)
    assert (response.status_code, response.content) == (204, b"")
    assert (await client.get(f"{GROUPS}{group}/")).json() == {"error": f"Group '{group}' not found"}


async def test_an_unknown_group_is_404(client: Client, admin: dict[str, str]):
    unknown = str(uuid4())
    for method, path, body in [
        ("GET", f"{GROUPS}{unknown}/", None),
        ("DELETE", f"{GROUPS}{unknown}/", None),
        ("GET", f"{GROUPS}{unknown}/users/", None),
        ("POST", f"{GROUPS}{unknown}/users/", {"user_id": str(uuid4())}),
        ("DELETE", f"{GROUPS}{unknown}/users/{uuid4()}/", None),
    ]:
        response = await client.request(method, path, json=body, headers=admin)
        assert (response.status_code, response.json()) == (404, {"error": f"Group '{unknown}' not found"}), method


async def test_members_are_added_listed_and_removed(
    app: Litestar, client: Client, admin: dict[str, str], db: asyncpg.Connection
):
    await ensure_user(app, "alice", "alice-password", "customer")
    alice, boss = await user_id_of(db, "alice"), await user_id_of(db, "boss")
    group = await add_group(app)

    added = await client.post(f"{GROUPS}{group}/users/", json={"user_id": alice}, headers=admin)
    again = await client.post(f"{GROUPS}{group}/users/", json={"user_id": alice}, headers=admin)
    await client.post(f"{GROUPS}{group}/users/", json={"user_id": boss}, headers=admin)
    both = (await client.get(f"{GROUPS}{group}/users/")).json()
    removed = await client.delete(f"{GROUPS}{group}/users/{boss}/", headers=admin)
    removed_again = await client.delete(f"{GROUPS}{group}/users/{boss}/", headers=admin)
    remaining = (await client.get(f"{GROUPS}{group}/users/")).json()

    assert (added.status_code, added.json()) == (again.status_code, again.json()) == (201, {"status": "added"})
    assert both == {"user_ids": sorted([alice, boss])}
    assert (removed.status_code, removed.content) == (removed_again.status_code, removed_again.content) == (204, b"")
    assert remaining == {"user_ids": [alice]}


async def test_adding_an_unknown_user_is_404_not_a_crash(app: Litestar, client: Client, admin: dict[str, str]):
    group, unknown = await add_group(app), str(uuid4())
    response = await client.post(f"{GROUPS}{group}/users/", json={"user_id": unknown}, headers=admin)
    assert (response.status_code, response.json()) == (404, {"error": f"User '{unknown}' not found"})


@pytest.mark.parametrize("role", ["admin", "customer"])
async def test_malformed_ids_are_400_even_before_the_role_check(app: Litestar, client: Client, role: str):
    group = await add_group(app)
    headers = await become(app, client, "someone", role)
    for method, path, body in [
        ("GET", f"{GROUPS}nope/", None),
        ("DELETE", f"{GROUPS}nope/", None),
        ("GET", f"{GROUPS}nope/users/", None),
        ("POST", f"{GROUPS}nope/users/", {"user_id": str(uuid4())}),
        ("POST", f"{GROUPS}{group}/users/", {"user_id": "nope"}),
        ("POST", f"{GROUPS}{group}/users/", {}),
        ("DELETE", f"{GROUPS}{group}/users/nope/", None),
        ("DELETE", f"{GROUPS}nope/users/{uuid4()}/", None),
    ]:
        response = await client.request(method, path, json=body, headers=headers)
        assert (response.status_code, response.json()) == (400, INVALID_UUID), (method, path, body)


async def test_customers_get_the_user_group_permission_messages(
    app: Litestar, client: Client, customer: dict[str, str], db: asyncpg.Connection
):
    group, alice = await add_group(app), await user_id_of(db, "alice")
    cases = [
        ("GET", GROUPS, None, "list_user_groups"),
        ("POST", f"{GROUPS}create/", {"name": "g"}, "create_user_group"),
        ("GET", f"{GROUPS}{group}/", None, "get_user_group"),
        ("DELETE", f"{GROUPS}{group}/", None, "delete_user_group"),
        ("GET", f"{GROUPS}{group}/users/", None, "list_group_members"),
        ("POST", f"{GROUPS}{group}/users/", {"user_id": alice}, "add_user_to_group"),
        ("DELETE", f"{GROUPS}{group}/users/{alice}/", None, "remove_user_from_group"),
        ("GET", f"{GROUPS}{uuid4()}/", None, "get_user_group"),  # the role is checked before the lookup
    ]
    for method, path, body, op in cases:
        response = await client.request(method, path, json=body, headers=customer)
        assert (response.status_code, response.json()) == (403, denied(op)), (method, path)


async def test_anonymous_callers_get_401_before_any_input_is_read(client: Client):
    for method, path in [
        ("GET", GROUPS),
        ("POST", f"{GROUPS}create/"),
        ("GET", f"{GROUPS}nope/"),
        ("DELETE", f"{GROUPS}nope/"),
        ("GET", f"{GROUPS}nope/users/"),
        ("POST", f"{GROUPS}nope/users/"),
        ("DELETE", f"{GROUPS}nope/users/nope/"),
    ]:
        response = await client.request(method, path, json={"user_id": "nope"})
        assert (response.status_code, response.json()) == (401, {"error": "Authentication required"}), method


async def test_create_shadows_a_group_path_named_create(client: Client, admin: dict[str, str]):
    for method in ("GET", "DELETE"):
        response = await client.request(method, f"{GROUPS}create/", headers=admin)
        assert (response.status_code, response.json()) == (405, {"detail": f'Method "{method}" not allowed.'})
