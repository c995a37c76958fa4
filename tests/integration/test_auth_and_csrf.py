"""Login, logout, session rotation and CSRF through the real HTML forms."""

from __future__ import annotations

from uuid import uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.conftest import csrf_from, ensure_user


async def post_login(client: AsyncTestClient[Litestar], username: str, password: str, next_: str = "/"):
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"username": username, "password": password, "next": next_, "csrf_token": csrf_from(page.text)},
    )


async def test_login_rotates_the_session_id_and_redirects_back(app: Litestar, client: AsyncTestClient[Litestar]):
    await ensure_user(app, "alice", "alice-password", "customer")
    page = await client.get("/login")
    # An anonymous session (here: one holding a flash message) exists before login.
    anonymous = await client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    before = _session_cookie(anonymous.headers.get_list("set-cookie"))

    response = await post_login(client, "alice", "alice-password", next_="/admin/audit")

    after = _session_cookie(response.headers.get_list("set-cookie"))
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/audit"
    assert before and after and before != after
    home = await client.get("/")
    assert "alice" in home.text and "Log out" in home.text
    # Another browser holding the pre-login id. It shares the first client's portal: a second
    # `async with AsyncTestClient(app)` would start the app's lifespan again on a loop of its own, and
    # the pool's connections, used from two threads' loops at once, crashed the interpreter.
    stale = AsyncTestClient(app=app, base_url=str(client.base_url))
    stale.blocking_portal = client.blocking_portal
    stale.cookies.set("sessionid", before)
    assert "alice" not in (await stale.get("/")).text  # the pre-login id is worthless now


def _session_cookie(headers: list[str]) -> str | None:
    for header in headers:
        if header.startswith("sessionid="):
            return header.split(";", 1)[0].split("=", 1)[1]
    return None


async def test_wrong_password_and_unknown_user_look_identical(app: Litestar, client: AsyncTestClient[Litestar]):
    await ensure_user(app, "bob", "bob-password", "customer")
    wrong_password = await post_login(client, "bob", "not-it")
    unknown_user = await post_login(client, "nobody-here", "not-it")

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "Invalid username or password" in wrong_password.text
    strip = lambda html: html.replace("bob", "").replace("nobody-here", "")  # noqa: E731 - the echoed username
    assert _without_tokens(strip(wrong_password.text)) == _without_tokens(strip(unknown_user.text))


async def test_login_redirect_never_leaves_the_site(app: Litestar, client: AsyncTestClient[Litestar]):
    await ensure_user(app, "carol", "carol-password", "customer")
    response = await post_login(client, "carol", "carol-password", next_="//evil.example/")
    assert response.headers["location"] == "/"


async def test_form_post_without_csrf_token_is_refused(client: AsyncTestClient[Litestar]):
    await client.get("/login")
    response = await client.post("/login", data={"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Your form expired or was sent from another site" in response.text


async def test_token_from_before_login_stops_working_after_it(app: Litestar, client: AsyncTestClient[Litestar]):
    await ensure_user(app, "admin2", "admin2-password", "admin")
    page = await client.get("/login")
    old_token = csrf_from(page.text)
    await client.post(
        "/login", data={"username": "admin2", "password": "admin2-password", "next": "/", "csrf_token": old_token}
    )
    response = await client.post("/logout", data={"csrf_token": old_token})
    assert response.status_code == 403


async def test_cross_site_origin_is_refused_even_with_a_token(app: Litestar, client: AsyncTestClient[Litestar]):
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": "x", "password": "y", "csrf_token": csrf_from(page.text)},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


async def test_logout_ends_the_session(app: Litestar, client: AsyncTestClient[Litestar]):
    await ensure_user(app, "dave", "dave-password", "customer")
    await post_login(client, "dave", "dave-password")
    home = await client.get("/")
    response = await client.post("/logout", data={"csrf_token": csrf_from(home.text)})
    assert response.status_code == 303
    after = await client.get("/")
    assert "Log in" in after.text and "dave" not in after.text


def _without_tokens(html: str) -> str:
    import re

    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", html)


async def test_an_anonymous_form_post_returns_to_the_page_it_came_from_after_login(
    client: AsyncTestClient[Litestar],
):
    """Not to the POST's own URL: after logging in, a GET there would answer 405."""
    token = csrf_from((await client.get("/login")).text)
    site = str(client.base_url).rstrip("/")
    form = {"name": "Lamp", "price": "10", "stock_quantity": "1", "csrf_token": token}

    from_a_page = await client.post("/admin/products", data=form, headers={"Referer": f"{site}/admin/products?q=x"})
    from_htmx = await client.post(
        "/admin/products",
        data=form,
        headers={"HX-Request": "true", "HX-Current-URL": f"{site}/admin/products?page=2"},
    )
    from_elsewhere = await client.post(
        "/admin/products", data=form, headers={"Referer": "https://evil.example/admin/products"}
    )

    assert from_a_page.status_code == 303
    assert from_a_page.headers["location"] == "/login?next=/admin/products%3Fq%3Dx"
    assert from_htmx.headers["hx-redirect"] == "/login?next=/admin/products%3Fpage%3D2"
    assert from_elsewhere.headers["location"] == "/login?next=/"


# ---- A failed htmx request: a short message for js/failures.js, never a page inside a fragment ----


def from_catalog(client: AsyncTestClient[Litestar], **headers: str) -> dict[str, str]:
    """An htmx request's headers, sent from the catalog page (where login returns to)."""
    site = str(client.base_url).rstrip("/")
    return {"HX-Request": "true", "HX-Current-URL": f"{site}/?search=lamp", **headers}


async def test_an_htmx_post_with_an_expired_token_gets_the_message_and_a_fresh_token(
    client: AsyncTestClient[Litestar],
):
    await client.get("/login")
    response = await client.post(
        "/cart/items", data={"product_id": "x"}, headers=from_catalog(client, **{"X-CSRFToken": "0" * 64})
    )

    assert response.status_code == 403
    assert "<html" not in response.text and "error-page" not in response.text
    assert "data-request-failed" in response.text and "Your form expired" in response.text
    retried = await client.post(
        "/logout", headers=from_catalog(client, **{"X-CSRFToken": response.headers["x-csrftoken"]})
    )
    assert retried.status_code == 303  # the fresh token is good for the retry


async def test_an_htmx_post_after_the_session_ended_elsewhere_goes_to_login_and_back(
    app: Litestar, client: AsyncTestClient[Litestar]
):
    await ensure_user(app, "erin", "erin-password", "customer")
    await post_login(client, "erin", "erin-password")
    stale_token = csrf_from((await client.get("/")).text)
    await client.post("/logout", data={"csrf_token": stale_token})  # "another tab": the secret rotates

    response = await client.post(
        "/cart/items",
        data={"product_id": "x"},
        headers=from_catalog(client, **{"X-CSRFToken": stale_token, "X-Signed-In": "true"}),
    )

    assert response.status_code == 204
    assert response.headers["hx-redirect"] == "/login?next=/%3Fsearch%3Dlamp"
    login_page = await client.get(response.headers["hx-redirect"])
    assert "Your session ended" in login_page.text


async def test_an_htmx_add_after_the_session_ended_says_so_at_login(app: Litestar, client: AsyncTestClient[Litestar]):
    await ensure_user(app, "frank", "frank-password", "customer")
    await post_login(client, "frank", "frank-password")
    token = csrf_from((await client.get("/")).text)
    client.cookies.delete("sessionid")  # ended (expired, or ended from the account page): the cookie is no session

    response = await client.post(
        "/cart/items",
        data={"product_id": str(uuid4()), "quantity": "1", "next": "/?search=lamp"},
        headers=from_catalog(client, **{"X-CSRFToken": token, "X-Signed-In": "true"}),
    )

    assert response.headers["hx-redirect"] == "/login?next=/%3Fsearch%3Dlamp"
    login_page = await client.get(response.headers["hx-redirect"])
    assert "Your session ended" in login_page.text and "Log in to add items" not in login_page.text


async def test_an_htmx_request_for_nothing_gets_a_message_not_the_404_page(client: AsyncTestClient[Litestar]):
    response = await client.get("/no-such-page", headers={"HX-Request": "true"})

    assert response.status_code == 404
    assert "data-request-failed" in response.text and "error-page" not in response.text
