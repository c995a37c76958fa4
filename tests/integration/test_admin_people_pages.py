"""The admin pages for coupons, users, groups and feature flags, over HTTP.

Each action is exercised as htmx sends it (a fragment back: the form, a row or a card, with the
flash out of band) and, where it matters, as a plain form post (a redirect and a flash message).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.domain.events import utc_now
from app.domain.users import Role, UserContext
from app.settings import get_settings
from tests.integration.conftest import csrf_from, ensure_user, login, on_app_loop
from tests.support.markup import element_by_id as row

Client = AsyncTestClient[Litestar]
HTMX = {"HX-Request": "true"}
PAGES = ("/admin/coupons", "/admin/users", "/admin/groups", "/admin/flags")
OOB_FLASH = '<div id="flash-area" hx-swap-oob="innerHTML">'


# ---- Arranging: people, groups and flags through the app's own services ----


async def person(app: Litestar, db: asyncpg.Connection, username: str, role: str = "customer") -> UserContext:
    await ensure_user(app, username, f"{username}-password", role)
    user_id = await db.fetchval("SELECT id FROM app_user WHERE username = $1", username)
    return UserContext(
        user_id=user_id, username=username, role=Role(role), tenant_id=get_settings().app.default_tenant_id
    )


async def admin_session(app: Litestar, client: Client) -> str:
    """Log the administrator in; returns a CSRF token for the session."""
    await ensure_user(app, "admin", "admin", "admin")
    return await login(client, "admin", "admin")


async def as_admin(app: Litestar, db: asyncpg.Connection) -> UserContext:
    return await person(app, db, "admin", "admin")


async def group(app: Litestar, db: asyncpg.Connection, name: str, *members: UserContext) -> UUID:
    admin = await as_admin(app, db)
    created = await on_app_loop(app, app.state.container.flags.create_group, admin, name=name)
    for member in members:
        await on_app_loop(app, app.state.container.flags.add_member, admin, created.id, member.user_id)
    return UUID(str(created.id))


async def flag(
    app: Litestar, db: asyncpg.Connection, name: str, *, enabled: bool = True, targets: frozenset[UUID] = frozenset()
) -> None:
    admin = await as_admin(app, db)
    await on_app_loop(app, app.state.container.flags.create_flag, admin, name=name, enabled=enabled)
    if targets:
        await on_app_loop(app, app.state.container.flags.set_targets, admin, name, set(targets))


def second_browser(client: Client) -> Client:
    """Another browser on the same app: cookies of its own, requests served on the first client's loop
    (which owns the app's connection pool), so the app's lifespan is not started twice."""
    other: Client = AsyncTestClient(app=client.app, base_url=str(client.base_url))
    other.blocking_portal = client.blocking_portal
    other.follow_redirects = False
    return other


def text_of(response: Any) -> str:
    return html.unescape(response.text)


# ---- Who may see these pages ----


@pytest.mark.parametrize(
    ("path", "empty_state"),
    [
        ("/admin/coupons", "No coupons yet."),
        ("/admin/users", "No users found."),
        ("/admin/groups", "No user groups configured. Create your first group to enable feature flag targeting."),
        ("/admin/flags", "No feature flags configured. Create your first flag to get started."),
    ],
)
async def test_each_page_renders_for_an_admin_with_its_empty_state(
    app: Litestar, client: Client, path: str, empty_state: str
):
    await admin_session(app, client)
    page = await client.get(path)
    assert page.status_code == 200
    assert empty_state in page.text
    assert 'aria-current="page"' in page.text and f'href="{path}"' in page.text  # the admin navigation
    assert re.search(r'href="/static/css/admin-people\.[0-9a-f]{10}\.css"', page.text)


async def test_the_users_page_lists_everyone_with_role_and_groups_by_name(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await admin_session(app, client)
    alice = await person(app, db, "alice")
    await group(app, db, "beta_testers", alice)
    page = text_of(await client.get("/admin/users"))
    alice_row = row(page, f"user-{alice.user_id}")
    assert "alice" in alice_row and 'role-badge role-customer">customer<' in alice_row
    assert '<li class="chip">beta_testers' in alice_row
    assert 'role-badge role-admin">admin<' in page and "(you)" in page
    assert "No users found." in page  # present but hidden: shown by CSS only if the list empties
    assert '<div class="empty-state" hidden>' in page


@pytest.mark.parametrize("path", PAGES)
async def test_customers_get_403_and_visitors_the_login_page(app: Litestar, client: Client, path: str):
    anonymous = await client.get(path)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/login?next={path}"

    await ensure_user(app, "erin", "erin-password", "customer")
    await login(client, "erin", "erin-password")
    page = await client.get(path)
    assert page.status_code == 403
    assert "Not allowed" in page.text
    assert "Permission denied for" not in page.text  # the reason in words, not the operation's name
    token = csrf_from((await client.get("/")).text)
    refused = await client.post(path, data={"csrf_token": token, "name": "x", "code": "X", "username": "x"})
    assert refused.status_code == 403


# ---- Coupons ----


def coupon_form(token: str, **overrides: str) -> dict[str, str]:
    expires = (utc_now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    return {"csrf_token": token, "code": "SPRING10", "discount_percent": "10", "expires_at": expires, **overrides}


async def test_htmx_coupon_create_answers_a_blank_form_and_the_list_newest_first(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client)
    first = await client.post("/admin/coupons", data=coupon_form(token, code="first"), headers=HTMX)
    second = await client.post(
        "/admin/coupons", data=coupon_form(token, code="second", discount_percent="25"), headers=HTMX
    )

    assert (first.status_code, second.status_code) == (201, 201)
    fragment = text_of(second)
    assert fragment.lstrip().startswith('<section class="card" id="coupon-form"')
    assert 'name="code" type="text" value=""' in fragment  # the form is blank again
    assert '<section class="card collection" id="coupon-list"' in fragment and 'hx-swap-oob="true"' in fragment
    assert fragment.index("SECOND") < fragment.index("FIRST")  # newest first
    new_row = row(fragment, f"coupon-{await db.fetchval('SELECT id FROM coupon WHERE code = $1', 'SECOND')}")
    assert "is-new" in new_row and "25%" in new_row and ">Active<" in new_row
    assert OOB_FLASH in fragment and "Coupon SECOND created: 25% off until" in fragment
    assert "<html" not in fragment


async def test_every_coupon_mistake_is_shown_beside_its_field_at_once(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client)
    response = await client.post(
        "/admin/coupons",
        data=coupon_form(token, code="  ", discount_percent="abc", expires_at="next tuesday"),
        headers=HTMX,
    )
    assert response.status_code == 422
    fragment = text_of(response)
    assert 'id="error-code">Coupon code cannot be empty<' in fragment
    assert 'id="error-discount_percent">Discount must be a number, such as 10 or 12.5<' in fragment
    assert 'id="error-expires_at">Enter a date and time, such as 2030-12-31 23:59 (UTC)<' in fragment
    assert 'value="abc"' in fragment and 'value="next tuesday"' in fragment  # as typed
    assert fragment.count('aria-invalid="true"') == 3
    assert "autofocus" in input_of(fragment, "code")
    assert await db.fetchval("SELECT count(*) FROM coupon") == 0

    past = await client.post(
        "/admin/coupons", data=coupon_form(token, discount_percent="101", expires_at="2001-01-01T00:00"), headers=HTMX
    )
    assert past.status_code == 422
    assert "Discount must be from 0.01 to 100 %" in past.text
    assert "Expiry must be in the future" in past.text


def input_of(fragment: str, name: str) -> str:
    match = re.search(rf'<input id="field-{name}".*?>', fragment, re.S)
    assert match
    return match.group(0)


async def test_a_coupon_code_already_taken_is_refused_beside_the_code(app: Litestar, client: Client):
    token = await admin_session(app, client)
    await client.post("/admin/coupons", data=coupon_form(token, code="welcome"), headers=HTMX)
    again = await client.post("/admin/coupons", data=coupon_form(token, code="WELCOME"), headers=HTMX)
    assert again.status_code == 409
    assert 'id="error-code">Coupon &#39;WELCOME&#39; already exists<' in again.text


async def test_plain_coupon_post_redirects_with_a_flash_and_reads_the_time_as_utc(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client)
    response = await client.post("/admin/coupons", data=coupon_form(token, code="utc", expires_at="2031-01-02T03:04"))
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/coupons"
    assert await db.fetchval("SELECT expires_at FROM coupon WHERE code = 'UTC'") == datetime(
        2031, 1, 2, 3, 4, tzinfo=UTC
    )
    page = text_of(await client.get("/admin/coupons"))
    assert "Coupon UTC created: 10% off until 2031-01-02 03:04 UTC." in page
    assert "Expires at (UTC)" in page and "Read as UTC, not your local time" in page

    refused = await client.post("/admin/coupons", data=coupon_form(csrf_from(page), code=""))
    assert refused.status_code == 422 and "<html" in refused.text  # the whole page, with the error
    assert "Coupon code cannot be empty" in refused.text


async def test_a_coupon_past_its_expiry_is_marked_expired(app: Litestar, client: Client, db: asyncpg.Connection):
    token = await admin_session(app, client)
    await client.post("/admin/coupons", data=coupon_form(token, code="old"))
    await client.post("/admin/coupons", data=coupon_form(token, code="new"))
    await db.execute("UPDATE coupon SET expires_at = now() - interval '1 day' WHERE code = 'OLD'")
    page = text_of(await client.get("/admin/coupons"))
    old_id = await db.fetchval("SELECT id FROM coupon WHERE code = 'OLD'")
    new_id = await db.fetchval("SELECT id FROM coupon WHERE code = 'NEW'")
    assert ">Expired<" in row(page, f"coupon-{old_id}")
    assert ">Active<" in row(page, f"coupon-{new_id}")


# ---- Users ----


async def test_an_admin_creates_a_user_who_can_then_log_in(app: Litestar, client: Client, db: asyncpg.Connection):
    token = await admin_session(app, client)
    response = await client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "username": "frank",
            "email": "frank@example.com",
            "password": "pass1234",
            "role": "customer",
        },
        headers=HTMX,
    )
    assert response.status_code == 201
    fragment = text_of(response)
    assert 'name="username" type="text" value=""' in fragment  # a blank form
    frank_id = await db.fetchval("SELECT id FROM app_user WHERE username = 'frank'")
    assert "is-new" in row(fragment, f"user-{frank_id}") and "frank@example.com" in fragment
    assert "User frank created as a customer." in fragment and OOB_FLASH in fragment

    frank = second_browser(client)
    await login(frank, "frank", "pass1234")
    assert (await frank.get("/admin/users")).status_code == 403  # a customer, as chosen


async def test_a_username_already_taken_is_refused_beside_the_username(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client)
    await person(app, db, "grace")
    taken = await client.post(
        "/admin/users",
        data={"csrf_token": token, "username": "grace", "email": "", "password": "pass1234", "role": "admin"},
        headers=HTMX,
    )
    assert taken.status_code == 422
    fragment = text_of(taken)
    assert "id=\"error-username\">The username 'grace' is taken<" in fragment
    assert '<option value="admin" selected>' in fragment  # the role as chosen
    assert "pass1234" not in fragment  # a password is never sent back

    short = await client.post(
        "/admin/users", data={"csrf_token": token, "username": "henry", "password": "x", "role": "customer"}
    )
    assert short.status_code == 422 and 'id="error-password">Password must be at least 4 characters<' in short.text
    assert await db.fetchval("SELECT count(*) FROM app_user WHERE username = 'henry'") == 0


async def test_a_role_change_applies_on_the_targets_next_request_and_gives_them_a_new_session(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client)
    dora = await person(app, db, "dora")
    dora_browser = second_browser(client)
    await login(dora_browser, "dora", "dora-password")
    assert (await dora_browser.get("/admin/users")).status_code == 403
    session_before = dora_browser.cookies.get("sessionid")

    response = await client.post(
        f"/admin/users/{dora.user_id}/role", data={"role": "admin"}, headers={**HTMX, "X-CSRFToken": token}
    )

    assert response.status_code == 200
    fragment = text_of(response)
    assert fragment.lstrip().startswith(f'<tr id="user-{dora.user_id}"')
    assert 'role-badge role-admin">admin<' in fragment and "Make customer" in fragment
    assert "dora is now an admin. The new rights apply from their next request" in fragment

    assert (await dora_browser.get("/admin/users")).status_code == 200  # no new login needed
    assert dora_browser.cookies.get("sessionid") not in (None, session_before)
    assert (await dora_browser.get("/admin")).status_code == 200


async def test_without_javascript_a_role_change_asks_first_then_redirects_with_a_flash(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await admin_session(app, client)
    ivan = await person(app, db, "ivan")
    users_page = text_of(await client.get("/admin/users"))
    assert f'<form method="get" action="/admin/users/{ivan.user_id}/role"' in users_page
    assert 'hx-confirm="Make ivan an admin? The new rights apply from their next request' in users_page

    confirm = await client.get(f"/admin/users/{ivan.user_id}/role", params={"role": "admin"})
    assert confirm.status_code == 200
    page = text_of(confirm)
    assert "Make ivan an admin?" in page and "ivan is a customer now." in page
    assert "they stay logged in" in page
    assert await db.fetchval("SELECT role FROM app_user WHERE id = $1", ivan.user_id) == "customer"  # asked only

    done = await client.post(f"/admin/users/{ivan.user_id}/role", data={"role": "admin", "csrf_token": csrf_from(page)})
    assert done.status_code == 303 and done.headers["location"] == f"/admin/users#user-{ivan.user_id}"
    assert "ivan is now an admin." in text_of(await client.get("/admin/users"))
    assert await db.fetchval("SELECT role FROM app_user WHERE id = $1", ivan.user_id) == "admin"

    again = await client.get(f"/admin/users/{ivan.user_id}/role", params={"role": "admin"})
    assert again.status_code == 303  # nothing to ask: already an admin
    assert "ivan is already an admin." in text_of(await client.get("/admin/users"))


async def test_group_memberships_are_edited_from_the_users_row(app: Litestar, client: Client, db: asyncpg.Connection):
    token = await admin_session(app, client)
    jude = await person(app, db, "jude")
    beta = await group(app, db, "beta_testers")
    headers = {**HTMX, "X-CSRFToken": token}

    added = await client.post(f"/admin/users/{jude.user_id}/groups", data={"group_id": str(beta)}, headers=headers)
    assert added.status_code == 200
    assert '<li class="chip">beta_testers' in row(added.text, f"user-{jude.user_id}")
    assert "Added jude to beta_testers." in added.text and OOB_FLASH in added.text

    removed = await client.post(f"/admin/users/{jude.user_id}/groups/{beta}/remove", headers=headers)
    assert removed.status_code == 200
    assert "No groups" in row(removed.text, f"user-{jude.user_id}")
    assert await db.fetchval("SELECT count(*) FROM user_group_member") == 0

    unchosen = await client.post(f"/admin/users/{jude.user_id}/groups", data={"group_id": ""}, headers=headers)
    assert unchosen.status_code == 422
    assert f'id="join-error-{jude.user_id}" role="alert">Choose a group.<' in unchosen.text

    plain = await client.post(f"/admin/users/{jude.user_id}/groups", data={"group_id": str(beta), "csrf_token": token})
    assert plain.status_code == 303 and plain.headers["location"] == f"/admin/users#user-{jude.user_id}"


# ---- Groups ----


async def test_groups_are_created_with_a_unique_non_empty_name(app: Litestar, client: Client, db: asyncpg.Connection):
    token = await admin_session(app, client)
    headers = {**HTMX, "X-CSRFToken": token}
    created = await client.post(
        "/admin/groups", data={"name": "beta_testers", "description": "Early access"}, headers=headers
    )
    assert created.status_code == 201
    fragment = text_of(created)
    assert fragment.lstrip().startswith('<section class="card" id="group-form"')
    assert 'id="group-list"' in fragment and "Early access" in fragment and "Group beta_testers created." in fragment

    duplicate = await client.post("/admin/groups", data={"name": "beta_testers"}, headers=headers)
    assert duplicate.status_code == 409
    assert "id=\"error-name\">Group 'beta_testers' already exists<" in text_of(duplicate)

    empty = await client.post("/admin/groups", data={"name": "  ", "description": "x" * 501}, headers=headers)
    assert empty.status_code == 422
    assert 'id="error-name">Group name is required<' in empty.text
    assert await db.fetchval("SELECT count(*) FROM user_group") == 1


async def test_members_are_added_and_removed_by_username(app: Litestar, client: Client, db: asyncpg.Connection):
    token = await admin_session(app, client)
    kim = await person(app, db, "kim")
    beta = await group(app, db, "beta_testers")
    page = text_of(await client.get("/admin/groups"))
    assert f'<option value="{kim.user_id}">kim</option>' in row(page, f"group-{beta}")

    added = await client.post(
        f"/admin/groups/{beta}/members", data={"user_id": str(kim.user_id)}, headers={**HTMX, "X-CSRFToken": token}
    )
    assert added.status_code == 200
    card = row(text_of(added), f"group-{beta}")
    assert "Members (1)" in card and '<li class="chip">kim' in card
    assert "Added kim to beta_testers." in added.text

    removed = await client.post(f"/admin/groups/{beta}/members/{kim.user_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 303 and removed.headers["location"] == f"/admin/groups#group-{beta}"
    page = text_of(await client.get("/admin/groups"))
    assert "Removed kim from beta_testers." in page and "Members (0)" in row(page, f"group-{beta}")


async def test_deleting_a_group_asks_first_and_removes_it_from_flag_targets(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client)
    beta = await group(app, db, "beta_testers")
    await flag(app, db, "new_checkout", targets=frozenset({beta}))
    page = text_of(await client.get("/admin/groups"))
    assert (
        "It is removed from the targets of new_checkout; an enabled flag left with no target group is on for all users."
        in page
    )

    confirm = text_of(await client.get(f"/admin/groups/{beta}/delete"))
    assert "Delete the group beta_testers?" in confirm and "It is removed from the targets of new_checkout." in confirm
    assert await db.fetchval("SELECT count(*) FROM user_group") == 1  # asked only

    deleted = await client.post(f"/admin/groups/{beta}/delete", headers={**HTMX, "X-CSRFToken": token})
    assert deleted.status_code == 200
    assert deleted.text.strip().startswith("<template>") and "Group deleted" in deleted.text  # the card goes; a flash
    assert await db.fetchval("SELECT count(*) FROM feature_flag_target") == 0
    flags_page = text_of(await client.get("/admin/flags"))
    assert "All users" in row(flags_page, "flag-new_checkout")

    again = await client.post(f"/admin/groups/{beta}/delete", data={"csrf_token": token})
    assert again.status_code == 303
    assert "That group was already deleted." in text_of(await client.get("/admin/groups"))


# ---- Feature flags ----


async def test_flags_are_created_with_a_unique_name_and_listed(app: Litestar, client: Client, db: asyncpg.Connection):
    token = await admin_session(app, client)
    headers = {**HTMX, "X-CSRFToken": token}
    created = await client.post(
        "/admin/flags",
        data={"name": "new_checkout", "description": "One-page checkout", "enabled": "true"},
        headers=headers,
    )
    assert created.status_code == 201
    fragment = text_of(created)
    new_row = row(fragment, "flag-new_checkout")
    assert 'aria-checked="true"' in new_row and "All users" in new_row and "One-page checkout" in new_row
    assert "Flag new_checkout created, on for all users." in fragment

    duplicate = await client.post("/admin/flags", data={"name": "new_checkout"}, headers=headers)
    assert duplicate.status_code == 409 and "Flag 'new_checkout' already exists" in text_of(duplicate)
    spaced = await client.post("/admin/flags", data={"name": "new checkout"}, headers=headers)
    assert spaced.status_code == 422 and "Use up to 100 letters, digits and _ . : - (no spaces)" in spaced.text

    plain = await client.post("/admin/flags", data={"name": "dormant", "csrf_token": token})
    assert plain.status_code == 303
    page = text_of(await client.get("/admin/flags"))
    assert "Flag dormant created, off." in page and 'aria-checked="false"' in row(page, "flag-dormant")
    assert "incident_email_notifications" in page  # the hint about incident e-mails


async def test_a_flag_is_switched_in_place_and_without_javascript(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client)
    await flag(app, db, "new_checkout", enabled=False)

    on = await client.post(
        "/admin/flags/new_checkout/enabled", data={"enabled": "true"}, headers={**HTMX, "X-CSRFToken": token}
    )
    assert on.status_code == 200
    assert on.text.lstrip().startswith('<tr id="flag-new_checkout"')
    assert 'role="switch" aria-checked="true"' in on.text and "new_checkout is on." in on.text
    assert await db.fetchval("SELECT enabled FROM feature_flag WHERE name = 'new_checkout'") is True

    off = await client.post("/admin/flags/new_checkout/enabled", data={"enabled": "false", "csrf_token": token})
    assert off.status_code == 303 and off.headers["location"] == "/admin/flags#flag-new_checkout"
    assert "new_checkout is off." in text_of(await client.get("/admin/flags"))
    assert await db.fetchval("SELECT enabled FROM feature_flag WHERE name = 'new_checkout'") is False


async def test_a_flags_description_is_edited_in_place(app: Litestar, client: Client, db: asyncpg.Connection):
    token = await admin_session(app, client)
    await flag(app, db, "new_checkout")
    headers = {**HTMX, "X-CSRFToken": token}

    saved = await client.post(
        "/admin/flags/new_checkout/description", data={"description": "Checkout in one page"}, headers=headers
    )
    assert saved.status_code == 200
    assert '<p class="description">Checkout in one page</p>' in saved.text
    assert '<details class="inline-editor">' in saved.text  # closed again

    too_long = await client.post(
        "/admin/flags/new_checkout/description", data={"description": "x" * 501}, headers=headers
    )
    assert too_long.status_code == 422
    editor = text_of(too_long)
    assert '<details class="inline-editor" open>' in editor
    assert 'id="error-description-new_checkout">Description must be at most 500 characters<' in editor
    assert "x" * 501 in editor  # as typed
    assert (
        await db.fetchval("SELECT description FROM feature_flag WHERE name = 'new_checkout'") == "Checkout in one page"
    )


async def test_a_flag_targets_the_groups_ticked(app: Litestar, client: Client, db: asyncpg.Connection):
    token = await admin_session(app, client)
    beta = await group(app, db, "beta_testers")
    staff = await group(app, db, "staff")
    await flag(app, db, "new_checkout")
    headers = {**HTMX, "X-CSRFToken": token}

    targeted = await client.post(
        "/admin/flags/new_checkout/targets", data={"group_id": [str(beta), str(staff)]}, headers=headers
    )
    assert targeted.status_code == 200
    flag_row = row(targeted.text, "flag-new_checkout")
    assert '<li class="chip">beta_testers</li><li class="chip">staff</li>' in flag_row
    assert flag_row.count("checked") == 2 + flag_row.count("aria-checked")

    cleared = await client.post("/admin/flags/new_checkout/targets", data={"csrf_token": token})
    assert cleared.status_code == 303
    assert "All users" in row(text_of(await client.get("/admin/flags")), "flag-new_checkout")
    assert await db.fetchval("SELECT count(*) FROM feature_flag_target") == 0

    await db.execute("DELETE FROM user_group WHERE id = $1", staff)  # deleted in another tab meanwhile
    stale = await client.post(
        "/admin/flags/new_checkout/targets", data={"group_id": [str(beta), str(staff)]}, headers=headers
    )
    assert stale.status_code == 409
    assert '<details class="inline-editor" open>' in stale.text and "A group you ticked no longer exists" in stale.text


async def test_deleting_a_flag_asks_first_and_a_vanished_flag_is_said_so(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client)
    await flag(app, db, "incident_email_notifications")
    confirm = text_of(await client.get("/admin/flags/incident_email_notifications/delete"))
    assert "Delete the flag incident_email_notifications?" in confirm
    assert "Incident e-mails stop until the flag is created again." in confirm

    deleted = await client.post(
        "/admin/flags/incident_email_notifications/delete", headers={**HTMX, "X-CSRFToken": token}
    )
    assert deleted.status_code == 200 and "Flag incident_email_notifications deleted." in deleted.text
    assert "<tr" not in deleted.text  # the row is replaced by nothing
    assert await db.fetchval("SELECT count(*) FROM feature_flag") == 0

    gone = await client.post(
        "/admin/flags/incident_email_notifications/enabled",
        data={"enabled": "true"},
        headers={**HTMX, "X-CSRFToken": token},
    )
    assert gone.status_code == 404
    assert gone.headers["hx-reswap"] == "none"
    assert OOB_FLASH in gone.text and "Flag &#39;incident_email_notifications&#39; not found" in gone.text
