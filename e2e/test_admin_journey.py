"""An administrator's day in a real browser: a product created, repriced in place while a customer
holds it in their cart, refused deletion, deleted and restored, then found in the audit log by the
request that changed it; and the dashboard's chart, drawn by the server."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Browser, Locator, Page, Response, expect

from e2e.accounts import ADMIN, CUSTOMER
from e2e.shop_data import tag

LogIn = Callable[[Page, str, str], None]


def is_post_to(path: str) -> Callable[[Response], bool]:
    pattern = re.compile(rf"/admin/products(/[0-9a-f-]{{36}})?{path}$")
    return lambda response: response.request.method == "POST" and bool(pattern.search(response.url))


def product_row(page: Page, name: str) -> Locator:
    return page.locator("#product-rows > tr", has=page.get_by_role("rowheader", name=name, exact=True))


def edit_in_place(page: Page, name: str) -> Locator:
    """Open the row's inline form; returns it once htmx has swapped it in and focused its first field."""
    product_row(page, name).get_by_role("link", name=f"Edit {name}").click()
    form = page.locator("form.product-edit-form", has_text=f"Edit {name}")
    expect(form.get_by_label("Name")).to_be_focused()
    return form


def test_an_admin_reprices_deletes_and_restores_a_product_a_customer_holds(
    page: Page, browser: Browser, log_in: LogIn, base_url: str
) -> None:
    name = f"Teak stool {tag()}"
    log_in(page, *ADMIN)
    page.goto("/admin/products")
    page.evaluate("window.__noReload = true")

    creator = page.locator("#product-form")
    creator.get_by_label("Name").fill(name)
    creator.get_by_label("Price").fill("120.00")
    creator.get_by_label("Stock").fill("4")
    creator.get_by_role("button", name="Add product").click()
    row = product_row(page, name)
    expect(row.locator(".product-price")).to_have_text("$120.00")
    product_id = (row.get_attribute("id") or "").removeprefix("product-row-")

    # A customer, in a browser of their own, puts it in their cart at $120.00.
    shopper_context = browser.new_context(base_url=base_url)
    shopper = shopper_context.new_page()
    log_in(shopper, *CUSTOMER)
    shopper.goto(f"/products/{product_id}")
    shopper.get_by_role("button", name=re.compile("^Add to cart")).click()
    expect(shopper.locator(".purchase-message")).to_contain_text("Added 1 to your cart")

    # The admin reprices it in place; the request id comes back in a response header.
    form = edit_in_place(page, name)
    expect(form.get_by_text("Carts and orders keep the price they were added at.")).to_be_visible()
    form.get_by_label("Price").fill("135.00")
    with page.expect_response(is_post_to("")) as saved:
        form.get_by_role("button", name="Save").click()
    assert saved.value.status == 200
    request_id = saved.value.header_value("x-request-id")
    assert request_id
    expect(row.locator(".product-price")).to_have_text("$135.00")
    expect(row.get_by_role("status")).to_have_text("Saved.")

    shopper.goto("/cart")
    line = shopper.locator(f"#line-{product_id}")
    expect(line.locator(".cart-line-price")).to_have_text("$120.00")  # the cart keeps its snapshot

    # Deleting is refused while the product sits in the cart, and the row says why.
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(is_post_to("/delete")) as refused:
        row.get_by_role("button", name=f"Delete {name}").click()
    assert refused.value.status == 409
    expect(row.get_by_role("alert")).to_contain_text("Not deleted: this product is in a shopper's cart.")

    shopper.once("dialog", lambda dialog: dialog.accept())
    line.get_by_role("button", name=f"Remove {name}").click()
    expect(line).to_have_count(0)
    shopper_context.close()

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=f"Delete {name}").click()
    expect(row.locator(".product-status")).to_have_text("Deleted")
    expect(row.get_by_role("status")).to_contain_text("Deleted: shoppers no longer see it.")

    row.get_by_role("button", name=f"Restore {name}").click()
    expect(row.locator(".product-status")).to_have_text("Live")
    expect(row.get_by_role("status")).to_contain_text("Restored")
    assert page.evaluate("window.__noReload") is True, "the page reloaded"

    # The audit log, filtered by the request id of the price change, shows that change alone.
    page.goto(f"/admin/audit?request_id={request_id}")
    entries = page.locator("#audit-results tr.audit-entry")
    expect(entries).to_have_count(1)
    expect(entries).to_have_attribute("data-event-type", "ProductUpdated")
    entries.locator(".payload summary").click()
    expect(entries.locator(".payload pre")).to_contain_text('"to": "135.00"')
    expect(page.get_by_label("Request id")).to_have_value(request_id)

    # The audit log filtered by the product shows its whole story, newest first.
    page.goto(f"/admin/audit?aggregate_id={product_id}&aggregate_type=Product")
    story = page.locator("#audit-results tr.audit-entry").evaluate_all("rows => rows.map(row => row.dataset.eventType)")
    assert story == [
        "ProductRestored",
        "ProductDeleted",
        "StockReleased",
        "ProductUpdated",
        "StockReserved",
        "ProductCreated",
    ]


def test_the_dashboard_draws_the_sales_chart_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Log in").click()

    page.goto("/admin")
    expect(page.get_by_role("navigation", name="Admin").get_by_role("link", name="Dashboard")).to_have_attribute(
        "aria-current", "page"
    )
    revenue = page.get_by_role("img", name=re.compile(r"^Revenue per day"))
    expect(revenue).to_be_visible()
    expect(revenue.locator("g.chart-bar")).to_have_count(14)
    expect(revenue.locator("g.chart-bar.is-today title")).to_contain_text("order")
    box = revenue.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100

    page.get_by_text("The same figures as a table").click()
    expect(page.locator(".chart-data table tbody tr")).to_have_count(14)
    expect(page.get_by_role("heading", name="Background jobs")).to_be_visible()
    context.close()
