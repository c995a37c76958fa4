"""Feature flags, user groups and user administration on real PostgreSQL and Redis."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.domain.errors import PermissionDenied
from app.domain.flags import DuplicateFlag, FlagNotFound, GroupNotFound
from app.domain.users import Role, UserContext
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
    import asyncio

    return await asyncio.to_thread(client.blocking_portal.call, fn, *args)
