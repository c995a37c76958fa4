"""Every page, and what htmx does on it, runs under the Content-Security-Policy with no violation."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from e2e.accounts import ADMIN
from e2e.shop_data import ProductSpec, new_customer, new_products, tag

LogIn = Callable[[Page, str, str], None]
ORDER_URL = re.compile(r"/orders/[0-9a-f-]{36}$")
REPORTS_VIOLATION = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.reportCspViolation(`${event.effectiveDirective} refused ${event.blockedURI} at ${where}`);
});
"""


@pytest.fixture
def violations(page: Page) -> Iterator[list[str]]:
    """CSP violations on this page, as the console reports them and as `securitypolicyviolation` events."""
    found: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Refused to" in message.text or "Content Security Policy" in message.text:
            found.append(f"console: {message.text}")

    page.on("console", on_console)
    page.expose_function("reportCspViolation", lambda text: found.append(f"event: {text}"))
    page.add_init_script(REPORTS_VIOLATION)
    yield found


def visit(page: Page, path: str, heading: str | re.Pattern[str]) -> None:
    response = page.goto(path)
    assert response is not None and response.ok, path
    assert "content-security-policy" in response.headers, path
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def test_the_shoppers_pages_run_with_no_csp_violation(page: Page, log_in: LogIn, violations: list[str]) -> None:
    word = tag()
    [lamp] = new_products(ProductSpec(f"Brass lamp {word}", "40.00", 5))

    visit(page, "/login", "Log in")
    log_in(page, *new_customer())
    visit(page, "/", "Catalog")
    page.get_by_label("Search", exact=True).fill(word)  # htmx: a debounced search with a target filter
    expect(page.locator("#results .product-card")).to_have_count(1)
    page.get_by_label("In stock only").check()
    expect(page).to_have_url(re.compile(r"in_stock=1"))
    card = page.locator(f"#product-{lamp.id}")
    card.get_by_label(re.compile("^Qty")).fill("1")
    card.get_by_role("button", name=re.compile("^Add to cart")).click()
    expect(page.locator("#cart-badge")).to_have_text("1")
    visit(page, f"/products/{lamp.id}", lamp.name)
    visit(page, f"/cart/items/{lamp.id}/remove", "Remove from your cart?")  # the confirmation without JavaScript
    visit(page, "/cart", "Your cart")
    page.get_by_label("Street address").fill("1 Main St")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("State").fill("IL")
    page.get_by_label("Postal code").fill("62701")
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(ORDER_URL)
    visit(page, "/orders", "Your orders")
    visit(page, "/account/sessions", "Your sessions")
    page.goto("/no-such-page")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()

    assert violations == []


ADMIN_PAGES = (
    ("/admin", "Dashboard"),
    ("/admin/products", "Products"),
    ("/admin/report", re.compile("report", re.IGNORECASE)),
    ("/admin/orders", "Orders"),
    ("/admin/audit", "Audit log"),
    ("/admin/coupons", "Coupons"),
    ("/admin/users", "Users"),
    ("/admin/groups", "User groups"),
    ("/admin/flags", "Feature flags"),
)


def test_every_admin_page_runs_with_no_csp_violation(page: Page, log_in: LogIn, violations: list[str]) -> None:
    [desk] = new_products(ProductSpec(f"Walnut desk {tag()}", "249.50", 3))
    log_in(page, *ADMIN)

    for path, heading in ADMIN_PAGES:
        visit(page, path, heading)
    visit(page, f"/admin/products/{desk.id}/edit", re.compile("desk", re.IGNORECASE))
    visit(page, f"/admin/products/{desk.id}/delete", re.compile("^Delete"))
    page.goto("/admin/products")
    page.get_by_label("Search", exact=True).fill(desk.name)  # htmx: live search, with the indicator
    expect(page.locator("#product-rows > tr")).to_have_count(1)
    form = page.locator("#product-form")
    form.get_by_label("Price").fill("1.00")
    form.get_by_role("button", name="Add product").click()  # refused: the static forms.js clears the flash
    expect(form.locator(".field-error").first).to_have_text("Name is required")

    assert violations == []


def test_the_api_reference_shows_both_versions_with_no_csp_violation(page: Page, violations: list[str]) -> None:
    response = page.goto("/api/docs")
    assert response is not None and response.ok and "content-security-policy" in response.headers
    operations = page.locator(".opblock-summary-path")
    expect(page.locator(".info .title")).to_contain_text("Emporium API v2")
    expect(operations.filter(has_text=re.compile(r"^/api/v2/orders$")).first).to_be_visible()
    page.get_by_label("Select a definition").select_option(label="Emporium API v1 (deprecated)")
    expect(page.locator(".info .title")).to_contain_text("Emporium API v1")
    expect(operations.filter(has_text=re.compile(r"^/api/v1/cart/submit$")).first).to_be_visible()
    expect(operations.filter(has_text="/api/v2/")).to_have_count(0)
    assert not violations, "\n".join(violations)
