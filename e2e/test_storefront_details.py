"""The details that make the shop feel right, in a real browser: where the focus goes after a page
link and an add, no layout shift when a message appears, times in the shopper's own time zone, and
the reservation countdown ticking."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Browser, Page, expect

from e2e.shop_data import ProductSpec, new_customer, new_products, tag

LogIn = Callable[[Page, str, str], None]
# Every layout shift from now on, counted whether or not it followed an input (CLS would forgive
# shifts within 500 ms of a click, which is exactly when an add-to-cart's message appears).
OBSERVE_SHIFTS = """() => {
  window.__shift = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__shift += entry.value;
  }).observe({ type: "layout-shift" });
}"""


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_next_page_scrolls_to_the_results_and_focuses_their_heading(page: Page, log_in: LogIn) -> None:
    word = tag()
    new_products(*(ProductSpec(f"Walnut stool {word} {n}", "25.00", 4) for n in range(10)))
    log_in(page, *new_customer())

    page.goto(f"/?search={word}&page_size=8")  # two rows of cards: the pager is below the fold
    page.get_by_role("link", name="Next ›").scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    assert before > 0, "the pager should be below the fold for this test to show the scroll back"
    page.get_by_role("link", name="Next ›").click()

    heading = page.locator("#results-heading")
    expect(heading).to_have_text("Products, continued")  # a keyset page knows no page numbers
    expect(heading).to_be_focused()
    # Scrolled as far towards the results' top as the page allows (a short last page may not scroll so far).
    off = page.evaluate("""() => {
      const top = document.getElementById("results").getBoundingClientRect().top + window.scrollY;
      const furthest = document.documentElement.scrollHeight - window.innerHeight;
      return Math.abs(Math.min(top, furthest) - window.scrollY);
    }""")
    assert off < 2, f"the window is {off}px away from the top of the results"
    expect(page).to_have_url(re.compile(r"after=[\w-]+"))
    assert page.evaluate("window.scrollY") <= before


def test_after_an_add_the_focus_stays_on_the_button_and_nothing_moves(page: Page, log_in: LogIn) -> None:
    word = tag()
    first, *_ = new_products(*(ProductSpec(f"Linen throw {word} {n}", "30.00", 9) for n in range(8)))
    log_in(page, *new_customer())
    page.goto(f"/?search={word}")
    expect(page.locator("#results .product-card")).to_have_count(8)
    page.evaluate(OBSERVE_SHIFTS)

    button = page.locator(f"#add-{first.id}")
    button.click()
    expect(page.locator(f"#purchase-{first.id}").get_by_role("status")).to_contain_text("Added 1 to your cart.")
    expect(page.locator("#cart-badge")).to_have_text("1")

    assert focused_id(page) == f"add-{first.id}"
    page.wait_for_timeout(100)  # let the observer deliver the last entries; the figure is not a timing
    assert page.evaluate("window.__shift") == 0


def test_cart_changes_keep_the_focus_and_announce_the_new_total(page: Page, log_in: LogIn) -> None:
    word = tag()
    lamp, rug = new_products(ProductSpec(f"Brass lamp {word}", "40.00", 5), ProductSpec(f"Wool rug {word}", "20.00", 5))
    log_in(page, *new_customer())
    page.goto(f"/?search={word}")
    page.locator(f"#add-{lamp.id}").click()
    expect(page.locator("#cart-badge")).to_have_text("1")
    page.locator(f"#add-{rug.id}").click()
    expect(page.locator("#cart-badge")).to_have_text("2")

    page.goto("/cart")
    page.get_by_label(f"Quantity of {lamp.name}").fill("3")
    page.get_by_role("button", name=f"Update {lamp.name}").click()
    summary = page.locator("#order-summary [aria-live=polite]")
    expect(summary.locator(".totals-total dd")).to_have_text("$140.00")
    expect(page.get_by_role("button", name=f"Update {lamp.name}")).to_be_focused()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Remove {rug.name}").click()
    expect(summary.locator(".totals-total dd")).to_have_text("$120.00")
    expect(page.locator("#cart-items-title")).to_be_focused()


def test_times_are_in_the_shoppers_time_zone_and_the_reservation_ticks(
    browser: Browser, base_url: str, log_in: LogIn
) -> None:
    (lamp,) = new_products(ProductSpec(f"Brass lamp {tag()}", "40.00", 5))
    context = browser.new_context(base_url=base_url, timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    log_in(page, *new_customer())
    page.goto(f"/products/{lamp.id}")
    page.get_by_role("button", name=re.compile("^Add to cart")).click()
    expect(page.locator("#cart-badge")).to_have_text("1")

    page.goto("/cart")
    clock = page.locator("#reservation time")
    expect(clock).to_have_text(re.compile(r"^\d\d:\d\d [AP]M E[SD]T$"))  # New York, not UTC
    expect(clock).to_have_attribute("title", re.compile(r"^\d\d:\d\d UTC$"))
    left = page.locator("#reservation [data-countdown-style=clock]")
    expect(left).to_have_text(re.compile(r"^(30:00|29:\d\d)$"))
    first = left.inner_text()
    expect(left).not_to_have_text(first)  # it ticks (every second), not once a minute
    context.close()
