"""Cart add+remove on this tree against older commits, in one run: issue 12's "≥ 2× the old commit".

`python -m bench.cart_compare --against 528e50f --against HEAD~1` checks each commit out into a git
worktree under `.data/bench-trees/` (kept between runs), and starts every shop at once, each by its
own tree's `bench/harness.py` (so each runs its own code, migrations and seed on its own embedded
PostgreSQL and Redis, 10,000 products, 20 customers, 2 web processes and a worker). This tree's
shop is started the same way. Then the rounds interleave (the order reversed every other round):
the same measurement code from this file drives each shop in turn while the others sit idle,
20 logged-in customers each looping `POST /api/v1/cart/items/` and `DELETE …/remove/` (bench/run.py's
`cart_round`: by wrk, one thread and connection per customer, or the httpx load generator without
wrk), after PostgreSQL has settled.

For each shop and round it prints requests/s, p50/p99 latency and the CPU milliseconds per request of
the web processes, of the worker and of PostgreSQL, read from /proc; at the end, each shop's best
round's figures, the median of its rounds, and the ratios to the first `--against` commit, by
requests/s and by CPU per request (web processes, worker and PostgreSQL). The load generator
shares the 2 cores with the servers and its own CPU is not counted: wrk's is a small fraction of a
request's, the httpx generator's several milliseconds, enough to bound requests/s for every shop
alike, so with httpx the ratio by CPU is the steadier figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bench.harness import DATA_DIR, ROOT
from bench.run import cart_round

TREES = ROOT / ".data" / "bench-trees"
"""Outside DATA_DIR: each tree has a .data/bench of its own, and the harness finds its server by a glob there."""

# Run with the tree's own directory first on sys.path: its bench/harness.py and its app. Every commit
# since the bench harness (2026-12-01) has `running_shop(products=, customers=, web_processes=)` and
# a Shop with base_url, customers, pids (web processes and worker, the worker last) and postmaster_pid.
_SERVE = """
import json, os, sys
sys.path.insert(0, os.getcwd())
from bench.harness import running_shop
with running_shop(products=int(sys.argv[1]), customers=int(sys.argv[2]), web_processes=2) as shop:
    print("SHOP " + json.dumps({"base_url": shop.base_url, "customers": list(shop.customers),
                                "pids": list(shop.pids), "postmaster_pid": shop.postmaster_pid}), flush=True)
    sys.stdin.read()  # until the bench closes it
"""


@dataclass(frozen=True)
class Served:
    name: str
    base_url: str
    customers: tuple[str, ...]
    pids: tuple[int, ...]
    postmaster_pid: int


@dataclass(frozen=True)
class Round:
    rate: float
    p50_ms: float
    p99_ms: float
    app_ms: float
    """Web processes and worker, per request."""
    worker_ms: float
    database_ms: float
    errors: int

    def line(self) -> str:
        return (
            f"{self.rate:7.1f} req/s  p50 {self.p50_ms:6.1f}  p99 {self.p99_ms:6.1f} ms  CPU ms/req: "
            f"web+worker {self.app_ms:5.2f} (worker {self.worker_ms:5.2f})  PG {self.database_ms:5.2f}  "
            f"errors {self.errors}"
        )


def tree_of(revision: str) -> tuple[str, Path]:
    """(short commit, a worktree of it under .data/bench/trees), made the first time it is asked for."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", f"{revision}^{{commit}}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    path = TREES / commit
    if not path.exists():
        TREES.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(path), commit], cwd=ROOT, check=True)
    return commit, path


def serve(name: str, tree: Path, products: int, customers: int, log: IO[str]) -> tuple[subprocess.Popen[str], Served]:
    process = subprocess.Popen(
        [sys.executable, "-u", "-c", _SERVE, str(products), str(customers)],
        cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("SHOP "):
            shop = json.loads(line[5:])
            return process, Served(
                name, shop["base_url"], tuple(shop["customers"]), tuple(shop["pids"]), shop["postmaster_pid"]
            )
    raise RuntimeError(f"{name}: the shop did not start (see {log.name})")


async def measure(shop: Served, seconds: float) -> Round:
    database, worker = (shop.postmaster_pid,), shop.pids[-1:]
    load, (app, on_worker, on_database) = await cart_round(
        shop.base_url, shop.customers, (shop.pids, worker, database), seconds
    )
    return Round(load.rate, load.p50_ms, load.p99_ms, app, on_worker, on_database, load.errors)


def report(rounds: dict[str, list[Round]]) -> str:
    """Each shop's median and best round, and their ratios to the first shop's (by requests/s and by CPU)."""
    names = list(rounds)
    base = names[0]

    def cpu(round_: Round) -> float:
        return round_.app_ms + round_.database_ms

    median_rate = {name: statistics.median(r.rate for r in rounds[name]) for name in names}
    median_cpu = {name: statistics.median(cpu(r) for r in rounds[name]) for name in names}
    best = {name: max(rounds[name], key=lambda r: r.rate) for name in names}
    lines = [
        "| Commit | req/s, median (best) | p50 / p99 ms, best | CPU ms/req web+worker (worker) / PG, best "
        f"| × {base} by req/s, median (best) | × {base} by CPU, median |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        b = best[name]
        lines.append(
            f"| {name} | {median_rate[name]:,.1f} ({b.rate:,.1f}) | {b.p50_ms:.0f} / {b.p99_ms:.0f} | "
            f"{b.app_ms:.2f} ({b.worker_ms:.2f}) / {b.database_ms:.2f} | "
            f"{median_rate[name] / median_rate[base]:.2f}× ({b.rate / best[base].rate:.2f}×) | "
            f"{median_cpu[base] / median_cpu[name]:.2f}× |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--against", action="append", required=True, help="an older commit (repeatable); the first is the base"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=20)
    args = parser.parse_args()

    trees = [tree_of(revision) for revision in args.against]
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    status = ["git", "status", "--porcelain", "--untracked-files=no"]
    dirty = subprocess.run(status, cwd=ROOT, capture_output=True).stdout
    trees.append((f"this tree ({head.strip()}{', changed' if dirty else ''})", ROOT))
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[str]] = []
    shops: list[Served] = []
    logs: list[IO[str]] = []
    try:
        for name, tree in trees:
            log = open(DATA_DIR / f"cart-compare-{len(logs)}.log", "w")  # noqa: SIM115 - closed below
            logs.append(log)
            process, shop = serve(name, tree, args.products, args.customers, log)
            processes.append(process)
            shops.append(shop)
            print(f"{name}: {shop.base_url} ({tree})", flush=True)
        for shop in shops:
            asyncio.run(measure(shop, 2.0))  # warm: pools, prepared statements, the carts' rows
        rounds: dict[str, list[Round]] = {shop.name: [] for shop in shops}
        for number in range(args.rounds):
            for shop in shops if number % 2 == 0 else shops[::-1]:
                got = asyncio.run(measure(shop, args.seconds))
                rounds[shop.name].append(got)
                print(f"round {number + 1}  {shop.name:<28} {got.line()}", flush=True)
        print()
        print(report(rounds))
    finally:
        for process in processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


if __name__ == "__main__":
    main()
