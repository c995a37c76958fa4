"""Rate limits through the app on real Redis: throttled logins (form, htmx, API v1), reads, writes, exemptions.

Each test builds the app with tight policies of its own; the suite's defaults are generous
(conftest.py), so no other test is limited by accident. Across processes: test_rate_limits_multiprocess.py.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.main import create_app
from app.settings import Settings, get_settings
from tests.integration.conftest import csrf_from, ensure_user, scraper
from tests.support.redis_server import OwnedRedis

Client = AsyncTestClient[Litestar]
PASSWORD = "right-password-1"


def tight(settings: Settings | None = None, **limits: Any) -> Settings:
    """The test settings with the given rate-limit settings (the rest stay generous)."""
    settings = settings or get_settings()
    return dataclasses.replace(settings, rate_limits=dataclasses.replace(settings.rate_limits, **limits))


@pytest.fixture
def limits() -> dict[str, Any]:
    """This test's rate-limit settings; a test changes them before it asks for `client`."""
    return {"login_per_account": "5/300", "login_per_address": "100/300"}


@pytest.fixture
def redis_down() -> bool:
    """Whether the app runs on a Redis that has been killed (the Redis-down tests say True)."""
    return False


@pytest.fixture
def app(
    db: asyncpg.Connection, redis_client: Any, limits: dict[str, Any], redis_down: bool, tmp_path: Path
) -> Iterator[Litestar]:
    settings = get_settings()
    if not redis_down:
        yield create_app(tight(**limits))
        return
    dead = OwnedRedis(tmp_path / "redis")  # answered once, then killed: connections are refused at once
    dead.start()
    dead.kill()
    settings = dataclasses.replace(settings, redis=dataclasses.replace(settings.redis, url=dead.url))
    yield create_app(tight(settings, **limits))


async def login_page_token(client: Client) -> str:
    return csrf_from((await client.get("/login")).text)


async def post_login(client: Client, username: str, password: str, **headers: str) -> Any:
    token = await login_page_token(client)
    return await client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, headers=headers
    )


async def api_login(client: Client, username: str, password: str) -> Any:
    return await client.post("/api/v1/auth/login/", json={"username": username, "password": password})


async def test_the_sixth_wrong_password_on_the_form_is_refused_with_429_and_retry_after(
    app: Litestar, client: Client
) -> None:
    await ensure_user(app, "alice", PASSWORD, "customer")
    for _ in range(5):
        assert (await post_login(client, "alice", "wrong")).status_code == 401

    refused = await post_login(client, "alice", "wrong")

    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 300
    assert '"login-account";q=5;w=300' in refused.headers["ratelimit-policy"]
    assert '"login-account";r=0;t=' in refused.headers["ratelimit"]
    assert "Too many attempts" in refused.text and "<html" in refused.text  # a whole page for a plain post
    # The right password does not get through either: the account waits out the window.
    assert (await post_login(client, "alice", PASSWORD)).status_code == 429


async def test_another_account_is_unaffected_by_one_accounts_limit(app: Litestar, client: Client) -> None:
    await ensure_user(app, "alice", PASSWORD, "customer")
    await ensure_user(app, "bob", PASSWORD, "customer")
    for _ in range(6):
        await post_login(client, "alice", "wrong")

    assert (await post_login(client, "bob", "wrong")).status_code == 401
    assert (await post_login(client, "bob", PASSWORD)).status_code == 303


async def test_the_sixth_wrong_password_on_api_v1_is_refused_in_v1s_throttle_shape(
    app: Litestar, client: Client
) -> None:
    await ensure_user(app, "alice", PASSWORD, "customer")
    for _ in range(5):
        assert (await api_login(client, "alice", "wrong")).status_code == 401

    refused = await api_login(client, "alice", "wrong")

    assert refused.status_code == 429
    seconds = int(refused.headers["retry-after"])
    assert refused.json() == {"detail": f"Request was throttled. Expected available in {seconds} seconds."}
    assert '"login-account";r=0' in refused.headers["ratelimit"]


async def test_the_sixth_wrong_password_on_api_v2_is_a_429_problem_with_retry_after(
    app: Litestar, client: Client
) -> None:
    await ensure_user(app, "alice", PASSWORD, "customer")
    for _ in range(5):
        failed = await client.post("/api/v2/session", json={"username": "alice", "password": "wrong"})
        assert failed.status_code == 401

    refused = await client.post("/api/v2/session", json={"username": "alice", "password": "wrong"})

    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    seconds = int(refused.headers["retry-after"])
    assert 0 < seconds <= 300
    assert refused.json()["status"] == 429 and refused.json()["type"].endswith("/rate-limited")
    assert '"login-account";r=0' in refused.headers["ratelimit"]
    assert '"login-account";q=5;w=300' in refused.headers["ratelimit-policy"]


async def test_an_htmx_login_gets_the_limit_message_in_the_forms_place_with_a_countdown(
    app: Litestar, client: Client
) -> None:
    for _ in range(5):
        failed = await post_login(client, "mallory", "wrong", **{"HX-Request": "true"})
        assert failed.status_code == 401
        assert "<html" not in failed.text and "<form" in failed.text  # the form again, with its message

    refused = await post_login(client, "mallory", "wrong", **{"HX-Request": "true"})

    assert refused.status_code == 429
    assert "<html" not in refused.text
    assert "Too many attempts" in refused.text
    assert f'data-countdown="{refused.headers["retry-after"]}"' in refused.text
    assert "min" in refused.text  # "try again in 5 min"


async def test_an_htmx_login_that_succeeds_redirects_the_whole_page(app: Litestar, client: Client) -> None:
    await ensure_user(app, "alice", PASSWORD, "customer")

    response = await post_login(client, "alice", PASSWORD, **{"HX-Request": "true"})

    assert response.status_code == 200
    assert response.headers["hx-redirect"] == "/"


async def test_a_successful_login_starts_the_accounts_count_afresh(app: Litestar, client: Client) -> None:
    await ensure_user(app, "alice", PASSWORD, "customer")
    for _ in range(4):
        await post_login(client, "alice", "wrong")
    assert (await post_login(client, "alice", PASSWORD)).status_code == 303
    await client.post("/logout", data={"csrf_token": csrf_from((await client.get("/cart")).text)})

    for _ in range(5):
        assert (await post_login(client, "alice", "wrong")).status_code == 401
    assert (await post_login(client, "alice", "wrong")).status_code == 429


@pytest.mark.parametrize("limits", [{"login_per_account": "100/300", "login_per_address": "3/300"}])
async def test_login_attempts_from_one_address_are_limited_whatever_the_usernames(
    app: Litestar, client: Client
) -> None:
    for name in ("ann", "ben", "cat"):
        assert (await api_login(client, name, "wrong")).status_code == 401

    refused = await api_login(client, "dan", "wrong")

    assert refused.status_code == 429
    assert '"login-address";q=3;w=300' in refused.headers["ratelimit-policy"]


@pytest.mark.parametrize("limits", [{"login_per_account": "2/1", "login_per_address": "1000/300"}])
async def test_the_right_password_works_once_the_window_has_passed(app: Litestar, client: Client) -> None:
    await ensure_user(app, "alice", PASSWORD, "customer")
    for _ in range(2):
        await api_login(client, "alice", "wrong")
    refused = await api_login(client, "alice", PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"

    # Refused attempts are not counted, so asking again until the window has passed is harmless.
    deadline = time.monotonic() + 10
    while (response := await api_login(client, "alice", PASSWORD)).status_code == 429:
        assert time.monotonic() < deadline, "the window did not reset within 10 s"
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "alice"


@pytest.mark.parametrize("limits", [{"reads_per_address": "3/60"}])
async def test_anonymous_reads_are_limited_per_address_and_health_metrics_static_are_not(
    app: Litestar, client: Client
) -> None:
    for _ in range(3):
        page = await client.get("/")
        assert page.status_code == 200
    assert page.headers["ratelimit"] == '"reads";r=0;t=60'

    refused = await client.get("/")
    assert refused.status_code == 429
    assert "Too many requests" in refused.text and refused.headers["retry-after"]

    for path in ("/health/live", "/metrics", "/api/v1/metrics/", "/static/css/emporium.css", "/favicon.ico"):
        response = await client.get(path, headers=scraper())
        assert response.status_code == 200, path
        assert "ratelimit" not in response.headers, path


@pytest.mark.parametrize("limits", [{"reads_per_address": "2/60", "writes_per_user": "2/60"}])
async def test_a_logged_in_users_writes_are_limited_per_user_and_their_reads_are_not(
    app: Litestar, client: Client
) -> None:
    await ensure_user(app, "alice", PASSWORD, "customer")
    assert (await post_login(client, "alice", PASSWORD)).status_code == 303  # reading /login was 1 of 2 reads
    for _ in range(3):
        cart = await client.get("/cart")
        assert cart.status_code == 200 and "ratelimit" not in cart.headers
    token = csrf_from(cart.text)
    form = {"product_id": "00000000-0000-4000-8000-00000000abcd", "quantity": "1", "csrf_token": token}
    for _ in range(2):
        assert (await client.post("/cart/items", data=form)).status_code != 429

    refused = await client.post("/cart/items", data=form)

    assert refused.status_code == 429
    assert '"writes";q=2;w=60' in refused.headers["ratelimit-policy"]
    from_htmx = await client.post("/cart/items", data=form, headers={"HX-Request": "true"})
    assert from_htmx.status_code == 429  # beside the purchase box's form (js/failures.js), which stays
    assert "data-request-failed" in from_htmx.text and "<form" not in from_htmx.text
    assert "Too many requests. Try again in" in from_htmx.text


async def test_the_metrics_count_refusals_login_failures_and_the_hashing_queue(app: Litestar, client: Client) -> None:
    for _ in range(6):
        await api_login(client, "mallory", "wrong")

    text = (await client.get("/metrics", headers=scraper())).text

    assert 'rate_limited_requests_total{policy="login-account"}' in text
    assert "login_failures_total" in text
    assert "password_hashing_queued" in text


# --- Redis down -------------------------------------------------------------------------------------


@pytest.mark.parametrize("redis_down", [True])
@pytest.mark.parametrize("limits", [{"login_when_unavailable": "closed", "reads_per_address": "1/60"}])
async def test_without_redis_a_closed_login_policy_refuses_logins_with_503_and_reads_are_served(
    client: Client,
) -> None:

    for _ in range(3):  # reads fail open: the limit of 1 is not applied while it cannot be counted
        assert (await client.get("/")).status_code == 200
    refused = await post_login(client, "alice", PASSWORD)
    api_refused = await api_login(client, "alice", PASSWORD)

    assert refused.status_code == 503 and refused.headers["retry-after"]
    assert "cannot check for password guessing" in refused.text
    assert api_refused.status_code == 503
    assert "cannot check for password guessing" in api_refused.json()["error"]
    metrics = (await client.get("/metrics", headers=scraper())).text
    assert 'rate_limit_unavailable_total{outcome="closed",policy="login-address"}' in metrics
    assert 'rate_limit_unavailable_total{outcome="open",policy="reads"}' in metrics


@pytest.mark.parametrize("redis_down", [True])
async def test_without_redis_the_default_login_policy_still_limits_in_each_process(
    app: Litestar, client: Client
) -> None:
    await ensure_user(app, "alice", PASSWORD, "customer")

    for _ in range(5):
        assert (await api_login(client, "mallory", "wrong")).status_code == 401
    assert (await api_login(client, "mallory", "wrong")).status_code == 429

    assert (await api_login(client, "alice", PASSWORD)).status_code == 200  # shoppers still log in


@pytest.mark.parametrize("limits", [{"reads_per_address": "2/60"}])
async def test_an_anonymous_api_reader_over_the_limit_gets_v1s_throttle_shape(client: Client) -> None:
    for _ in range(2):
        assert (await client.get("/api/v1/products/")).status_code == 200

    refused = await client.get("/api/v1/products/")

    assert refused.status_code == 429
    seconds = int(refused.headers["retry-after"])
    assert refused.json() == {"detail": f"Request was throttled. Expected available in {seconds} seconds."}
    assert refused.headers["ratelimit-policy"] == '"reads";q=2;w=60'
    assert refused.headers["ratelimit"] == f'"reads";r=0;t={seconds}'
