"""Screenshots of every shopper page, desktop and phone, light and dark: `python -m bench.screenshots`.

Starts the shop `make run` shows (bench/harness.py with `demo`: the demo accounts, coupons and 200
products with their pictures, a web process and a SAQ worker, under `.data/bench/`), then, in each of
four browser contexts (desktop 1280×800 and phone 390×844, each with the light and the dark colour
scheme), walks the pages a shopper sees as the demo shopper `alice`: log in, the catalog, an add to
cart, a search, a product, the cart, the checkout with an address that fails verification, the order
confirmation, the order history, the empty cart and the account page. Every page is a full-page
PNG named `<page>-<device>-<scheme>.png` in `--out` (default `.data/screenshots`, not committed: look
at them, then commit the few the docs show). `--readme` also writes the first screen of the desktop,
light catalog to docs/img/catalog.png, the picture in the README.

Chromium is Debian's (/usr/bin/chromium); browser downloads do not work here.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.harness import ROOT, running_shop

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SHOPPER = ("alice", "alice")
"""A demo customer of app/seed.py (password = username), with no orders until this script places some."""
SEARCH_TERM = "laptop"
README_IMAGE = ROOT / "docs" / "img" / "catalog.png"


@dataclass(frozen=True)
class Device:
    name: str
    width: int
    height: int
    mobile: bool


DEVICES = (Device("desktop", 1280, 800, mobile=False), Device("phone", 390, 844, mobile=True))
SCHEMES = ("light", "dark")


def settle(page: Page) -> None:
    """Wait until every picture on the page has loaded, lazy ones included (they load once scrolled near)."""
    height = page.evaluate("document.documentElement.scrollHeight")
    step = page.viewport_size["height"] if page.viewport_size else 800
    for top in range(0, height + step, step):  # a screen at a time: a lazy picture loads once near the viewport
        page.evaluate(f"window.scrollTo(0, {top})")
        page.wait_for_timeout(50)
    # Polled from here: wait_for_function compiles its predicate with eval, which the shop's CSP forbids.
    deadline = time.monotonic() + 15
    while not page.evaluate("Array.from(document.images).every((img) => img.complete)"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{page.url}: pictures still loading after 15 s")
        page.wait_for_timeout(100)
    page.evaluate("window.scrollTo(0, 0)")
    broken = page.evaluate("Array.from(document.images).filter((img) => img.naturalWidth === 0).map((img) => img.src)")
    if broken:
        raise RuntimeError(f"{page.url}: pictures that did not load: {broken}")


class Camera:
    """Writes one context's screenshots: `<page>-<device>-<scheme>.png`."""

    def __init__(self, out: Path, device: Device, scheme: str) -> None:
        self.out, self.suffix = out, f"{device.name}-{scheme}"
        self.taken: list[Path] = []

    def shoot(self, page: Page, name: str) -> None:
        settle(page)
        path = self.out / f"{name}-{self.suffix}.png"
        page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
        self.taken.append(path)


def card_with_stock(page: Page, skip: int = 0) -> tuple[str, Callable[[int], None]]:
    """The name of the `skip`-th product card that can be added to the cart, and a function that adds it."""
    card = page.locator(".product-card").filter(has=page.locator("form.add-to-cart")).nth(skip)
    name = card.locator("h2.name").inner_text()

    def add(quantity: int) -> None:
        card.get_by_label(re.compile("^Qty")).fill(str(quantity))
        card.get_by_role("button", name=re.compile("^Add to cart")).click()
        expect(card.get_by_role("status")).to_contain_text("Added")

    return name, add


def walk(browser: Browser, base_url: str, device: Device, scheme: str, out: Path, readme: bool) -> list[Path]:
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": device.width, "height": device.height},
        device_scale_factor=1,
        is_mobile=device.mobile,
        has_touch=device.mobile,
        color_scheme=scheme,  # type: ignore[arg-type]  # "light" | "dark"
        timezone_id="Europe/Berlin",
        locale="en-US",
    )
    page = context.new_page()
    camera = Camera(out, device, scheme)
    try:
        page.goto("/login")
        camera.shoot(page, "login")
        page.get_by_label("Username").fill(SHOPPER[0])
        page.get_by_label("Password").fill(SHOPPER[1])
        page.get_by_role("button", name="Log in").click()
        expect(page.locator(".user-chip")).to_contain_text(SHOPPER[0])

        page.goto("/")
        camera.shoot(page, "catalog")
        if readme and device.name == "desktop" and scheme == "light":
            settle(page)
            page.screenshot(path=README_IMAGE, animations="disabled", caret="hide")  # the first screen
        _, add_first = card_with_stock(page, 0)
        _, add_second = card_with_stock(page, 1)
        add_first(2)
        add_second(1)
        camera.shoot(page, "catalog-added")

        page.get_by_label("Search", exact=True).fill(SEARCH_TERM)
        expect(page).to_have_url(re.compile(f"search={SEARCH_TERM}"))
        expect(page.locator("#results .product-card").first).to_contain_text(re.compile(SEARCH_TERM, re.I))
        camera.shoot(page, "search")

        page.locator("#results .product-card h2.name a").first.click()
        expect(page.locator(".product-detail")).to_be_visible()
        camera.shoot(page, "product")

        page.goto("/cart")
        expect(page.locator(".cart-line")).to_have_count(2)
        camera.shoot(page, "cart")

        page.get_by_label("Street address").fill("1 Invalid Rd")  # the address verifier refuses it
        page.get_by_label("City").fill("Springfield")
        page.get_by_label("State").fill("IL")
        page.get_by_label("Postal code").fill("62701")
        page.get_by_role("button", name="Place order").click()
        expect(page.locator("#error-street_line_1")).not_to_be_empty()
        camera.shoot(page, "checkout-error")

        page.get_by_label("Street address").fill("1 Main St")
        page.get_by_role("button", name="Place order").click()
        expect(page).to_have_url(re.compile(r"/orders/[0-9a-f-]+$"))
        expect(page.locator("#flash-area")).to_contain_text("placed")
        camera.shoot(page, "order-confirmation")

        page.goto("/orders")
        camera.shoot(page, "orders")
        page.goto("/cart")
        camera.shoot(page, "cart-empty")
        page.goto("/account/sessions")
        camera.shoot(page, "account")
    finally:
        context.close()
    return camera.taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / ".data" / "screenshots", help="directory for the PNGs")
    parser.add_argument("--readme", action="store_true", help=f"also write {README_IMAGE.relative_to(ROOT)}")
    parser.add_argument("--device", choices=[d.name for d in DEVICES], help="one device only (default: both)")
    parser.add_argument("--scheme", choices=SCHEMES, help="one colour scheme only (default: both)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with running_shop(products=200, customers=0, web_processes=1, demo=True) as shop:
        print(f"shop at {shop.base_url}", flush=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for device in DEVICES:
                    for scheme in SCHEMES:
                        if (args.device or device.name) != device.name or (args.scheme or scheme) != scheme:
                            continue
                        for path in walk(browser, shop.base_url, device, scheme, args.out, args.readme):
                            print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)
            finally:
                browser.close()
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
