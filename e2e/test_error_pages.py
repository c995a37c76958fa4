"""Error pages keep the site's layout and say what happened."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_an_unknown_address_shows_the_not_found_page(page: Page) -> None:
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_role("link", name="Back to the catalog")).to_be_visible()
