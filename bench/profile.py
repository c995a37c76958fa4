"""Where a web process's CPU goes on one read: CPU per request beside the bare app's, and a py-spy profile.

`python -m bench.profile --path '/api/v1/products/?page=1&page_size=20'` starts the shop and the
bare app of bench/bare_app.py on the bench database of `--products` (as `bench/run.py` does), loads
the path with wrk (`--seconds`, `--rounds` interleaved, 20 connections) on each, and prints the CPU
milliseconds per request of the web processes and of PostgreSQL, read from /proc: on a shared
machine these vary far less than requests/s. With `--py-spy` it then records the shop's web
processes under the same load (`py-spy record --format raw`, 200 samples/s; py-spy is a dev
dependency) and prints the functions with the largest share of the samples, inclusive (the function
and what it calls) and self; the collapsed stacks stay in `.data/bench/profile.txt` (for
`flamegraph.pl` or speedscope).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from bench.harness import DATA_DIR, running_bare_app, running_shop, serving_processes
from bench.run import _measured, _reader

PROFILE = DATA_DIR / "profile.txt"


def record(pids: tuple[int, ...], seconds: float, out: Path) -> None:
    """py-spy on each process at once, the collapsed stacks of all of them in `out`."""
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("py-spy is not installed (make venv installs the dev dependencies)")
    parts = [out.with_suffix(f".{pid}.txt") for pid in pids]

    def command(pid: int, part: Path) -> list[str]:
        return [spy, "record", "--pid", str(pid), "--rate", "200", "--duration", str(int(seconds)),
                "--format", "raw", "--nonblocking", "--output", str(part)]  # fmt: skip

    recorders = [
        subprocess.Popen(command(pid, part), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for pid, part in zip(pids, parts, strict=True)
    ]
    for recorder in recorders:
        recorder.wait()
    out.write_text("".join(part.read_text() for part in parts if part.exists()))
    for part in parts:
        part.unlink(missing_ok=True)


def _function(frame: str) -> str:
    """`handle (litestar/routes/http.py:123)` → `litestar/routes/http.py:handle` (the line dropped)."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0].rstrip(")")
    for marker in ("site-packages/", "/wt-perf/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{name}"


def summary(collapsed: str, top: int) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [_function(frame) for frame in stack.split(";")[1:]]  # the first is the process/thread
        total += count
        for function in set(frames):
            inclusive[function] += count
        if frames:
            own[frames[-1]] += count
    lines = [f"{total:,} samples"]
    for title, counter in (("inclusive", inclusive), ("self", own)):
        lines.append(f"\n{title} share of the samples:")
        lines += [f"  {count * 100 / max(1, total):5.1f} %  {function}" for function, count in counter.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", action="append", required=True, help="path(s) to load, spread over the requests")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved runs on each server")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--py-spy", action="store_true", help="then profile the shop's web processes under load")
    parser.add_argument("--no-bare", action="store_true", help="the shop alone (a path the bare app does not serve)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="for the shop's processes")
    args = parser.parse_args()
    read = _reader(args.connections, args.seconds)
    with (
        running_shop(
            products=args.products,
            customers=1,
            web_processes=2,
            per_size_database=True,
            settings=dict(item.split("=", 1) for item in args.env),
        ) as shop,
        running_bare_app(web_processes=2) as bare,
    ):
        database = (shop.postmaster_pid,) if shop.postmaster_pid else ()
        targets = [("shop", shop.base_url, shop.web_pids)]
        if not args.no_bare:
            targets.append(("bare", bare.base_url, bare.pids))
        for _, base, _ in targets:
            _reader(4, 1.0)(base, args.path)  # warm
        print(f"{args.path} at {args.products:,} products, {args.seconds:.0f} s per run; CPU ms/request web / PG")
        for round_ in range(args.rounds):
            for name, base, pids in targets if round_ % 2 == 0 else reversed(targets):
                figure = _measured(read, base, args.path, pids, database)
                print(
                    f"  {name:<5} {figure.load.rate:7.0f} req/s   CPU {figure.web_ms:5.2f} / {figure.database_ms:5.2f}"
                    f"   p50 {figure.load.p50_ms:6.1f} ms   errors {figure.load.errors}",
                    flush=True,
                )
        if args.py_spy:
            web = serving_processes(shop.web_pids)
            load = threading.Thread(target=read, args=(shop.base_url, args.path))
            load.start()
            record(web, args.seconds - 1, PROFILE)
            load.join()
            print(summary(PROFILE.read_text(), args.top))
            print(f"\ncollapsed stacks: {PROFILE}")


if __name__ == "__main__":
    main()
