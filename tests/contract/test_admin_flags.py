"""API v1 feature flags (api-v1.md §8.3): create, read, switch, delete, target groups; errors and check order."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from litestar import Litestar

from tests.contract import shapes
from tests.contract.conftest import Client, add_flag, add_group, become, user_id_of

FLAGS = "/api/v1/admin/feature-flags/"
INVALID_UUID = {"error": "Invalid UUID: badly formed hexadecimal UUID string"}


def denied(op: str) -> dict[str, str]:
    return {"error": f"Permission denied for '{op}': Only admins can manage feature flags"}


async def test_an_admin_creates_a_flag_and_reads_it_back(client: Client, admin: dict[str, str]):
    response = await client.post(
        f"{FLAGS}create/", json={"name": " new_dashboard ", "enabled": True, "description": "New UI"}, headers=admin
    )

    assert response.status_code == 201
    body = response.json()
    shapes.flag(body)
    assert (body["name"], body["enabled"], body["description"], body["target_group_ids"]) == (
        "new_dashboard",
        True,
        "New UI",
        [],
    )
    assert (await client.get(f"{FLAGS}new_dashboard/")).json() == body
    assert (await client.get(FLAGS)).json() == {"results": [body]}


async def test_enabled_defaults_to_false_and_description_to_empty(client: Client, admin: dict[str, str]):
    absent = (await client.post(f"{FLAGS}create/", json={"name": "a"}, headers=admin)).json()
    null = (
        await client.post(f"{FLAGS}create/", json={"name": "b", "enabled": None, "description": None}, headers=admin)
    ).json()
    assert (absent["enabled"], absent["description"]) == (False, "")
    assert (null["enabled"], null["description"]) == (False, "")  # description null crashed v1 (500)


async def test_flags_are_listed_by_name_uppercase_first(app: Litestar, client: Client, admin: dict[str, str]):
    for name in ("beta", "Zeta", "alpha"):
        await add_flag(app, name)
    body = (await client.get(FLAGS)).json()
    for flag in body["results"]:
        shapes.flag(flag)
    assert [flag["name"] for flag in body["results"]] == ["Zeta", "alpha", "beta"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "Flag name is required"),
        ({"name": "   "}, "Flag name is required"),
        ({"name": "has space"}, "Use up to 100 letters, digits and _ . : - (no spaces)"),
        ({"name": "x", "enabled": "yes"}, "enabled must be true or false"),
        ({"name": "x", "description": 5}, "Description must be text"),
    ],
)
async def test_invalid_flags_are_refused_without_a_field(
    client: Client, admin: dict[str, str], body: dict[str, Any], error: str
):
    response = await client.post(f"{FLAGS}create/", json=body, headers=admin)
    assert response.status_code == 400
    assert response.json() == {"error": error}


async def test_a_flag_name_is_unique(app: Litestar, client: Client, admin: dict[str, str]):
    await add_flag(app, "new_dashboard")
    response = await client.post(f"{FLAGS}create/", json={"name": "new_dashboard"}, headers=admin)
    assert (response.status_code, response.json()) == (400, {"error": "Flag 'new_dashboard' already exists"})


async def test_an_unknown_flag_is_404_named_as_sent(client: Client, admin: dict[str, str]):
    for method, path in [
        ("GET", f"{FLAGS}Nope/"),
        ("PUT", f"{FLAGS}Nope/"),
        ("DELETE", f"{FLAGS}Nope/"),
        ("PUT", f"{FLAGS}Nope/targets/"),
        ("POST", f"{FLAGS}Nope/targets/add/"),
        ("DELETE", f"{FLAGS}Nope/targets/{uuid4()}/"),
    ]:
        body = {"group_id": str(uuid4())} if path.endswith("add/") else {}
        response = await client.request(method, path, json=body, headers=admin)
        assert (response.status_code, response.json()) == (404, {"error": "Flag 'Nope' not found"}), (method, path)
    nul = await client.get(f"{FLAGS}a%00b/")
    assert (nul.status_code, nul.json()) == (404, {"error": "Flag 'a\x00b' not found"})


async def test_put_changes_only_what_is_sent_and_always_bumps_updated_at(
    app: Litestar, client: Client, admin: dict[str, str]
):
    await add_flag(app, "f", enabled=True)
    before = (await client.get(f"{FLAGS}f/")).json()

    empty = (await client.put(f"{FLAGS}f/", json={}, headers=admin)).json()
    switched = (await client.put(f"{FLAGS}f/", json={"enabled": False, "description": None}, headers=admin)).json()
    described = (await client.put(f"{FLAGS}f/", json={"description": "Now described"}, headers=admin)).json()

    assert (empty["enabled"], empty["description"]) == (True, "")
    moments = [datetime.fromisoformat(flag["updated_at"]) for flag in (before, empty, switched, described)]
    assert moments == sorted(moments) and len(set(moments)) == 4
    assert (switched["enabled"], switched["description"]) == (False, "")
    assert (described["enabled"], described["description"]) == (False, "Now described")
    assert described["created_at"] == before["created_at"]


async def test_put_refuses_a_non_boolean_enabled(app: Litestar, client: Client, admin: dict[str, str]):
    await add_flag(app, "f")
    response = await client.put(f"{FLAGS}f/", json={"enabled": "false"}, headers=admin)
    assert (response.status_code, response.json()) == (400, {"error": "enabled must be true or false"})


async def test_delete_answers_204_and_the_flag_is_gone(app: Litestar, client: Client, admin: dict[str, str]):
    await add_flag(app, "f")
    response = await client.delete(f"{FLAGS}f/", headers=admin)
    assert (response.status_code, response.content) == (204, b"")
    assert (await client.get(f"{FLAGS}f/")).status_code == 404


async def test_targets_are_set_added_and_removed_without_bumping_updated_at(
    app: Litestar, client: Client, admin: dict[str, str]
):
    await add_flag(app, "f")
    one, two = await add_group(app), await add_group(app)
    before = (await client.get(f"{FLAGS}f/")).json()

    replaced = await client.put(f"{FLAGS}f/targets/", json={"group_ids": [one, two.upper()]}, headers=admin)
    removed = await client.delete(f"{FLAGS}f/targets/{one}/", headers=admin)
    removed_again = await client.delete(f"{FLAGS}f/targets/{one}/", headers=admin)
    added = await client.post(f"{FLAGS}f/targets/add/", json={"group_id": one}, headers=admin)
    added_again = await client.post(f"{FLAGS}f/targets/add/", json={"group_id": one}, headers=admin)
    cleared = await client.put(f"{FLAGS}f/targets/", json={}, headers=admin)

    for response in (replaced, removed, removed_again, added, added_again, cleared):
        assert response.status_code == 200
        shapes.flag(response.json())
        assert response.json()["updated_at"] == before["updated_at"]
    assert replaced.json()["target_group_ids"] == sorted([one, two])
    assert removed.json()["target_group_ids"] == removed_again.json()["target_group_ids"] == [two]
    assert added.json()["target_group_ids"] == added_again.json()["target_group_ids"] == sorted([one, two])
    assert cleared.json()["target_group_ids"] == []


async def test_an_unknown_target_group_is_404_not_a_crash(app: Litestar, client: Client, admin: dict[str, str]):
    await add_flag(app, "f")
    unknown = str(uuid4())
    for response in (
        await client.put(f"{FLAGS}f/targets/", json={"group_ids": [unknown]}, headers=admin),
        await client.post(f"{FLAGS}f/targets/add/", json={"group_id": unknown}, headers=admin),
    ):
        assert (response.status_code, response.json()) == (404, {"error": f"Group '{unknown}' not found"})


async def test_deleting_a_group_removes_it_from_every_flags_targets(
    app: Litestar, client: Client, admin: dict[str, str]
):
    group = await add_group(app)
    await add_flag(app, "f", targets=(group,))
    await client.delete(f"/api/v1/admin/user-groups/{group}/", headers=admin)
    assert (await client.get(f"{FLAGS}f/")).json()["target_group_ids"] == []


@pytest.mark.parametrize("role", ["admin", "customer"])
async def test_malformed_group_ids_are_400_even_before_the_role_check(
    app: Litestar, client: Client, db: asyncpg.Connection, role: str
):
    await add_flag(app, "f")
    headers = await become(app, client, "someone", role)
    for method, path, body in [
        ("PUT", f"{FLAGS}f/targets/", {"group_ids": ["nope"]}),
        ("PUT", f"{FLAGS}f/targets/", {"group_ids": [5]}),
        ("PUT", f"{FLAGS}f/targets/", {"group_ids": "nope"}),
        ("PUT", f"{FLAGS}f/targets/", {"group_ids": None}),
        ("POST", f"{FLAGS}f/targets/add/", {"group_id": "nope"}),
        ("POST", f"{FLAGS}f/targets/add/", {}),
        ("DELETE", f"{FLAGS}f/targets/nope/", None),
    ]:
        response = await client.request(method, path, json=body, headers=headers)
        assert (response.status_code, response.json()) == (400, INVALID_UUID), (method, path, body)


async def test_customers_get_the_feature_flag_permission_messages(
    app: Litestar, client: Client, customer: dict[str, str]
):
    await add_flag(app, "f")
    group = await add_group(app)
    cases = [
        ("GET", FLAGS, None, "list_feature_flags"),
        ("GET", f"{FLAGS}f/", None, "get_feature_flag"),
        ("POST", f"{FLAGS}create/", {"name": "g"}, "create_feature_flag"),
        ("PUT", f"{FLAGS}f/", {"enabled": False}, "update_feature_flag"),
        ("DELETE", f"{FLAGS}f/", None, "delete_feature_flag"),
        ("PUT", f"{FLAGS}f/targets/", {"group_ids": [group]}, "set_flag_target_groups"),
        ("POST", f"{FLAGS}f/targets/add/", {"group_id": group}, "add_flag_target_group"),
        ("DELETE", f"{FLAGS}f/targets/{group}/", None, "remove_flag_target_group"),
        ("GET", f"{FLAGS}missing/", None, "get_feature_flag"),  # the role is checked before the lookup
    ]
    for method, path, body, op in cases:
        response = await client.request(method, path, json=body, headers=customer)
        assert (response.status_code, response.json()) == (403, denied(op)), (method, path)


async def test_anonymous_callers_get_401_before_any_input_is_read(client: Client):
    for method, path in [
        ("GET", FLAGS),
        ("POST", f"{FLAGS}create/"),
        ("GET", f"{FLAGS}f/"),
        ("PUT", f"{FLAGS}f/"),
        ("DELETE", f"{FLAGS}f/"),
        ("PUT", f"{FLAGS}f/targets/"),
        ("POST", f"{FLAGS}f/targets/add/"),
        ("DELETE", f"{FLAGS}f/targets/nope/"),
    ]:
        response = await client.request(method, path, json={"group_ids": ["nope"], "group_id": "nope"})
        assert (response.status_code, response.json()) == (401, {"error": "Authentication required"}), method


async def test_create_shadows_a_flag_named_create(client: Client, admin: dict[str, str]):
    created = await client.post(f"{FLAGS}create/", json={"name": "create"}, headers=admin)
    assert created.status_code == 201
    for method in ("GET", "PUT", "DELETE"):
        response = await client.request(method, f"{FLAGS}create/", headers=admin)
        assert (response.status_code, response.json()) == (405, {"detail": f'Method "{method}" not allowed.'})


async def test_enabled_flags_follow_targeting_in_the_session_user(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await become(app, client, "alice")
    beta = await add_group(app, members=(await user_id_of(db, "alice"),))
    await add_flag(app, "for_everyone")
    await add_flag(app, "for_beta", targets=(beta,))
    await add_flag(app, "for_others", targets=(await add_group(app),))
    await add_flag(app, "switched_off", enabled=False)

    user = (await client.get("/api/v1/auth/session/")).json()["user"]

    assert user["enabled_flags"] == ["for_beta", "for_everyone"]
