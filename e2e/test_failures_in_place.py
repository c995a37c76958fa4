"""A failed add to cart is told beside the product, and the form is still there to try again.

Network down and a proxy's 502 are simulated with Playwright's routing; the 429 is a throttled
answer as the shop sends it (`data-request-failed`); the ended session is the real thing (the
session cookie gone, as when it expired or was ended from another browser's account page).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Route, expect

from e2e.shop_data import ProductSpec, new_customer, new_products, tag

LogIn = Callable[[Page, str, str], None]
ADD = "**/cart/items"
THROTTLED = '<p class="request-failure" role="alert" data-request-failed>Too many requests. Try again in 30 s.</p>'


def test_no_network_a_502_and_a_429_are_told_beside_the_product_and_the_add_can_be_retried(
    page: Page, log_in: LogIn
) -> None:
    (lamp,) = new_products(ProductSpec(f"Brass lamp {tag()}", "40.00", 9))
    log_in(page, *new_customer())
    page.goto(f"/?search={lamp.name.split()[-1]}")
    box = page.locator(f"#purchase-{lamp.id}")
    button = page.locator(f"#add-{lamp.id}")
    message = box.get_by_role("alert")

    failures: list[tuple[Callable[[Route], None], str]] = [
        (lambda route: route.abort(), "We could not reach the shop"),
        (lambda route: route.fulfill(status=502, body="<html><body>Bad gateway</body></html>"), "Something went wrong"),
        (lambda route: route.fulfill(status=429, headers={"Retry-After": "30"}, body=THROTTLED), "Too many requests"),
    ]
    for failure, words in failures:
        page.route(ADD, failure)
        button.click()
        expect(message).to_contain_text(words)
        expect(box).not_to_contain_text("Bad gateway")
        expect(button).to_be_enabled()  # the form is kept
        expect(button).to_be_focused()
        page.unroute(ADD)

    page.get_by_label(re.compile(f"^Qty of {lamp.name}")).fill("2")
    button.click()  # the retry goes through
    expect(box.get_by_role("status")).to_contain_text("Added 2 to your cart.")
    expect(message).to_have_count(0)
    expect(page.locator("#cart-badge")).to_have_text("2")


def log_out_in_another_tab(page: Page) -> None:
    other = page.context.new_page()
    other.goto("/cart")
    other.get_by_role("button", name="Log out").click()
    expect(other.locator("#flash-area")).to_contain_text("You are logged out.")
    other.close()


@pytest.mark.parametrize("ending", ["cookie gone", "logged out in another tab"])
def test_an_ended_session_sends_the_shopper_to_log_in_and_back(page: Page, log_in: LogIn, ending: str) -> None:
    (rug,) = new_products(ProductSpec(f"Wool rug {tag()}", "20.00", 5))
    username, password = new_customer()
    log_in(page, username, password)
    catalog = f"/?search={rug.name.split()[-1]}"
    page.goto(catalog)
    if ending == "cookie gone":  # expired, or ended from another browser's account page
        page.context.clear_cookies(name="sessionid")
    else:  # the CSRF secret changed too: the shop's 403, answered as an ended session
        log_out_in_another_tab(page)

    page.locator(f"#add-{rug.id}").click()

    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.locator("#flash-area")).to_contain_text("Your session ended")
    log_in(page, username, password)
    expect(page).to_have_url(re.compile(re.escape(catalog) + "$"))
    page.locator(f"#add-{rug.id}").click()  # and the add can be done again
    expect(page.locator(f"#purchase-{rug.id}").get_by_role("status")).to_contain_text("Added 1 to your cart.")


def test_a_form_expired_by_a_login_in_another_tab_is_told_and_the_retry_goes_through(page: Page, log_in: LogIn) -> None:
    (vase,) = new_products(ProductSpec(f"Glass vase {tag()}", "15.00", 5))
    username, password = new_customer()
    log_in(page, username, password)
    page.goto(f"/?search={vase.name.split()[-1]}")
    other = page.context.new_page()
    log_out_in_another_tab(page)
    log_in(other, username, password)  # signed in again elsewhere: this tab's token is from the old secret
    other.close()

    page.locator(f"#add-{vase.id}").click()

    box = page.locator(f"#purchase-{vase.id}")
    expect(box.get_by_role("alert")).to_contain_text("Your form expired")
    page.locator(f"#add-{vase.id}").click()  # the answer brought a fresh token
    expect(box.get_by_role("status")).to_contain_text("Added 1 to your cart.")
