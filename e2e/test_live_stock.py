"""Stock figures follow other shoppers' carts while the page stays open, across web processes.

Shopper A browses on the session's live server; shopper B shops on a second web process of the same
shop (same PostgreSQL, Redis and queue). B's reservation goes through the worker's subscriber and
Redis pub/sub to A's process, whose event stream updates A's card without a reload.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import E2E_QUEUE_NAME, web_server
from e2e.shop_data import ProductSpec, new_customer, new_products, tag
from e2e.test_shopper_journey import add_to_cart, assert_not_reloaded, card

WAIT_MS = 10_000
"""Generous for a loaded machine; the measured delay is printed (the issue's goal: within 2 s)."""


@pytest.fixture(scope="module")
def second_web_process(services: dict[str, str], live_server: str) -> Iterator[str]:
    env = {
        **os.environ,
        "DATABASE_URL": services["database_url"],
        "REDIS_URL": services["redis_url"],
        "QUEUE_NAME": E2E_QUEUE_NAME,
    }
    with web_server("web-second.log", env) as url:
        yield url


def open_catalog_streaming(page: Page, search: str) -> None:
    """The catalog, once its stock stream is open (the server subscribes before it answers)."""
    with page.expect_response(lambda response: response.url.endswith("/events/stock")) as stream:
        page.goto(f"/?search={search}")
    assert stream.value.status == 200


def test_a_reservation_by_another_shopper_on_another_web_process_updates_the_card_without_reload(
    browser: Browser, base_url: str, second_web_process: str
) -> None:
    word = tag()
    [lamp] = new_products(ProductSpec(f"Live lamp {word}", "30.00", 5))
    username, password = new_customer()
    watching = browser.new_context(base_url=base_url)
    buying = browser.new_context(base_url=second_web_process)
    try:
        a = watching.new_page()
        open_catalog_streaming(a, word)
        expect(card(a, lamp).locator(".stock-line")).to_have_text("5 in stock")
        a.evaluate("window.__noReload = true")

        b = buying.new_page()
        b.goto("/login")
        b.get_by_label("Username").fill(username)
        b.get_by_label("Password").fill(password)
        b.get_by_role("button", name="Log in").click()
        expect(b.locator(".user-chip")).to_contain_text(username)
        b.goto(f"/?search={word}")
        add_to_cart(b, lamp, 2)
        expect(card(b, lamp).get_by_role("status")).to_contain_text("Added 2 to your cart.")
        added_at = time.monotonic()

        expect(card(a, lamp).locator(".stock-line")).to_have_text("3 in stock", timeout=WAIT_MS)
        print(f"\nlive stock: A's card changed {time.monotonic() - added_at:.2f} s after B's add was shown")
        assert_not_reloaded(a)
    finally:
        watching.close()
        buying.close()
