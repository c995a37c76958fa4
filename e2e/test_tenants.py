"""Two shops side by side in one browser: each its own catalog and its own logins."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from e2e.accounts import ADMIN, CUSTOMER, OUTLET

LogIn = Callable[[Page, str, str], None]


def outlet_url(base_url: str, path: str) -> str:
    """The same server, under the outlet's host name."""
    return f"http://{OUTLET[2]}:{urlsplit(base_url).port}{path}"


def test_a_product_added_in_the_outlet_is_sold_there_and_not_in_the_default_shop(
    page: Page, log_in: LogIn, base_url: str
) -> None:
    name = f"Outlet lamp {uuid.uuid4().hex[:8]}"
    page.goto(outlet_url(base_url, "/login"))
    expect(page.locator(".brand")).to_have_text(OUTLET[1])
    log_in(page, *ADMIN)
    page.goto(outlet_url(base_url, "/admin/products"))
    form = page.locator("#product-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Price").fill("19.99")
    form.get_by_label("Stock").fill("3")
    form.get_by_role("button", name="Add product").click()
    expect(page.locator("#flash-area")).to_have_text(f"Product “{name}” added.")

    page.goto(outlet_url(base_url, f"/products?search={name}"))
    expect(page.get_by_role("link", name=name)).to_be_visible()
    page.goto(f"/products?search={name}")
    expect(page.locator(".brand")).to_have_text("Emporium")
    expect(page.get_by_role("link", name=name)).to_have_count(0)
    expect(page.get_by_text("No products match")).to_be_visible()


def test_a_login_in_the_default_shop_is_no_login_in_the_outlet(page: Page, log_in: LogIn, base_url: str) -> None:
    log_in(page, *CUSTOMER)
    page.goto(outlet_url(base_url, "/"))
    expect(page.locator(".brand")).to_have_text(OUTLET[1])
    expect(page.locator(".user-chip")).to_have_count(0)
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.goto("/")  # still logged in at home
    expect(page.locator(".user-chip")).to_contain_text(CUSTOMER[0])
