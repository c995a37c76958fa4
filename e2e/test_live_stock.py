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

from app.controllers.pages.live_stock import CART_EXPIRED_NOTE
from e2e.conftest import E2E_QUEUE_NAME, LOG_DIR, log_in_as, web_server
from e2e.shop_data import ProductSpec, expire_cart_now, new_customer, new_products, tag
from e2e.test_shopper_journey import add_to_cart, assert_not_reloaded, card
from tests.support.processes import free_port

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


def test_the_open_cart_page_shows_the_cart_emptied_when_the_expiry_job_releases_it(page: Page) -> None:
    word = tag()
    [lamp] = new_products(ProductSpec(f"Expiring lamp {word}", "30.00", 5))
    username, password = new_customer()
    log_in_as(page, username, password)
    page.goto(f"/?search={word}")
    add_to_cart(page, lamp, 2)
    expect(page.locator("#cart-badge")).to_have_text("2")
    with page.expect_response(lambda response: response.url.endswith("/events/stock")) as stream:
        page.goto("/cart")
    assert stream.value.status == 200
    expect(page.get_by_label(f"Quantity of {lamp.name}")).to_have_value("2")
    expect(page.locator("#cart-live-note")).to_be_hidden()  # empty until something happens
    page.evaluate("window.__noReload = true")

    expire_cart_now(username, E2E_QUEUE_NAME)  # the worker's job releases it; its CartExpired event reaches this page

    expect(page.locator("#cart-live-note")).to_have_text(CART_EXPIRED_NOTE, timeout=WAIT_MS)
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    expect(page.get_by_label(f"Quantity of {lamp.name}")).to_have_count(0)
    expect(page.locator("#cart-badge")).to_have_text("0")
    assert_not_reloaded(page)
    page.screenshot(path=str(LOG_DIR / "cart-expired.png"))

    page.goto(f"/?search={word}")
    expect(card(page, lamp).locator(".stock-line")).to_have_text("5 in stock")


def test_the_stock_stream_reconnects_by_itself_after_its_web_process_restarts(
    browser: Browser, base_url: str, services: dict[str, str]
) -> None:
    """The watching page's process is stopped and started again on the same address: the browser's
    stream comes back on its own (the extension's retry), and a later reservation still reaches the card."""
    word = tag()
    [lamp] = new_products(ProductSpec(f"Reconnecting lamp {word}", "30.00", 5))
    username, password = new_customer()
    env = {
        **os.environ,
        "DATABASE_URL": services["database_url"],
        "REDIS_URL": services["redis_url"],
        "QUEUE_NAME": E2E_QUEUE_NAME,
    }
    port = free_port()
    buying = browser.new_context(base_url=base_url)
    with web_server("web-restarting-1.log", env, port) as url:
        watching = browser.new_context(base_url=url)
        a = watching.new_page()
        open_catalog_streaming(a, word)
        expect(card(a, lamp).locator(".stock-line")).to_have_text("5 in stock")
        a.evaluate("window.__noReload = true")
        # htmx's SSE extension fires htmx:sseOpen each time the stream opens: count the openings from here.
        a.evaluate("window.__sseOpens = 0; document.addEventListener('htmx:sseOpen', () => window.__sseOpens++)")
    try:
        # The process is gone, and the page's stream with it; while it is down the browser's retries fail.
        assert a.evaluate("window.__sseOpens") == 0
        with web_server("web-restarting-2.log", env, port):
            # The extension reconnects with backoff (0.5 s, 1 s, 2 s …) once the address answers.
            a.wait_for_function("() => window.__sseOpens > 0", timeout=60_000)
            b = buying.new_page()
            log_in_as(b, username, password)
            b.goto(f"/?search={word}")
            add_to_cart(b, lamp, 2)
            expect(card(b, lamp).get_by_role("status")).to_contain_text("Added 2 to your cart.")

            expect(card(a, lamp).locator(".stock-line")).to_have_text("3 in stock", timeout=WAIT_MS)
            assert_not_reloaded(a)  # the reconnected stream brought it, not a reload of the page
    finally:
        watching.close()
        buying.close()
