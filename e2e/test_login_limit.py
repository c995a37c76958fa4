"""A person hammering the login form sees the limit in the form's place, counting down, with no console error.

The shop here runs in its own web process with a tight login limit (the session's live server keeps
the suite's generous ones); its counters are in the shared test Redis, under this test's username.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from app.web.rate_limits import wait_in_words
from e2e.conftest import web_server
from e2e.shop_data import tag

LIMIT = 3
WINDOW_SECONDS = 60  # a minute, so the countdown soon turns from "1 min" to seconds


@pytest.fixture(scope="module")
def limited_shop(services: dict[str, str]) -> Iterator[str]:
    env = {
        **os.environ,
        "DATABASE_URL": services["database_url"],
        "REDIS_URL": services["redis_url"],
        "QUEUE_NAME": "emporium-e2e-login-limit",
        "RATE_LIMIT_LOGIN_ACCOUNT": f"{LIMIT}/{WINDOW_SECONDS}",
    }
    with web_server("web-login-limit.log", env) as url:
        yield url


def test_hammering_the_login_form_shows_the_friendly_limit_in_place(page: Page, limited_shop: str) -> None:
    problems: list[str] = []
    page.on("console", lambda message: _note_error(problems, message))
    page.on("pageerror", lambda error: problems.append(str(error)))
    username = f"guesser-{tag()}"
    page.goto(f"{limited_shop}/login")

    for _ in range(LIMIT):
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("not-the-password")
        with page.expect_response(re.compile(r"/login$")) as answer:
            page.get_by_role("button", name="Log in").click()
        assert answer.value.status == 401
        # The answer's form replaces this one a moment after it arrives, its password empty, and htmx then
        # moves the focus to its autofocus field, the username. Filling before both have happened types
        # into fields about to go, or sends the password's letters into the username when the focus jumps
        # mid-fill (the second and third answers' alert reads as the first's: it does not show the swap).
        expect(page.get_by_label("Password")).to_have_value("")
        expect(page.get_by_label("Username")).to_be_focused()
        expect(page.get_by_role("alert")).to_have_text("Invalid username or password")

    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("not-the-password")
    with page.expect_response(re.compile(r"/login$")) as answer:
        page.get_by_role("button", name="Log in").click()

    # The server's words, from its answer: the page's countdown replaces "1 min" with "59 s" within a
    # second, which a loaded machine (a parallel test run) can let pass before the page is looked at.
    assert answer.value.status == 429
    # The server's own words for the wait it counted ("1 min", or "59 s" when the window began a second
    # earlier); the page's countdown rewrites them within a second, which a loaded machine may miss.
    said = re.search(
        r"Too many attempts</strong> — try again in <span data-countdown=\"(\d+)\">([^<]+)</span>", answer.value.text()
    )
    assert said and said.group(2) == wait_in_words(int(said.group(1)))
    limit = page.locator(".card [data-rate-limited]")  # where the form was, under the page's own heading
    expect(limit).to_contain_text("Too many attempts — try again in")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)
    expect(limit).to_contain_text(re.compile(r"try again in \d+ s"), timeout=5_000)  # it counts down
    assert page.url.endswith("/login")
    assert problems == []


def _note_error(problems: list[str], message: ConsoleMessage) -> None:
    # The 401 and 429 answers themselves are expected; anything else in the console is a problem.
    if message.type == "error" and "status of 40" not in message.text and "status of 429" not in message.text:
        problems.append(message.text)
