"""Bytes a first visit to the catalog transfers: `python -m bench.first_view [--fresh]`.

Starts the demo shop (bench/harness.py with `demo`: 200 products with their pictures; `--fresh` makes
its database anew, so the pictures are drawn and encoded by the code as it is now), opens `/` in a
fresh Chromium context per viewport (desktop 1280×800 at 1x, phone 390×844 at 3x; cold cache,
anonymous) and counts, from the DevTools protocol, what each request moved over the wire
(`Network.loadingFinished.encodedDataLength`: compressed body plus headers), grouped by kind: the
document, CSS, JS, images, other (the favicon).

Pictures are split in two: those of the cards in the first screen (a card's picture intersects the
viewport), and those Chromium fetched ahead for cards below it — `loading="lazy"` pictures within its
distance-from-viewport threshold (1,250 px and more) load at once too. Issue 11's budget (40 KB) is
for the first screen; the total with the fetched-ahead pictures is printed beside it. The stock event
stream (`/events/stock`) never finishes: its bytes so far (`Network.dataReceived`) are shown apart and
left out. Each card's picture is listed with its rendered width and the `srcset` file the browser chose.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import sync_playwright

from bench.harness import running_shop
from bench.screenshots import CHROMIUM, CHROMIUM_ARGS

BUDGET = 40 * 1024
KINDS = {"Document": "document", "Stylesheet": "CSS", "Script": "JS", "Image": "images"}


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int
    scale: int
    mobile: bool


VIEWPORTS = (Viewport("desktop", 1280, 800, 1, mobile=False), Viewport("phone", 390, 844, 3, mobile=True))
CARD_PICTURES = """() => [...document.querySelectorAll('.product-card img')].map(img => {
  const box = img.getBoundingClientRect();
  return {src: img.currentSrc, width: Math.round(box.width), top: Math.round(box.top), lazy: img.loading === 'lazy',
          first_screen: box.top < innerHeight && box.bottom > 0 && box.left < innerWidth && box.right > 0};
})"""


@dataclass
class Transfer:
    url: str
    kind: str
    bytes: int = 0
    finished: bool = False
    header_bytes: int = 0
    """The response's status line and headers (HTTP/1.1 sends them uncompressed on every response)."""


@dataclass
class Tally:
    requests: dict[str, Transfer] = field(default_factory=dict)
    cards: list[dict[str, Any]] = field(default_factory=list)
    """Each card's picture: its chosen file, rendered width, top, `loading` and whether it is in the first screen."""

    def on_response(self, event: dict[str, Any]) -> None:
        kind = KINDS.get(event["type"], event["type"])
        response = event["response"]
        self.requests[event["requestId"]] = Transfer(
            response["url"], kind, header_bytes=int(response.get("encodedDataLength") or 0)
        )

    def on_data(self, event: dict[str, Any]) -> None:
        if (transfer := self.requests.get(event["requestId"])) is not None:
            transfer.bytes += event["encodedDataLength"]

    def on_finished(self, event: dict[str, Any]) -> None:
        if (transfer := self.requests.get(event["requestId"])) is not None:
            transfer.bytes, transfer.finished = int(event["encodedDataLength"]), True


def measure(base_url: str, path: str, settle_seconds: float, viewport: Viewport) -> Tally:
    tally = Tally()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": viewport.width, "height": viewport.height},
                device_scale_factor=viewport.scale,
                is_mobile=viewport.mobile,
                has_touch=viewport.mobile,
            )
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # cold: nothing from an earlier run
            cdp.on("Network.responseReceived", tally.on_response)
            cdp.on("Network.dataReceived", tally.on_data)
            cdp.on("Network.loadingFinished", tally.on_finished)
            page.goto(base_url + path, wait_until="load")
            page.wait_for_timeout(settle_seconds * 1000)  # late requests (deferred scripts' fetches, the stream)
            tally.cards = page.evaluate(CARD_PICTURES)
        finally:
            browser.close()
    return tally


def report(tally: Tally, viewport: Viewport) -> int:
    """Prints the figures for one viewport; returns the first screen's bytes (the budget's figure)."""
    first_screen_files = {card["src"] for card in tally.cards if card["first_screen"]}
    by_kind: dict[str, list[Transfer]] = defaultdict(list)
    ongoing = []
    for transfer in tally.requests.values():
        kind = transfer.kind
        if kind == "images":
            kind = "images, first screen" if transfer.url in first_screen_files else "images, fetched ahead"
        (by_kind[kind] if transfer.finished else ongoing).append(transfer)
    print(f"\n{viewport.name} {viewport.width}×{viewport.height} at {viewport.scale}x")
    print(f"{'kind':<22} {'requests':>8} {'bytes':>9}")
    first_screen = everything = 0
    kinds = ("document", "CSS", "JS", "images, first screen", "Other", "images, fetched ahead")
    for kind in (*kinds, *sorted(set(by_kind) - set(kinds))):
        transfers = by_kind.get(kind, [])
        size = sum(t.bytes for t in transfers)
        everything += size
        first_screen += 0 if kind == "images, fetched ahead" else size
        print(f"{kind:<22} {len(transfers):>8} {size:>9,}")
    requests = sum(map(len, by_kind.values()))
    ahead = len(by_kind.get("images, fetched ahead", []))
    print(
        f"{'first screen':<22} {requests - ahead:>8} {first_screen:>9,}  ({first_screen / 1024:.1f} KB; budget 40 KB)"
    )
    print(f"{'with fetched ahead':<22} {requests:>8} {everything:>9,}  ({everything / 1024:.1f} KB)")
    headers = sum(t.header_bytes for kind, ts in by_kind.items() if kind != "images, fetched ahead" for t in ts)
    print(f"of the first screen, response headers: {headers:,} bytes ({headers / 1024:.1f} KB)")
    for transfer in ongoing:
        print(f"not finished, not counted: {transfer.url} ({transfer.bytes:,} bytes so far)")
    print("cards (position: rendered width px, file chosen, top px, lazy, first screen):")
    for position, card in enumerate(tally.cards, 1):
        chosen = card["src"].rsplit("/", 1)[-1].rsplit("-", 1)[-1] if card["src"] else "(not loaded)"
        flags = ("lazy" if card["lazy"] else "eager") + (", first screen" if card["first_screen"] else "")
        print(f"  {position:>2}: {card['width']} px, {chosen}, top {card['top']}, {flags}")
    print("per request:")
    for transfer in sorted(tally.requests.values(), key=lambda t: (t.kind, t.url)):
        print(f"  {transfer.kind:<9} {transfer.bytes:>8,}  {transfer.url}")
    return first_screen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default="/", help="the page (default: the catalog)")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to wait after the load event")
    parser.add_argument("--fresh", action="store_true", help="make the demo database and its pictures anew first")
    args = parser.parse_args()
    with running_shop(products=200, customers=0, web_processes=1, demo=True, fresh=args.fresh) as shop:
        started = time.perf_counter()
        verdicts = []
        for viewport in VIEWPORTS:
            first_screen = report(measure(shop.base_url, args.path, args.settle, viewport), viewport)
            verdict = "within" if first_screen <= BUDGET else "OVER"
            verdicts.append(f"{viewport.name} {first_screen / 1024:.1f} KB, {verdict}")
        elapsed = time.perf_counter() - started
        print(f"\nmeasured in {elapsed:.1f} s; first screen against the 40 KB budget: " + "; ".join(verdicts))


if __name__ == "__main__":
    main()
