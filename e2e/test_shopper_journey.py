"""A shopper's whole purchase in a real browser: live with htmx (no page reloads), and again with
JavaScript turned off (plain links, form posts, redirects and flash messages)."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Browser, Dialog, Locator, Page, expect

from e2e.shop_data import CreatedProduct, ProductSpec, new_coupon, new_customer, new_products, tag

LogIn = Callable[[Page, str, str], None]
ORDER_URL = re.compile(r"/orders/[0-9a-f-]{36}$")


def card(page: Page, product: CreatedProduct) -> Locator:
    return page.locator(f"#product-{product.id}")


def add_to_cart(page: Page, product: CreatedProduct, quantity: int) -> None:
    card(page, product).get_by_label(re.compile("^Qty")).fill(str(quantity))
    card(page, product).get_by_role("button", name=re.compile("^Add to cart")).click()


def change_quantity(page: Page, product: CreatedProduct, quantity: int) -> None:
    page.get_by_label(f"Quantity of {product.name}").fill(str(quantity))
    page.get_by_role("button", name=f"Update {product.name}").click()


def fill_address(page: Page, street: str) -> None:
    page.get_by_label("Street address").fill(street)
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("State").fill("IL")
    page.get_by_label("Postal code").fill("62701")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__noReload") is True, "the page reloaded"


def test_a_shopper_searches_fills_the_cart_and_checks_out_without_a_page_reload(
    page: Page, log_in: LogIn, base_url: str
) -> None:
    word = tag()
    lamp, table = new_products(
        ProductSpec(f"Brass lamp {word}", "40.00", 5), ProductSpec(f"Oak table {word}", "250.00", 3)
    )
    coupon = new_coupon("10")
    log_in(page, *new_customer())
    badge = page.locator("#cart-badge")

    page.goto("/")
    page.evaluate("window.__noReload = true")
    page.get_by_label("Search", exact=True).fill(word)
    # The sort select is part of the filter form, so the pushed URL names it too.
    expect(page).to_have_url(f"{base_url}/?search={word}&min_price=&max_price=&sort=name")
    expect(page.locator("#results .product-card")).to_have_count(2)

    add_to_cart(page, lamp, 2)
    expect(card(page, lamp).locator(".stock-line")).to_have_text("3 in stock")
    expect(card(page, lamp).get_by_role("status")).to_contain_text("Added 2 to your cart.")
    expect(badge).to_have_text("2")
    add_to_cart(page, table, 1)
    expect(card(page, table).locator(".stock-line")).to_have_text("2 in stock")
    expect(badge).to_have_text("3")
    add_to_cart(page, table, 5)
    expect(card(page, table).get_by_role("alert")).to_have_text("Only 2 left; you asked for 5.")
    expect(badge).to_have_text("3")

    page.go_back()
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_label("Search", exact=True)).to_have_value("")
    page.go_forward()
    expect(page.get_by_label("Search", exact=True)).to_have_value(word)
    expect(card(page, lamp).locator(".stock-line")).to_have_text("3 in stock")
    assert_not_reloaded(page)

    page.get_by_role("link", name=re.compile("^Cart")).click()
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    # In the browser's time zone, ticking every second (tests/integration/test_shop_pages.py has the UTC text).
    expect(page.locator("#reservation")).to_contain_text(re.compile(r"holds until \d\d:\d\d.* \(in (30:00|29:\d\d)\)"))
    page.evaluate("window.__noReload = true")

    change_quantity(page, table, 2)
    expect(page.locator(f"#line-{table.id} .cart-line-subtotal")).to_have_text("$500.00")
    expect(page.locator("#order-summary .totals-total dd")).to_have_text("$580.00")
    expect(badge).to_have_text("4")

    page.get_by_label("Coupon code").fill(coupon.lower())
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#order-summary .totals-discount dd")).to_have_text("−$58.00")
    expect(page.locator("#order-summary .totals-total dd")).to_have_text("$522.00")
    expect(page).to_have_url(f"{base_url}/cart?coupon={coupon.lower()}")
    change_quantity(page, lamp, 1)  # the applied coupon goes along: the summary keeps its discount
    expect(page.locator("#order-summary .totals-total dd")).to_have_text("$486.00")
    expect(badge).to_have_text("3")

    fill_address(page, "1 Invalid Rd")
    page.get_by_role("button", name="Place order").click()
    expect(page.locator("#error-street_line_1")).to_have_text(
        "Address verification failed: Address not found or is invalid"
    )
    expect(page.get_by_label("Street address")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Postal code")).to_have_value("62701")
    assert_not_reloaded(page)

    page.get_by_label("Street address").fill("1 Main St")
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(ORDER_URL)
    expect(page.locator("#flash-area")).to_have_text(re.compile(r"^Order #\d+ placed$"))
    expect(page.locator(".totals-discount dd")).to_have_text("−$54.00")
    expect(page.locator(".totals-total dd")).to_have_text("$486.00")
    expect(page.locator("address")).to_contain_text("1 MAIN ST")
    expect(badge).to_have_text("0")
    number = page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    expect(page.get_by_role("link", name=number, exact=True)).to_be_visible()


def test_the_same_purchase_works_with_javascript_turned_off(browser: Browser, base_url: str, log_in: LogIn) -> None:
    word = tag()
    lamp, table = new_products(
        ProductSpec(f"Brass lamp {word}", "40.00", 5), ProductSpec(f"Oak table {word}", "250.00", 3)
    )
    coupon = new_coupon("10")
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    log_in(page, *new_customer())
    badge = page.locator("#cart-badge")
    flash = page.locator("#flash-area")

    page.get_by_label("Search", exact=True).fill(word)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"/\?search={word}&"))
    expect(page.locator("#results .product-card")).to_have_count(2)

    add_to_cart(page, lamp, 2)
    expect(flash).to_have_text(f"Added 2 × {lamp.name} to your cart.")
    expect(page).to_have_url(re.compile(rf"/\?search={word}&"))
    expect(card(page, lamp).locator(".stock-line")).to_have_text("3 in stock")
    expect(badge).to_have_text("2")
    add_to_cart(page, table, 1)
    expect(badge).to_have_text("3")

    page.get_by_role("link", name=re.compile("^Cart")).click()
    change_quantity(page, table, 2)
    expect(flash).to_have_text("Quantity updated.")
    expect(page.locator("#order-summary .totals-total dd")).to_have_text("$580.00")
    expect(badge).to_have_text("4")

    page.get_by_label("Coupon code").fill(coupon)
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(f"{base_url}/cart?coupon={coupon}")
    expect(page.locator("#order-summary .totals-total dd")).to_have_text("$522.00")

    fill_address(page, "1 Invalid Rd")
    page.get_by_role("button", name="Place order").click()
    expect(page.locator("#error-street_line_1")).to_have_text(
        "Address verification failed: Address not found or is invalid"
    )
    expect(page.locator("#order-summary .totals-total dd")).to_have_text("$522.00")  # the coupon is still applied

    page.get_by_label("Street address").fill("1 Main St")
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(ORDER_URL)
    expect(flash).to_have_text(re.compile(r"^Order #\d+ placed$"))
    expect(page.locator(".totals-total dd")).to_have_text("$522.00")
    expect(badge).to_have_text("0")
    number = page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    expect(page.get_by_role("link", name=number, exact=True)).to_be_visible()
    context.close()


def test_an_anonymous_add_is_completed_by_the_login_and_lands_back_on_the_same_search(
    page: Page, log_in: LogIn, base_url: str
) -> None:
    word = tag()
    (lamp,) = new_products(ProductSpec(f"Brass lamp {word}", "40.00", 5))
    page.goto(f"/?search={word}")

    add_to_cart(page, lamp, 2)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.locator("#flash-area")).to_have_text("Log in to add items to your cart.")

    log_in(page, *new_customer())
    expect(page).to_have_url(f"{base_url}/?search={word}")
    expect(page.locator("#flash-area")).to_contain_text(f"Added 2 × {lamp.name} to your cart.")
    expect(card(page, lamp).locator(".stock-line")).to_have_text("3 in stock")
    expect(page.locator("#cart-badge")).to_have_text("2")

    page.get_by_role("link", name=re.compile("^Cart")).click()
    expect(page.get_by_label(f"Quantity of {lamp.name}")).to_have_value("2")


def test_with_javascript_off_an_anonymous_add_on_the_product_page_is_completed_by_the_login(
    browser: Browser, base_url: str, log_in: LogIn
) -> None:
    word = tag()
    (lamp,) = new_products(ProductSpec(f"Brass lamp {word}", "40.00", 2))
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/products/{lamp.id}")

    page.get_by_label(re.compile("^Qty")).fill("3")  # more than there is: the refusal is said after login
    page.get_by_role("button", name=re.compile("^Add to cart")).click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    log_in(page, *new_customer())
    expect(page).to_have_url(f"{base_url}/products/{lamp.id}")
    expect(page.locator("#flash-area")).to_contain_text(
        f"Not added to your cart. {lamp.name}: Only 2 left; you asked for 3."
    )
    expect(page.locator("#cart-badge")).to_have_text("0")

    page.get_by_role("button", name="Log out").click()
    page.goto(f"/products/{lamp.id}")
    page.get_by_label(re.compile("^Qty")).fill("1")
    page.get_by_role("button", name=re.compile("^Add to cart")).click()
    log_in(page, *new_customer())
    expect(page).to_have_url(f"{base_url}/products/{lamp.id}")
    expect(page.locator("#flash-area")).to_contain_text(f"Added 1 × {lamp.name} to your cart.")
    expect(page.locator(".stock-line")).to_have_text("1 in stock")
    context.close()


def test_removing_a_line_asks_first_and_the_last_one_leaves_the_empty_cart(page: Page, log_in: LogIn) -> None:
    word = tag()
    lamp, table = new_products(
        ProductSpec(f"Brass lamp {word}", "40.00", 5), ProductSpec(f"Oak table {word}", "250.00", 3)
    )
    log_in(page, *new_customer())
    page.goto(f"/?search={word}")
    add_to_cart(page, lamp, 1)
    expect(page.locator("#cart-badge")).to_have_text("1")
    add_to_cart(page, table, 1)
    expect(page.locator("#cart-badge")).to_have_text("2")
    page.goto("/cart")
    page.evaluate("window.__noReload = true")

    questions: list[str] = []

    def confirm(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    page.get_by_role("button", name=f"Remove {lamp.name}").click()
    expect(page.locator(f"#line-{lamp.id}")).to_have_count(0)
    expect(page.locator("#cart-badge")).to_have_text("1")

    page.get_by_role("button", name=f"Remove {table.name}").click()
    expect(page.get_by_text("Your cart is empty. Browse the product catalog to add items.")).to_be_visible()
    expect(page.locator("#cart-badge")).to_have_text("0")
    assert questions == [f"Remove {lamp.name} from your cart?", f"Remove {table.name} from your cart?"]
    assert_not_reloaded(page)


def test_the_in_stock_filter_and_the_page_links_swap_only_the_results(page: Page, base_url: str) -> None:
    word = tag()
    new_products(
        ProductSpec(f"Brass lamp {word}", "40.00", 5),
        ProductSpec(f"Clay lamp {word}", "15.00", 0),
        ProductSpec(f"Oak lamp {word}", "90.00", 2),
    )
    page.goto(f"/?search={word}&page_size=1")
    page.evaluate("window.__noReload = true")
    summary = page.locator("#results .pagination .summary")
    expect(summary).to_have_text("3 results")

    page.get_by_label("In stock only").check()
    expect(summary).to_have_text("2 results")
    expect(page).to_have_url(re.compile(r"in_stock=1"))
    expect(page.locator("#results .product-card .name")).to_have_text([f"Brass lamp {word}"])

    page.get_by_role("link", name="Next ›").click()
    expect(page).to_have_url(
        re.compile(rf"^{re.escape(base_url)}/\?search={word}&in_stock=1&page_size=1&after=[\w-]+$")
    )
    expect(page.locator("#results .product-card .name")).to_have_text([f"Oak lamp {word}"])
    expect(page.get_by_label("In stock only")).to_be_checked()
    assert_not_reloaded(page)
