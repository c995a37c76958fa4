"""Feature flags, user groups and user administration on real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.domain.errors import PermissionDenied
from app.domain.flags import DuplicateFlag, FlagNotFound, GroupNotFound
from app.domain.users import LastAdmin, Role, UserContext, UserNotFound
from tests.integration.conftest import csrf_from, ensure_user, login, make_user


async def test_flag_targeting_follows_the_rule(shop: Any, db: asyncpg.Connection):
    admin = await make_user(shop, db, "admin", "admin")
    alice, bob = await make_user(shop, db, "alice"), await make_user(shop, db, "bob")
    beta = await shop.flags.create_group(admin, name="beta_testers", description="Early access")
    await shop.flags.add_member(admin, beta.id, alice.user_id)
    await shop.flags.create_flag(admin, name="everyone", enabled=True)
    await shop.flags.create_flag(admin, name="dormant", enabled=False)
    await shop.flags.create_flag(admin, name="beta_only", enabled=True)
    await shop.flags.set_targets(admin, "beta_only", {beta.id})

    async def flags_of(user: UserContext) -> list[str]:
        if user.user_id is not None:
            user = await shop.auth.current_user(user.tenant_id, user.user_id)  # reload groups, as a request does
        return await shop.flags.enabled_flags(user)

    assert await flags_of(alice) == ["beta_only", "everyone"]
    assert await flags_of(bob) == ["everyone"]
    assert await flags_of(UserContext.anonymous(admin.tenant_id)) == ["everyone"]
    assert not await shop.flags.is_enabled(bob, "no_such_flag")

    await shop.flags.delete_group(admin, beta.id)  # removes it from every flag's targets
    assert (await shop.flags.get_flag(admin, "beta_only")).target_group_ids == set()
    assert await flags_of(bob) == ["beta_only", "everyone"]  # enabled with no targets: on for all
    events = await db.fetch("SELECT event_type FROM audit_log WHERE aggregate_type IN ('FeatureFlag','UserGroup')")
    assert {"UserGroupDeleted", "FeatureFlagTargetsChanged", "UserAddedToGroup"} <= {e["event_type"] for e in events}


async def test_flag_and_group_administration_errors(shop: Any, db: asyncpg.Connection):
    admin = await make_user(shop, db, "admin", "admin")
    customer = await make_user(shop, db, "carol")
    await shop.flags.create_flag(admin, name="new_dashboard", enabled=True, description="New UI")

    with pytest.raises(DuplicateFlag):
        await shop.flags.create_flag(admin, name="new_dashboard")
    with pytest.raises(FlagNotFound):
        await shop.flags.update_flag(admin, "missing", enabled=True)
    with pytest.raises(GroupNotFound):
        await shop.flags.add_target(admin, "new_dashboard", uuid.uuid4())
    with pytest.raises(PermissionDenied, match="Only admins can manage feature flags"):
        await shop.flags.list_flags(customer)
    updated = await shop.flags.update_flag(admin, "new_dashboard", enabled=False)
    assert not updated.enabled
    await shop.flags.delete_flag(admin, "new_dashboard")
    assert await shop.flags.list_flags(admin) == []


async def test_a_role_change_applies_on_the_next_request_and_rotates_the_session(
    app: Litestar, client: AsyncTestClient[Litestar]
):
    await ensure_user(app, "admin", "admin", "admin")
    await ensure_user(app, "dora", "dora-password", "customer")
    await login(client, "dora", "dora-password")
    assert (await client.get("/admin/products")).status_code == 403
    before = client.cookies.get("sessionid")

    container = app.state.container
    admin = await _portal_call(
        client, container.auth.authenticate, container.settings.app.default_tenant_id, "admin", "admin"
    )
    dora = next(u for u in await _portal_call(client, container.users.list_users, admin) if u.username == "dora")
    await _portal_call(client, container.users.change_role, admin, dora.id, "admin")

    page = await client.get("/admin/products")
    assert page.status_code == 200  # admin rights at once, no new login
    assert client.cookies.get("sessionid") != before  # and a new session id
    assert "dora" in page.text and csrf_from(page.text)
    assert Role.ADMIN.value in page.text


async def _portal_call(client: AsyncTestClient[Litestar], fn: Any, *args: Any) -> Any:
    return await asyncio.to_thread(client.blocking_portal.call, fn, *args)


async def roles(db: asyncpg.Connection) -> dict[str, str]:
    return {row["username"]: row["role"] for row in await db.fetch("SELECT username, role FROM app_user")}


async def test_the_last_admin_cannot_make_themselves_a_customer_on_the_users_page(
    app: Litestar, client: AsyncTestClient[Litestar], db: asyncpg.Connection
) -> None:
    await ensure_user(app, "admin", "admin", "admin")
    token = await login(client, "admin", "admin")
    admin_id = await db.fetchval("SELECT id FROM app_user WHERE username = 'admin'")
    refusal = "admin is the last admin: make another user an admin first"

    plain = await client.post(f"/admin/users/{admin_id}/role", data={"role": "customer", "csrf_token": token})
    over_htmx = await client.post(
        f"/admin/users/{admin_id}/role", data={"role": "customer"}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )

    assert (plain.status_code, over_htmx.status_code) == (409, 409)
    assert refusal in plain.text and refusal in over_htmx.text
    assert over_htmx.text.lstrip().startswith("<tr"), "htmx swaps the answer in place of the row: it must be the row"
    assert await roles(db) == {"admin": "admin"}
    assert (await client.get("/admin/users")).status_code == 200  # still an admin


async def test_an_admin_may_step_down_while_another_admin_remains(shop: Any, db: asyncpg.Connection) -> None:
    ada, bea = await make_user(shop, db, "ada", "admin"), await make_user(shop, db, "bea", "admin")
    await shop.users.change_role(ada, ada.user_id, "customer")
    with pytest.raises(LastAdmin):
        await shop.users.change_role(ada, bea.user_id, "customer")  # ada acts on a context from before
    assert await roles(db) == {"ada": "customer", "bea": "admin"}
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE event_type = 'UserRoleChanged'") == 1


async def waiting_for_a_lock(db: asyncpg.Connection, count: int) -> None:
    """Until `count` other sessions of this database wait for a lock (pg_stat_activity says so)."""
    deadline = time.monotonic() + 10
    sql = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    while True:
        await db.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view is read once
        if await db.fetchval(sql) >= count:
            return
        assert time.monotonic() < deadline, "the demotions never reached the admins' rows"
        await asyncio.sleep(0.01)


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(shop: Any, db: asyncpg.Connection) -> None:
    ada, bea = await make_user(shop, db, "ada", "admin"), await make_user(shop, db, "bea", "admin")

    # Hold the admins' rows, so both demotions are under way, each on its own connection, before either
    # can go on: then let them race. Without the service's lock both would see two admins and succeed.
    async with db.transaction():
        await db.execute("SELECT id FROM app_user WHERE role = 'admin' FOR UPDATE")
        demotions = [
            asyncio.create_task(shop.users.change_role(ada, bea.user_id, "customer")),
            asyncio.create_task(shop.users.change_role(bea, ada.user_id, "customer")),
        ]
        await waiting_for_a_lock(db, 2)
    outcomes = await asyncio.gather(*demotions, return_exceptions=True)

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["LastAdmin", "User"]
    assert sorted((await roles(db)).values()) == ["admin", "customer"]


async def test_one_user_is_read_alone_with_their_groups(shop: Any, db: asyncpg.Connection) -> None:
    admin = await make_user(shop, db, "admin", "admin")
    alice = await make_user(shop, db, "alice")
    await make_user(shop, db, "bob")
    beta = await shop.flags.create_group(admin, name="beta_testers")
    alpha = await shop.flags.create_group(admin, name="alpha_testers")
    for group in (beta, alpha):
        await shop.flags.add_member(admin, group.id, alice.user_id)

    found = await shop.users.get_user(admin, alice.user_id)

    assert (found.id, found.username, found.role) == (alice.user_id, "alice", "customer")
    assert (found.group_ids, found.group_names) == ((alpha.id, beta.id), ("alpha_testers", "beta_testers"))
    assert found == next(u for u in await shop.users.list_users(admin) if u.id == alice.user_id)
    elsewhere = UserContext(user_id=None, username="system", role=Role.ADMIN, tenant_id=uuid.uuid4())
    for who, user_id in ((admin, uuid.uuid4()), (elsewhere, alice.user_id)):  # unknown; another tenant's
        with pytest.raises(UserNotFound):
            await shop.users.get_user(who, user_id)
