"""An administrator adds products from the browser; the audit log and the guards behave."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import Page, Response, expect

from e2e.accounts import ADMIN, CUSTOMER

LogIn = Callable[[Page, str, str], None]
CSRF_REFUSED = "Your form expired or was sent from another site"


def unique_name(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:8]}"


def is_product_post(response: Response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/admin/products")


def test_admin_adds_a_product_in_place_and_the_audit_log_records_it(page: Page, log_in: LogIn) -> None:
    name = unique_name("Walnut desk")
    log_in(page, *ADMIN)
    page.goto("/admin/products")
    page.evaluate("window.__noReload = true")
    form = page.locator("#product-form")

    form.get_by_label("Name").fill(name)
    form.get_by_label("Price").fill("249.50")
    form.get_by_label("Stock").fill("7")
    with page.expect_response(is_product_post) as created:
        form.get_by_role("button", name="Add product").click()
    assert created.value.status == 201
    request_id = created.value.header_value("x-request-id")
    assert request_id

    new_row = page.locator("#product-rows > tr").first
    expect(new_row).to_have_class(re.compile(r"\bis-new\b"))
    expect(new_row.get_by_role("rowheader")).to_have_text(name)
    # The last cell is localised by js/local-times.js: "Dec 2, 2026, 06:11 AM UTC".
    expect(new_row.locator("td:not(.row-actions)")).to_have_text(
        ["$249.50", "7", "Live", re.compile(r"\w{3} \d{1,2}, \d{4}")]
    )
    expect(page.locator("#flash-area")).to_have_text(f"Product “{name}” added.")
    expect(form.get_by_label("Name")).to_have_value("")

    form.get_by_label("Price").fill("12.00")
    form.get_by_label("Stock").fill("1")
    with page.expect_response(is_product_post) as rejected:
        form.get_by_role("button", name="Add product").click()
    assert rejected.value.status == 422
    name_field = form.locator(".field", has=page.get_by_label("Name"))
    expect(name_field.locator(".field-error")).to_have_text("Name is required")
    expect(form.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Price")).to_have_value("12.00")
    expect(page.locator("#flash-area")).to_be_empty()
    assert page.evaluate("window.__noReload") is True, "the page reloaded"

    page.goto("/admin/audit?event_type=ProductCreated")
    payload_naming_it = page.locator(".payload pre", has_text=name)
    entry = page.locator("tr.audit-entry[data-event-type=ProductCreated]", has=payload_naming_it)
    expect(entry).to_have_count(1)
    entry.locator(".payload summary").click()
    expect(entry.locator(".payload pre")).to_be_visible()

    page.goto(f"/admin/audit?request_id={request_id}")
    entries = page.locator("tr.audit-entry")
    expect(entries).to_have_count(1)
    expect(entries.locator(".payload pre")).to_contain_text(name)
    request_link = entries.get_by_role("link", name=re.compile("^Entries of request"))
    expect(request_link).to_have_attribute("href", f"/admin/audit?request_id={request_id}")


def test_a_form_posted_without_a_csrf_token_is_refused(page: Page, log_in: LogIn) -> None:
    name = unique_name("Forged lamp")
    log_in(page, *ADMIN)
    with page.expect_response(is_product_post) as refused:
        page.evaluate(
            """name => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = "/admin/products";
                for (const [key, value] of Object.entries({name, price: "5.00", stock_quantity: "3"})) {
                    const input = document.createElement("input");
                    input.name = key;
                    input.value = value;
                    form.append(input);
                }
                document.body.append(form);
                form.submit();
            }""",
            name,
        )
    assert refused.value.status == 403
    expect(page.get_by_text(CSRF_REFUSED)).to_be_visible()

    page.goto("/admin/products")
    expect(page.get_by_role("heading", name="Products", exact=True)).to_be_visible()
    expect(page.locator("#product-rows")).not_to_contain_text(name)


def test_a_customer_is_refused_the_admin_pages(page: Page, log_in: LogIn) -> None:
    log_in(page, *CUSTOMER)
    response = page.goto("/admin/products")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.locator("#product-form")).to_have_count(0)


def test_an_anonymous_visitor_logs_in_and_lands_back_on_the_admin_page(
    page: Page, log_in: LogIn, base_url: str
) -> None:
    page.goto("/admin/products")
    expect(page).to_have_url(re.compile(rf"^{re.escape(base_url)}/login\?next=(/|%2F)admin(/|%2F)products$"))

    log_in(page, *ADMIN)
    expect(page).to_have_url(f"{base_url}/admin/products")
    expect(page.get_by_role("heading", name="Products", exact=True)).to_be_visible()
