"""Bytes a first visit to the catalog transfers: `python -m bench.first_view`.

Starts the demo shop (bench/harness.py with `demo`: 200 products with their pictures), opens `/` in a
fresh Chromium context (1280×800, cold cache, anonymous) and counts, from the DevTools protocol, what
each request moved over the wire (`Network.loadingFinished.encodedDataLength`: compressed body plus
headers), grouped by kind: the document, CSS, JS, images. Lazy pictures below the first screen are
not loaded, so they do not count. The stock event stream (`/events/stock`) never finishes: its bytes
so far (`Network.dataReceived`) are shown apart and left out of the total. Issue 11's budget: 40 KB.
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


@dataclass
class Transfer:
    url: str
    kind: str
    bytes: int = 0
    finished: bool = False


@dataclass
class Tally:
    requests: dict[str, Transfer] = field(default_factory=dict)

    def on_response(self, event: dict[str, Any]) -> None:
        kind = KINDS.get(event["type"], event["type"])
        self.requests[event["requestId"]] = Transfer(event["response"]["url"], kind)

    def on_data(self, event: dict[str, Any]) -> None:
        if (transfer := self.requests.get(event["requestId"])) is not None:
            transfer.bytes += event["encodedDataLength"]

    def on_finished(self, event: dict[str, Any]) -> None:
        if (transfer := self.requests.get(event["requestId"])) is not None:
            transfer.bytes, transfer.finished = int(event["encodedDataLength"]), True


def measure(base_url: str, path: str, settle_seconds: float) -> Tally:
    tally = Tally()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # cold: nothing from an earlier run
            cdp.on("Network.responseReceived", tally.on_response)
            cdp.on("Network.dataReceived", tally.on_data)
            cdp.on("Network.loadingFinished", tally.on_finished)
            page.goto(base_url + path, wait_until="load")
            page.wait_for_timeout(settle_seconds * 1000)  # late requests (deferred scripts' fetches, the stream)
        finally:
            browser.close()
    return tally


def report(tally: Tally) -> int:
    by_kind: dict[str, list[Transfer]] = defaultdict(list)
    ongoing = []
    for transfer in tally.requests.values():
        (by_kind[transfer.kind] if transfer.finished else ongoing).append(transfer)
    print(f"{'kind':<10} {'requests':>8} {'bytes':>9}")
    total = 0
    for kind in ("document", "CSS", "JS", "images", *sorted(set(by_kind) - set(KINDS.values()))):
        transfers = by_kind.get(kind, [])
        size = sum(t.bytes for t in transfers)
        total += size
        print(f"{kind:<10} {len(transfers):>8} {size:>9,}")
    print(f"{'total':<10} {sum(map(len, by_kind.values())):>8} {total:>9,}  ({total / 1024:.1f} KB; budget 40 KB)")
    for transfer in ongoing:
        print(f"not finished, not counted: {transfer.url} ({transfer.bytes:,} bytes so far)")
    print("\nper request:")
    for transfer in sorted(tally.requests.values(), key=lambda t: (t.kind, t.url)):
        print(f"  {transfer.kind:<9} {transfer.bytes:>8,}  {transfer.url}")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default="/", help="the page (default: the catalog)")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to wait after the load event")
    args = parser.parse_args()
    with running_shop(products=200, customers=0, web_processes=1, demo=True) as shop:
        started = time.perf_counter()
        total = report(measure(shop.base_url, args.path, args.settle))
        verdict = "within" if total <= BUDGET else "OVER"
        print(f"\nmeasured in {time.perf_counter() - started:.1f} s: {verdict} the budget")


if __name__ == "__main__":
    main()
