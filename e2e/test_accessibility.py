"""Every page passes axe-core's WCAG 2 A/AA and best-practice rules, light and dark, desktop and phone.

axe-core (`e2e/vendor/axe-core-4.14.1.min.js`, MPL-2.0, docs/dependencies.md) checks what a machine
can: contrast, names of links, buttons and fields, landmarks, heading order, ARIA use, duplicate ids.
It cannot tell whether a label is the right words or whether a keyboard user can finish a purchase
(test_shopper_journey.py and test_storefront_details.py do that). It is evaluated through the
DevTools protocol, which the Content-Security-Policy does not govern: a `<script>` element carrying
it would be refused, as it should be. The sweep also fails on any CSP report on the way.

Each page is checked on a desktop and on a phone screen, each in its own browser contexts (one per
screen and account, made from a logged-in storage state, so the sweep logs in three times in all):
all the rules in the light scheme, then, on the same page switched to the dark scheme, the rules
about colour (contrast, links told apart from text). The dark scheme changes custom properties of
colour and nothing else (`emporium.css`), so it cannot change what the other rules look at, and the
page need not be loaded and walked to its state a second time. States that only an action
reaches (an error swapped in, an inline editor, page 2 of the results) are part of the page's list
entry. The list is fixed at import; the data (products, a placed order, a group, a flag) is made
once per module and worker.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, StorageState, expect

from e2e.accounts import ADMIN
from e2e.conftest import log_in_as
from e2e.shop_data import (
    CreatedProduct,
    ProductSpec,
    new_coupon,
    new_customer,
    new_flag,
    new_group,
    new_picture,
    new_products,
    tag,
    user_id,
)

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js").read_text(encoding="utf-8")
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
RUN_AXE = """(tags) => axe.run(document, {
  runOnly: {type: "tag", values: tags},
  resultTypes: ["violations"],
})"""
# After the switch to dark, buttons and fields start fading to their new colours (CSS transitions):
# axe would measure colours half-way, so the transitions are first brought to their end.
RUN_AXE_COLOUR_RULES = """(tags) => {
  for (const animation of document.getAnimations()) {
    if (animation instanceof CSSTransition) animation.finish();
  }
  const rules = axe.getRules(tags).filter((rule) => rule.tags.includes("cat.color"));
  return axe.run(document, {
    runOnly: {type: "rule", values: rules.map((rule) => rule.ruleId)},
    resultTypes: ["violations"],
  });
}"""
ORDER_URL = re.compile(r"/orders/[0-9a-f-]{36}$")

Account = Literal["visitor", "newcomer", "buyer", "admin"]
"""visitor: not logged in; newcomer: a customer with an empty cart and no orders; buyer: a customer
with an order placed and items in the cart; admin: the shop's administrator."""


@dataclass(frozen=True)
class Variant:
    """A screen size; each page is checked on it in the light scheme and then in the dark one."""

    name: str
    phone: bool

    def context_options(self) -> dict[str, Any]:
        if self.phone:  # an iPhone 12-14's CSS viewport
            return {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
        return {"viewport": {"width": 1280, "height": 800}}


VARIANTS = (Variant("desktop", phone=False), Variant("phone", phone=True))


@dataclass
class Shop:
    """What the pages show: made once per module (and xdist worker) through the shop's services and UI."""

    word: str
    lamp: CreatedProduct  # with a picture, in the buyer's cart and order
    vase: CreatedProduct  # no picture
    coupon: str
    newcomer: tuple[str, str]
    buyer: tuple[str, str]
    newcomer_id: str
    order_path: str
    group_id: str
    flag: str
    states: dict[Account, StorageState] = field(default_factory=dict)

    def path(self, template: str) -> str:
        return template.format(
            word=self.word,
            lamp=self.lamp.id,
            lamp_name=self.lamp.name,
            coupon=self.coupon,
            newcomer_id=self.newcomer_id,
            order=self.order_path,
            group=self.group_id,
            flag=self.flag,
        )


Action = Callable[[Page, Shop], None]


@dataclass(frozen=True)
class Screen:
    """One page (or one state of it) to check: who looks, where, and what they do first."""

    id: str
    account: Account
    path: str  # formatted with Shop.path
    then: Action | None = None
    status: int = 200


def add_to_cart(page: Page, shop: Shop, quantity: int) -> None:
    card = page.locator(f"#product-{shop.lamp.id}")
    card.get_by_label(re.compile("^Qty")).fill(str(quantity))
    card.get_by_role("button", name=re.compile("^Add to cart")).click()


def add_one(page: Page, shop: Shop) -> None:
    add_to_cart(page, shop, 1)
    expect(page.locator(f"#product-{shop.lamp.id}").get_by_role("status")).to_contain_text("Added 1")


def ask_for_too_many(page: Page, shop: Shop) -> None:
    add_to_cart(page, shop, 9999)
    expect(page.locator(f"#product-{shop.lamp.id}").get_by_role("alert")).to_contain_text("left")


def next_page(page: Page, shop: Shop) -> None:
    page.get_by_role("link", name=re.compile("^Next")).first.click()
    expect(page).to_have_url(re.compile(r"after="))
    expect(page.get_by_role("link", name=re.compile("First page")).first).to_be_visible()


def fail_to_log_in(page: Page, shop: Shop) -> None:
    page.get_by_label("Username").fill(f"nobody-{shop.word}")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()


def place_an_empty_order(page: Page, shop: Shop) -> None:
    page.get_by_role("button", name="Place order").click()
    expect(page.locator("#checkout .field-error").filter(has_text=re.compile(".")).first).to_be_visible()


def add_a_nameless_product(page: Page, shop: Shop) -> None:
    form = page.locator("#product-form")
    form.get_by_label("Price").fill("1.00")
    form.get_by_role("button", name="Add product").click()
    expect(form.locator(".field-error").first).to_have_text("Name is required")


def edit_in_place(page: Page, shop: Shop) -> None:
    page.get_by_role("link", name=f"Edit {shop.lamp.name}").click()
    expect(page.locator("form.product-edit-form")).to_be_visible()


def open_every_details(page: Page, shop: Shop) -> None:
    """Open the collapsed parts (a chart's table, a payload, an inline editor): axe checks what is shown."""
    summaries = page.locator("details:not([open]) > summary")
    expect(summaries.first).to_be_visible()
    for summary in summaries.all()[:3]:
        summary.click()
    expect(page.locator("details[open]").first).to_be_visible()


def open_the_flags_editors(page: Page, shop: Shop) -> None:
    row = page.locator("tr, li, article").filter(has_text=shop.flag).last
    for summary in row.locator("details > summary").all():
        summary.click()
    expect(row.locator("details[open]").first).to_be_visible()


SCREENS = (
    # The shopper's pages.
    Screen("catalog", "visitor", "/"),
    Screen("catalog-logged-in", "newcomer", "/"),
    Screen("catalog-filtered", "newcomer", "/?search={word}&min_price=1&max_price=lots&in_stock=1&sort=price"),
    Screen("catalog-no-results", "newcomer", "/?search=nothing-{word}"),
    Screen("catalog-page-2", "newcomer", "/?search={word}&page_size=2", then=next_page),
    Screen("catalog-added", "buyer", "/?search={word}", then=add_one),
    Screen("catalog-refused", "newcomer", "/?search={word}", then=ask_for_too_many),
    Screen("product-with-picture", "visitor", "/products/{lamp}"),
    Screen("product-logged-in", "newcomer", "/products/{lamp}"),
    Screen("login", "visitor", "/login"),
    Screen("login-refused", "visitor", "/login", then=fail_to_log_in),
    Screen("cart-empty", "newcomer", "/cart"),
    Screen("cart", "buyer", "/cart"),
    Screen("cart-coupon", "buyer", "/cart?coupon={coupon}"),
    Screen("cart-coupon-refused", "buyer", "/cart?coupon=NO-SUCH-{word}"),
    Screen("checkout-errors", "buyer", "/cart", then=place_an_empty_order),
    Screen("cart-remove-confirmation", "buyer", "/cart/items/{lamp}/remove"),
    Screen("order", "buyer", "{order}"),
    Screen("orders", "buyer", "/orders"),
    Screen("orders-none", "newcomer", "/orders"),
    Screen("account-sessions", "buyer", "/account/sessions"),
    Screen("not-found", "visitor", "/no-such-page", status=404),
    Screen("forbidden", "newcomer", "/admin", status=403),
    # The admin's pages (the dashboard has the queue and error health).
    Screen("admin-dashboard", "admin", "/admin"),
    Screen("admin-dashboard-details", "admin", "/admin", then=open_every_details),
    Screen("admin-products", "admin", "/admin/products"),
    Screen("admin-products-deleted", "admin", "/admin/products?show_deleted=1"),
    Screen("admin-product-refused", "admin", "/admin/products", then=add_a_nameless_product),
    Screen("admin-product-edit-in-place", "admin", "/admin/products?search={lamp_name}", then=edit_in_place),
    Screen("admin-product-edit", "admin", "/admin/products/{lamp}/edit"),
    Screen("admin-product-delete", "admin", "/admin/products/{lamp}/delete"),
    Screen("admin-report", "admin", "/admin/report"),
    Screen("admin-report-filtered", "admin", "/admin/report?search={word}&low_stock=5&include_deleted=1"),
    Screen("admin-orders", "admin", "/admin/orders"),
    Screen("admin-order", "admin", "{order}"),
    Screen("admin-coupons", "admin", "/admin/coupons"),
    Screen("admin-users", "admin", "/admin/users"),
    Screen("admin-user-role", "admin", "/admin/users/{newcomer_id}/role?role=admin"),
    Screen("admin-groups", "admin", "/admin/groups"),
    Screen("admin-group-delete", "admin", "/admin/groups/{group}/delete"),
    Screen("admin-flags", "admin", "/admin/flags", then=open_the_flags_editors),
    Screen("admin-flag-delete", "admin", "/admin/flags/{flag}/delete"),
    Screen("admin-audit", "admin", "/admin/audit"),
    Screen("admin-audit-payload", "admin", "/admin/audit", then=open_every_details),
)
"""Not here: /api/docs, Swagger UI's own page (vendored, not our markup)."""


def a_picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "teal").save(out, "JPEG")
    return out.getvalue()


def storage_state(
    browser: Browser, base_url: str, account: tuple[str, str], then: Action | None = None, shop: Shop | None = None
) -> StorageState:
    context = browser.new_context(base_url=base_url)
    try:
        page = context.new_page()
        log_in_as(page, *account)
        if then is not None and shop is not None:
            then(page, shop)
        return context.storage_state()
    finally:
        context.close()


def buy_a_lamp_and_keep_one_in_the_cart(page: Page, shop: Shop) -> None:
    """The buyer places an order for a lamp, then puts another in the cart."""
    page.goto(f"/?search={shop.word}")
    add_one(page, shop)
    page.goto("/cart")
    page.get_by_label("Street address").fill("1 Main St")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("State").fill("IL")
    page.get_by_label("Postal code").fill("62701")
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(ORDER_URL)
    shop.order_path = page.url.removeprefix(page.url.split("/orders/")[0])
    page.goto(f"/?search={shop.word}")
    add_one(page, shop)


@pytest.fixture(scope="module")
def shop(browser: Browser, base_url: str) -> Shop:
    word = tag()
    lamp, vase, _, _ = new_products(
        ProductSpec(f"Brass lamp {word}", "40.00", 500),
        ProductSpec(f"Glass vase {word}", "25.50", 7),
        ProductSpec(f"Linen cloth {word}", "12.00", 3),
        ProductSpec(f"Clay bowl {word}", "18.00", 0),  # sold out
    )
    new_picture(lamp.id, a_picture())
    newcomer, buyer = new_customer(), new_customer()
    made = Shop(
        word=word,
        lamp=lamp,
        vase=vase,
        coupon=new_coupon("10"),
        newcomer=newcomer,
        buyer=buyer,
        newcomer_id=str(user_id(newcomer[0])),
        order_path="",
        group_id=str(new_group(f"testers-{word}")),
        flag=f"new_checkout_{word}",
    )
    new_flag(made.flag)
    made.states["newcomer"] = storage_state(browser, base_url, newcomer)
    made.states["admin"] = storage_state(browser, base_url, ADMIN)
    made.states["buyer"] = storage_state(browser, base_url, buyer, buy_a_lamp_and_keep_one_in_the_cart, made)
    return made


class Browsing:
    """One variant's browser contexts, one per account, made as the pages ask for them."""

    def __init__(self, browser: Browser, base_url: str, variant: Variant) -> None:
        self.browser, self.base_url, self.variant = browser, base_url, variant
        self._contexts: dict[Account, BrowserContext] = {}

    def context(self, account: Account, shop: Shop) -> BrowserContext:
        if account not in self._contexts:
            self._contexts[account] = self.browser.new_context(
                base_url=self.base_url,
                color_scheme="light",
                storage_state=shop.states.get(account),
                **self.variant.context_options(),
            )
        return self._contexts[account]

    def close(self) -> None:
        for context in self._contexts.values():
            context.close()


@pytest.fixture(scope="module", params=VARIANTS, ids=[variant.name for variant in VARIANTS])
def browsing(request: pytest.FixtureRequest, browser: Browser, base_url: str) -> Iterator[Browsing]:
    """Module-scoped and parametrized, so pytest runs a variant's pages together and then closes its contexts."""
    browsing = Browsing(browser, base_url, request.param)
    yield browsing
    browsing.close()


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            summary = " / ".join(line.strip() for line in node["failureSummary"].splitlines()[1:] if line.strip())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("screen", SCREENS, ids=[screen.id for screen in SCREENS])
def test_the_page_has_no_accessibility_violations(browsing: Browsing, shop: Shop, screen: Screen) -> None:
    page = browsing.context(screen.account, shop).new_page()
    csp_reports: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            csp_reports.append(message.text)

    page.on("console", on_console)
    try:
        path = shop.path(screen.path)
        response = page.goto(path)
        assert response is not None and response.status == screen.status, f"{path}: {response and response.status}"
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if screen.then is not None:
            screen.then(page, shop)
        page.evaluate(AXE_SOURCE)
        light = page.evaluate(RUN_AXE, list(AXE_TAGS))["violations"]
        page.emulate_media(color_scheme="dark")
        dark = page.evaluate(RUN_AXE_COLOUR_RULES, list(AXE_TAGS))["violations"]
        where = f"{page.url} ({screen.id}, {screen.account}, {browsing.variant.name}"
        assert not light, f"{len(light)} axe rule(s) violated on {where}, light):\n{describe(light)}"
        assert not dark, f"{len(dark)} axe colour rule(s) violated on {where}, dark):\n{describe(dark)}"
        assert not csp_reports, f"CSP reports on {where}):\n" + "\n".join(csp_reports)
    finally:
        page.close()
