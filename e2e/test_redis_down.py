"""With Redis gone, a person still logs in and places an order in Chromium.

The shop here runs in its own web process on its own redis-server, which the test kills before the
browser arrives; the shared test Redis and the session's live server are left alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from e2e.conftest import web_server
from e2e.shop_data import ProductSpec, new_customer, new_products, tag
from e2e.test_shopper_journey import ORDER_URL, add_to_cart, card, fill_address
from tests.support.redis_server import OwnedRedis


@pytest.fixture(scope="module")
def shop_without_redis(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a web process whose Redis has been killed after it became ready."""
    redis = OwnedRedis(Path(tmp_path_factory.mktemp("redis-down")))
    redis.start()
    env = {
        **os.environ,
        "DATABASE_URL": services["database_url"],
        "REDIS_URL": redis.url,
        "QUEUE_NAME": "emporium-e2e-redis-down",
    }
    try:
        with web_server("web-redis-down.log", env) as url:
            redis.kill()
            yield url
    finally:
        redis.kill()


def test_with_redis_down_a_person_logs_in_and_places_an_order(browser: Browser, shop_without_redis: str) -> None:
    word = tag()
    [lamp] = new_products(ProductSpec(f"Brass lamp {word}", "40.00", 5))
    username, password = new_customer()
    context = browser.new_context(base_url=shop_without_redis)
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator(".user-chip")).to_contain_text(username)

        # Live stock is off: the stream answers 204 (the browser backs off), the figure is the page's own.
        with page.expect_response(lambda response: response.url.endswith("/events/stock")) as stream:
            page.goto(f"/?search={word}")
        assert stream.value.status == 204
        expect(card(page, lamp).locator(".stock-line")).to_have_text("5 in stock")
        add_to_cart(page, lamp, 2)
        expect(card(page, lamp).get_by_role("status")).to_contain_text("Added 2 to your cart.")
        expect(page.locator("#cart-badge")).to_have_text("2")

        with page.expect_response(lambda response: response.url.endswith("/events/stock")) as stream:
            page.get_by_role("link", name=re.compile("^Cart")).click()
        assert stream.value.status == 204  # no live updates (the cart's expiry note among them), the page works
        expect(page.locator("#cart-live-note")).to_be_hidden()
        fill_address(page, "1 Main St")
        page.get_by_role("button", name="Place order").click()
        expect(page).to_have_url(ORDER_URL)
        expect(page.locator("#flash-area")).to_have_text(re.compile(r"^Order #\d+ placed$"))
        expect(page.locator(".user-chip")).to_contain_text(username)  # still logged in
    finally:
        context.close()
