"""A shopper sees where they are logged in and logs another browser out, in place."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Browser, Dialog, Page, expect

from e2e.shop_data import new_customer

LogIn = Callable[[Page, str, str], None]


def test_a_shopper_ends_the_session_of_another_browser(browser: Browser, base_url: str, log_in: LogIn) -> None:
    account = new_customer()
    laptop = browser.new_context(base_url=base_url).new_page()
    phone = browser.new_context(
        base_url=base_url, user_agent="Mozilla/5.0 (Linux; Android 15) Firefox/133.0"
    ).new_page()
    third = browser.new_context(base_url=base_url).new_page()
    for page in (laptop, phone, third):
        log_in(page, *account)

    laptop.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Your sessions")
    laptop.evaluate("window.__noReload = true")
    rows = laptop.locator("#session-list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("this device")
    phone_row = rows.filter(has_text="Firefox on Android")
    phone_row.get_by_role("button", name="End").click()

    expect(rows).to_have_count(2)
    expect(laptop.locator("#flash-area")).to_have_text("That session has ended: its browser is logged out.")
    assert laptop.evaluate("window.__noReload") is True, "the page reloaded"
    phone.goto("/cart")
    expect(phone).to_have_url(f"{base_url}/login?next=/cart")

    laptop.once("dialog", lambda dialog: dialog.accept() if isinstance(dialog, Dialog) else None)
    laptop.get_by_role("button", name="Log out everywhere else").click()
    expect(rows).to_have_count(1)
    expect(laptop.locator("#session-list")).to_contain_text("No other browser is logged in as you.")
    third.goto("/cart")
    expect(third).to_have_url(f"{base_url}/login?next=/cart")
    laptop.goto("/cart")
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Your cart")
    for page in (laptop, phone, third):
        page.context.close()
