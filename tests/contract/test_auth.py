"""API v1 auth (api-v1.md §3): login, logout, session, and the CSRF rules of a logged-in session."""

from __future__ import annotations

from litestar import Litestar

from tests.contract import shapes
from tests.contract.conftest import Client
from tests.integration.conftest import ensure_user


async def test_login_answers_the_user_and_sets_the_session_and_a_new_csrf_cookie(app: Litestar, client: Client):
    await ensure_user(app, "alice", "alice-password", "customer")

    response = await client.post("/api/v1/auth/login/", json={"username": "alice", "password": "alice-password"})

    assert response.status_code == 200
    assert list(response.json()) == ["user"]
    shapes.user(response.json()["user"], role="customer")
    assert response.json()["user"]["username"] == "alice"
    cookies = " ".join(response.headers.get_list("set-cookie"))
    assert "sessionid=" in cookies and "HttpOnly" in cookies
    assert "csrftoken=" in cookies


async def test_an_admin_gets_the_twelve_v1_capabilities_and_nothing_newer(app: Litestar, client: Client):
    await ensure_user(app, "boss", "boss-password", "admin")
    response = await client.post("/api/v1/auth/login/", json={"username": "boss", "password": "boss-password"})
    shapes.user(response.json()["user"], role="admin")
    assert len(response.json()["user"]["capabilities"]) == 12


async def test_missing_or_empty_credentials_are_a_400_without_a_field(client: Client):
    for body in ({}, {"username": "alice"}, {"password": "x"}, {"username": "", "password": ""}):
        response = await client.post("/api/v1/auth/login/", json=body)
        assert response.status_code == 400
        assert response.json() == {"error": "Username and password are required"}


async def test_wrong_password_and_unknown_user_are_the_same_401(app: Litestar, client: Client):
    await ensure_user(app, "alice", "alice-password", "customer")
    wrong = await client.post("/api/v1/auth/login/", json={"username": "alice", "password": "nope"})
    unknown = await client.post("/api/v1/auth/login/", json={"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"error": "Invalid credentials"}


async def test_login_refuses_a_form_body_with_415(client: Client):
    response = await client.post("/api/v1/auth/login/", data={"username": "alice", "password": "x"})
    assert response.status_code == 415
    assert response.json() == {"detail": 'Unsupported media type "application/x-www-form-urlencoded" in request.'}


async def test_an_anonymous_login_needs_no_csrf_token(app: Litestar, client: Client):
    await ensure_user(app, "alice", "alice-password", "customer")
    response = await client.post(
        "/api/auth/login/", json={"username": "alice", "password": "alice-password"}, headers={"X-CSRFToken": ""}
    )
    assert response.status_code == 200


async def test_session_is_anonymous_with_a_masked_token_before_login(client: Client):
    response = await client.get("/api/v1/auth/session/")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["authenticated", "csrf_token"]
    assert body["authenticated"] is False
    assert shapes.CSRF_TOKEN.match(body["csrf_token"])
    assert "csrftoken=" in " ".join(response.headers.get_list("set-cookie"))


async def test_session_shows_the_logged_in_user(client: Client, customer: dict[str, str]):
    body = (await client.get("/api/v1/auth/session/")).json()

    assert list(body) == ["authenticated", "user", "csrf_token"]
    assert body["authenticated"] is True
    shapes.user(body["user"], role="customer")
    assert shapes.CSRF_TOKEN.match(body["csrf_token"])


async def test_logout_flushes_the_session(client: Client, customer: dict[str, str]):
    response = await client.post("/api/v1/auth/logout/", headers=customer)

    assert response.status_code == 200
    assert response.json() == {"message": "Logged out successfully"}
    assert (await client.get("/api/v1/auth/session/")).json()["authenticated"] is False
    assert (await client.get("/api/v1/cart/")).status_code == 401


async def test_anonymous_logout_is_refused_in_drf_wording(client: Client):
    response = await client.post("/api/v1/auth/logout/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Authentication credentials were not provided."}


async def test_an_unsafe_call_of_a_logged_in_session_without_a_token_is_refused(
    client: Client, customer: dict[str, str]
):
    response = await client.post("/api/v1/auth/logout/")

    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF token missing."}
    assert (await client.get("/api/v1/auth/session/")).json()["authenticated"] is True


async def test_a_wrong_token_is_refused_naming_the_header(client: Client, customer: dict[str, str]):
    response = await client.post("/api/v1/cart/items/", json={}, headers={"X-CSRFToken": "x" * 64})
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect."}


async def test_a_foreign_origin_is_refused_even_with_a_token(client: Client, customer: dict[str, str]):
    response = await client.post("/api/v1/auth/logout/", headers={**customer, "Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json() == {
        "detail": "CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins."
    }


async def test_the_cookie_value_works_as_a_token_too(client: Client, customer: dict[str, str]):
    response = await client.post("/api/v1/auth/logout/", headers={"X-CSRFToken": client.cookies["csrftoken"]})
    assert response.status_code == 200


async def test_a_token_obtained_before_login_stops_working_after_it(app: Litestar, client: Client):
    await ensure_user(app, "alice", "alice-password", "customer")
    before = (await client.get("/api/v1/auth/session/")).json()["csrf_token"]
    await client.post("/api/v1/auth/login/", json={"username": "alice", "password": "alice-password"})

    response = await client.post("/api/v1/auth/logout/", headers={"X-CSRFToken": before})

    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect."}
    after = (await client.get("/api/v1/auth/session/")).json()["csrf_token"]
    assert (await client.post("/api/v1/auth/logout/", headers={"X-CSRFToken": after})).status_code == 200


async def test_login_from_a_logged_in_session_needs_a_token(app: Litestar, client: Client, customer: dict[str, str]):
    await ensure_user(app, "bob", "bob-password", "customer")
    refused = await client.post("/api/v1/auth/login/", json={"username": "bob", "password": "bob-password"})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "CSRF Failed: CSRF token missing."}
    headers = await log_in_again(client, customer, "bob")
    assert headers["X-CSRFToken"] != customer["X-CSRFToken"]


async def log_in_again(client: Client, headers: dict[str, str], username: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login/", json={"username": username, "password": f"{username}-password"}, headers=headers
    )
    assert response.status_code == 200
    assert response.json()["user"]["username"] == username
    return {"X-CSRFToken": (await client.get("/api/v1/auth/session/")).json()["csrf_token"]}
