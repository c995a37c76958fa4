"""Session ids change at login, logout and role change; a user lists their sessions and ends the others."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import re
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.main import create_app
from app.settings import get_settings
from tests.integration.conftest import csrf_from, ensure_user, login, on_app_loop
from tests.integration.test_admin_people_pages import second_browser

Client = AsyncTestClient[Litestar]
HTMX = {"HX-Request": "true"}
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def key_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def session_rows(db: asyncpg.Connection) -> dict[str, Any]:
    """Every session row of every tenant, by key (the owner role bypasses row-level security)."""
    return {row["id"]: row for row in await db.fetch("SELECT * FROM session")}


async def is_logged_in(browser: Client) -> bool:
    return (await browser.get("/cart")).status_code == 200  # anonymous visitors are sent to the login


async def opens_a_login(client: Client, token: str) -> bool:
    """Whether another browser presenting the session id `token` is logged in (a replayed cookie)."""
    browser = second_browser(client)
    use_session(browser, token)
    return await is_logged_in(browser)


def use_session(browser: Client, token: str) -> None:
    """Make the browser send `token` as its session cookie (as the server's own cookie would be kept)."""
    browser.cookies.clear()
    browser.cookies.set("sessionid", token, domain="127.0.0.1", path="/")


def refs_on(page: str) -> list[str]:
    return re.findall(r'action="/account/sessions/([0-9a-f]{64})/end"', page)


async def test_logging_in_discards_a_session_id_planted_before(app: Litestar, client: Client, db: asyncpg.Connection):
    await ensure_user(app, "alice", "alice-password", "customer")
    planted = "planted-by-an-attacker"
    await db.execute(
        "INSERT INTO session (id, tenant_id, data) VALUES ($1, $2, '{}')",
        key_of(planted),
        get_settings().app.default_tenant_id,
    )
    use_session(client, planted)

    await login(client, "alice", "alice-password")

    assert client.cookies["sessionid"] != planted
    rows = await session_rows(db)
    assert key_of(planted) not in rows and key_of(client.cookies["sessionid"]) in rows
    assert not await opens_a_login(client, planted)


async def test_logging_out_deletes_the_session_and_the_next_one_has_a_new_id(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await ensure_user(app, "alice", "alice-password", "customer")
    await login(client, "alice", "alice-password")
    logged_in_id = client.cookies["sessionid"]
    page = await client.get("/")

    response = await client.post("/logout", data={"csrf_token": csrf_from(page.text)})

    assert response.status_code == 303
    after = client.cookies.get("sessionid")
    assert after and after != logged_in_id  # the "You are logged out." flash lives in a new session
    rows = await session_rows(db)
    assert key_of(logged_in_id) not in rows
    assert rows[key_of(after)]["user_id"] is None
    assert not await opens_a_login(client, logged_in_id)


async def test_after_a_role_change_the_old_session_id_opens_nothing(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await ensure_user(app, "dora", "dora-password", "customer")
    await login(client, "dora", "dora-password")
    before = client.cookies["sessionid"]
    dora_id = await db.fetchval("SELECT id FROM app_user WHERE username = 'dora'")
    await on_app_loop(
        app, app.state.container.sessions.rotate_sessions_of, get_settings().app.default_tenant_id, dora_id
    )

    assert (await client.get("/cart")).status_code == 200  # still logged in, under a new id
    assert client.cookies["sessionid"] != before
    assert not await opens_a_login(client, before)


async def test_the_account_page_lists_the_users_own_sessions_with_this_device_first(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await ensure_user(app, "alice", "alice-password", "customer")
    await ensure_user(app, "bob", "bob-password", "customer")
    phone, bob = second_browser(client), second_browser(client)
    client.headers["User-Agent"], phone.headers["User-Agent"] = FIREFOX, SAFARI
    await login(client, "alice", "alice-password")
    await login(phone, "alice", "alice-password")
    await login(bob, "bob", "bob-password")

    response = await client.get("/account/sessions")

    assert response.status_code == 200
    page = html.unescape(response.text)
    rows = re.findall(r"<tr id=\"session-\d+\".*?</tr>", page, re.S)
    assert len(rows) == 2  # Alice's two sessions, not Bob's
    assert "Firefox on Windows" in rows[0] and "this device" in rows[0] and "/end" not in rows[0]
    assert "Safari on iPhone" in rows[1] and "this device" not in rows[1]
    assert refs_on(page) == [key_of(phone.cookies["sessionid"])]
    assert (await session_rows(db))[key_of(client.cookies["sessionid"])]["user_agent"] == FIREFOX


async def test_a_visitor_is_sent_to_log_in_first(client: Client):
    response = await client.get("/account/sessions")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account/sessions"


async def test_ending_another_session_logs_that_browser_out(app: Litestar, client: Client):
    await ensure_user(app, "alice", "alice-password", "customer")
    phone = second_browser(client)
    await login(client, "alice", "alice-password")
    await login(phone, "alice", "alice-password")
    page = (await client.get("/account/sessions")).text
    [phone_ref] = refs_on(page)

    response = await client.post(f"/account/sessions/{phone_ref}/end", data={"csrf_token": csrf_from(page)})

    assert response.status_code == 303 and response.headers["location"] == "/account/sessions"
    after = html.unescape((await client.get("/account/sessions")).text)
    assert "That session has ended: its browser is logged out." in after and refs_on(after) == []
    assert not await is_logged_in(phone)
    assert await is_logged_in(client)


async def test_over_htmx_the_answer_is_the_list_with_the_message_out_of_band(app: Litestar, client: Client):
    await ensure_user(app, "alice", "alice-password", "customer")
    others = [second_browser(client) for _ in range(2)]
    for browser in (client, *others):
        await login(browser, "alice", "alice-password")
    token = csrf_from((await client.get("/account/sessions")).text)

    response = await client.post("/account/sessions/end-others", headers={**HTMX, "X-CSRFToken": token})

    assert response.status_code == 200
    fragment = html.unescape(response.text)
    assert '<section class="card" id="session-list"' in fragment and "<html" not in fragment
    assert 'hx-swap-oob="innerHTML"' in fragment and "Logged out everywhere else (2 sessions ended)." in fragment
    assert "No other browser is logged in as you." in fragment
    assert [await is_logged_in(browser) for browser in (client, *others)] == [True, False, False]


async def test_a_session_of_another_user_or_tenant_cannot_be_ended(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await ensure_user(app, "alice", "alice-password", "customer")
    await ensure_user(app, "bob", "bob-password", "customer")
    bob = second_browser(client)
    await login(client, "alice", "alice-password")
    await login(bob, "bob", "bob-password")
    other_tenant = uuid4()
    await db.execute("INSERT INTO tenant (id, slug, name) VALUES ($1, 'other', 'Other Shop')", other_tenant)
    other_user: UUID = await db.fetchval(
        "INSERT INTO app_user (id, tenant_id, username, password_hash, role) "
        "VALUES ($1, $2, 'carol', 'x', 'customer') RETURNING id",
        uuid4(),
        other_tenant,
    )
    await db.execute(
        "INSERT INTO session (id, tenant_id, user_id) VALUES ($1, $2, $3)", key_of("carol"), other_tenant, other_user
    )
    token = csrf_from((await client.get("/account/sessions")).text)

    for ref in (key_of(bob.cookies["sessionid"]), key_of("carol"), key_of(client.cookies["sessionid"]), "nonsense"):
        plain = await client.post(f"/account/sessions/{ref}/end", data={"csrf_token": token})
        htmx = await client.post(f"/account/sessions/{ref}/end", headers={**HTMX, "X-CSRFToken": token})
        assert (plain.status_code, htmx.status_code) == (404, 404), ref
        assert "That session has already ended." in html.unescape(htmx.text)

    assert await is_logged_in(bob) and await is_logged_in(client)
    assert key_of("carol") in await session_rows(db)


async def test_ending_sessions_needs_the_csrf_token(app: Litestar, client: Client):
    await ensure_user(app, "alice", "alice-password", "customer")
    phone = second_browser(client)
    await login(client, "alice", "alice-password")
    await login(phone, "alice", "alice-password")

    response = await client.post("/account/sessions/end-others", data={})

    assert response.status_code == 403
    assert await is_logged_in(phone)


async def test_outside_development_and_test_the_cookies_are_secure(db: asyncpg.Connection, redis_client: Any):
    settings = get_settings()
    production = dataclasses.replace(settings, app=dataclasses.replace(settings.app, environment="production"))
    app = create_app(production)
    async with AsyncTestClient(app=app, base_url="https://127.0.0.1") as client:
        client.follow_redirects = False
        await ensure_user_in(app, client, "alice", "alice-password")
        page = await client.get("/login")
        response = await client.post(
            "/login",
            data={"username": "alice", "password": "alice-password", "csrf_token": csrf_from(page.text)},
            headers={"Origin": "https://127.0.0.1"},
        )

    assert response.status_code == 303
    cookies = {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}
    assert set(cookies) == {"sessionid", "csrftoken"}
    for header in cookies.values():
        assert "Secure" in header and "SameSite=lax" in header
    assert "HttpOnly" in cookies["sessionid"]


async def ensure_user_in(app: Litestar, client: Client, username: str, password: str) -> None:
    import asyncio
    import functools

    from app.domain.users import Role

    auth = app.state.container.auth
    call = functools.partial(auth.ensure_user, get_settings().app.default_tenant_id, username, password, Role.CUSTOMER)
    await asyncio.to_thread(client.blocking_portal.call, call)
