"""The audit log filters in place, keeping the filter in the address bar."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.accounts import ADMIN


def test_filtering_the_audit_log_swaps_only_the_results(page: Page, log_in: Callable[[Page, str, str], None]) -> None:
    log_in(page, *ADMIN)
    page.goto("/admin/audit")
    page.evaluate("window.__noReload = true")

    page.get_by_label("Event type").fill("UserRegistered")
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(r"/admin/audit\?.*event_type=UserRegistered"))
    entries = page.locator("#audit-results tr.audit-entry")
    expect(entries.first).to_be_visible()
    expect(page.locator("#audit-results tr.audit-entry:not([data-event-type=UserRegistered])")).to_have_count(0)
    assert page.evaluate("window.__noReload") is True, "the page reloaded"
