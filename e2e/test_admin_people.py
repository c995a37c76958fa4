"""An administrator manages groups, feature flags, users and coupons in the browser.

With JavaScript every change swaps only its own row, card or form (a `window.__noReload` marker
proves the page never reloaded) and destructive or privilege changes ask in a dialog first;
without JavaScript the same actions post plain forms and ask on a page of their own.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser, Dialog, Page, expect

from e2e.accounts import ADMIN

LogIn = Callable[[Page, str, str], None]


def tag() -> str:
    return uuid.uuid4().hex[:8]


def mark_no_reload(page: Page) -> None:
    page.evaluate("window.__noReload = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__noReload") is True, "the page reloaded"


def accept_dialogs(page: Page) -> list[str]:
    """Accept every confirmation dialog; returns their questions as they come."""
    questions: list[str] = []

    def accept(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return questions


def create_group(page: Page, name: str) -> None:
    page.goto("/admin/groups")
    form = page.locator("#group-form")
    form.get_by_label("Name").fill(name)
    form.get_by_role("button", name="Create group").click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def test_an_admin_manages_a_flag_in_place_and_deleting_it_asks_first(page: Page, log_in: LogIn) -> None:
    group, flag = f"beta_{tag()}", f"new_checkout_{tag()}"
    log_in(page, *ADMIN)
    create_group(page, group)
    page.goto("/admin/flags")
    mark_no_reload(page)
    questions = accept_dialogs(page)

    form = page.locator("#flag-form")
    form.get_by_label("Name").fill(flag)
    form.get_by_label("Description (optional)").fill("One-page checkout")
    form.get_by_role("button", name="Create flag").click()
    row = page.locator(f'tr[id="flag-{flag}"]')
    expect(row.get_by_role("switch")).to_have_attribute("aria-checked", "false")
    expect(row).to_contain_text("All users")
    expect(page.locator("#flash-area")).to_have_text(f"Flag {flag} created, off.")
    expect(form.get_by_label("Name")).to_have_value("")

    row.get_by_role("switch").click()
    expect(row.get_by_role("switch")).to_have_attribute("aria-checked", "true")
    expect(page.locator("#flash-area")).to_have_text(f"{flag} is on.")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "switch", "the switch kept the focus"

    row.get_by_text("Edit the description").click()
    row.get_by_label("Description").fill("Checkout in one page")
    row.get_by_role("button", name="Save description").click()
    expect(row.locator(".description")).to_have_text("Checkout in one page")
    expect(row.get_by_text("Edit the description")).to_be_focused()  # keyboard users carry on from there

    row.get_by_text("Edit the target groups").click()
    row.get_by_label(group).check()
    row.get_by_role("button", name="Save targeting").click()
    expect(row.locator(".chip")).to_have_text([group])

    row.get_by_role("button", name=re.compile("^Delete")).click()
    expect(row).to_have_count(0)
    assert questions == [f"Delete the flag {flag}? Code that asks for it will find it off."]
    expect(page.locator("#flash-area")).to_have_text(f"Flag {flag} deleted.")
    assert_not_reloaded(page)


def test_a_new_user_joins_a_group_and_is_promoted_after_a_confirmation(page: Page, log_in: LogIn) -> None:
    group, username = f"staff_{tag()}", f"user_{tag()}"
    log_in(page, *ADMIN)
    create_group(page, group)
    page.goto("/admin/users")
    mark_no_reload(page)
    questions = accept_dialogs(page)

    form = page.locator("#user-form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password").fill("x")
    form.get_by_role("button", name="Create user").click()
    expect(form.locator("#error-password")).to_have_text("Password must be at least 4 characters")
    expect(form.get_by_label("Username")).to_have_value(username)
    form.get_by_label("Password").fill("secret-enough")
    form.get_by_role("button", name="Create user").click()
    row = page.locator("tbody tr", has_text=username)
    expect(row).to_have_class(re.compile(r"\bis-new\b"))
    expect(row.locator(".role-badge")).to_have_text("customer")

    row.get_by_label(f"Add {username} to a group").select_option(label=group)
    row.get_by_role("button", name="Add", exact=True).click()
    expect(row.locator(".chip")).to_contain_text([group])

    row.get_by_role("button", name=re.compile("^Make admin")).click()
    expect(row.locator(".role-badge")).to_have_text("admin")
    assert questions == [
        f"Make {username} an admin? The new rights apply from their next request; they stay logged in."
    ]
    expect(page.locator("#flash-area")).to_contain_text(f"{username} is now an admin.")
    assert_not_reloaded(page)


def test_coupon_mistakes_are_shown_together_and_the_new_coupon_lands_on_top(page: Page, log_in: LogIn) -> None:
    code = f"E2E{tag()}".upper()
    log_in(page, *ADMIN)
    page.goto("/admin/coupons")
    mark_no_reload(page)
    form = page.locator("#coupon-form")

    form.get_by_label("Discount (%)").fill("150")
    form.get_by_role("button", name="Create coupon").click()
    expect(form.locator("#error-code")).to_have_text("Coupon code cannot be empty")
    expect(form.locator("#error-discount_percent")).to_contain_text("Discount must be from 0.01 to 100 %")
    expect(form.locator("#error-expires_at")).to_contain_text("Enter a date and time")
    expect(form.get_by_label("Code")).to_be_focused()

    expires = (datetime.now(UTC) + timedelta(days=10)).replace(second=0, microsecond=0)
    form.get_by_label("Code").fill(code)
    form.get_by_label("Discount (%)").fill("15")
    form.get_by_label("Expires at (UTC)").fill(expires.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Create coupon").click()
    first = page.locator("#coupon-list tbody tr").first
    expect(first.locator("th")).to_have_text(code)
    expect(first.locator("td")).to_have_text(
        # js/local-times.js shows times in the browser's zone (UTC here): "Dec 12, 2026, 06:16 AM UTC".
        ["15%", f"{expires:%b} {expires.day}, {expires:%Y, %I:%M %p} UTC", re.compile("UTC"), "Active"]
    )
    expect(form.locator(".field-error:not(:empty)")).to_have_count(0)
    expect(form.get_by_label("Code")).to_have_value("")
    assert_not_reloaded(page)


def test_without_javascript_deleting_a_group_asks_on_a_page_of_its_own(
    browser: Browser, base_url: str, log_in: LogIn
) -> None:
    group = f"old_{tag()}"
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    log_in(page, *ADMIN)
    create_group(page, group)
    expect(page.locator("#flash-area")).to_contain_text(f"Group {group} created.")

    card = page.locator(".group-card", has=page.get_by_role("heading", name=group, exact=True))
    card.get_by_role("button", name=re.compile("^Delete")).click()
    expect(page.get_by_role("heading", name=f"Delete the group {group}?")).to_be_visible()
    page.get_by_role("button", name="Delete group").click()
    expect(page).to_have_url(re.compile(r"/admin/groups$"))
    expect(page.locator("#flash-area")).to_have_text("Group deleted; flags that targeted it no longer do.")
    expect(page.get_by_role("heading", name=group, exact=True)).to_have_count(0)
    context.close()
