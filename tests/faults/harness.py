"""Fault-test harness: the shop under its real supervisor, shoppers streaming orders, and the ledger checks.

`running_shop()` starts `python -m app.supervisor` (web processes + worker, as `make run` does
after preparing the services) on the test database, with its own queue. Every setting is a
keyword: a Redis fault test passes `REDIS_URL=owned.url` of a server it owns (`owned_redis()`),
and freezes, kills or restarts it.
`shoppers()` logs customers in over API v1 and loops add-to-cart + checkout until told to stop;
`ledger()` reads what must hold after any fault.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.support.processes import free_port, log_tail, stop, wait_until, wait_until_ready

ROOT = Path(__file__).resolve().parents[2]
FAULTS_QUEUE = "emporium-faults"  # its own queue: the integration tests' jobs are not this worker's
PASSWORD = "fault-password"
ADDRESS = {
    "street_line_1": "123 Main St",
    "city": "Springfield",
    "state": "il",
    "postal_code": "62701",
    "country": "us",
}


@dataclass
class Shop:
    base_url: str
    supervisor: subprocess.Popen[bytes]
    log_path: Path

    def children(self) -> dict[int, str]:
        """The supervisor's living children: pid → "web" or "worker"."""
        pid = self.supervisor.pid
        try:
            pids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except FileNotFoundError:
            return {}
        found = {}
        for child in map(int, pids):
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
                state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except FileNotFoundError:
                continue
            if state != "Z":  # a zombie has died; the supervisor has not reaped it yet
                found[child] = "web" if b"uvicorn" in command else "worker"
        return found

    def pids(self, kind: str) -> set[int]:
        return {pid for pid, name in self.children().items() if name == kind}

    def kill(self, kind: str) -> int:
        """kill -9 one process of this kind; its pid."""
        pid = min(self.pids(kind))
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_for_replacement(self, kind: str, dead: int, count: int) -> set[int]:
        """Until the supervisor runs `count` processes of `kind` again, none of them `dead`."""

        def replaced() -> set[int] | None:
            pids = self.pids(kind)
            return pids if len(pids) == count and dead not in pids else None

        return wait_until(
            replaced,
            f"the supervisor restarting the killed {kind} (pid {dead})\n{log_tail(self.log_path)}",
        )

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.base_url}{path}", timeout=10)


@contextmanager
def running_shop(services: dict[str, str], log_dir: Path, *, web_processes: int = 2, **env: str) -> Iterator[Shop]:
    """The supervised shop on the test database until the block ends (then Ctrl-C, bounded)."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": services["database_url"],
        "REDIS_URL": services["redis_url"],
        "QUEUE_NAME": FAULTS_QUEUE,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_PROCESSES": str(web_processes),
        "DATA_DIR": str(log_dir),
        "LOG_LEVEL": "INFO",
        "OUTBOX_SWEEP_SECONDS": "1",  # recovery after a kill within seconds, not the default's
        "OUTBOX_GRACE_SECONDS": "1",
        # A job a killed worker (or Redis) left "active" is retried 10 s after it started, not 30 s:
        # deliveries take milliseconds, and draining waits on it (`drained`).
        "DELIVERY_TIMEOUT_SECONDS": "10",
        **env,
    }
    log_path = log_dir / "shop.log"
    with log_path.open("wb") as out:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "app.supervisor"], cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
    shop = Shop(f"http://127.0.0.1:{port}", supervisor, log_path)
    try:
        wait_until_ready(shop.base_url, supervisor, log_path)
        wait_until(lambda: len(shop.children()) == web_processes + 1, "every process started")
        yield shop
    finally:
        stop(supervisor, timeout=15)


@dataclass
class Figures:
    """What the shoppers saw."""

    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    slowest: float = 0.0
    durations: list[float] = field(default_factory=list)
    orders: int = 0
    failures: list[str] = field(default_factory=list)  # status or exception, with the request
    server_errors: list[str] = field(default_factory=list)  # >= 500, except a 503 that says when to retry

    def record(self, what: str, started: float, outcome: httpx.Response | Exception) -> None:
        self.requests += 1
        self.durations.append(time.monotonic() - started)
        self.slowest = max(self.slowest, self.durations[-1])
        if isinstance(outcome, Exception):
            self.statuses[type(outcome).__name__] += 1
            self.failures.append(f"{what}: {type(outcome).__name__}")
        else:
            self.statuses[str(outcome.status_code)] += 1
            retry_after = outcome.headers.get("retry-after")
            if outcome.status_code >= 400:
                self.failures.append(f"{what}: {outcome.status_code} {retry_after or ''}".rstrip())
            if outcome.status_code >= 500 and not (outcome.status_code == 503 and retry_after):
                self.server_errors.append(f"{what}: {outcome.status_code}")

    def percentile(self, share: float) -> float:
        """The duration `share` (0.99 for p99) of the requests took at most, in seconds."""
        ordered = sorted(self.durations)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    def summary(self, name: str, events_delivered: int) -> str:
        return (
            f"\n[fault] {name}: {self.requests} requests, {self.orders} orders, "
            f"{len(self.failures)} errors {dict(self.statuses)}, p50 {self.percentile(0.5) * 1000:.0f} ms, "
            f"p99 {self.percentile(0.99) * 1000:.0f} ms, slowest {self.slowest:.2f} s, "
            f"{events_delivered} events delivered"
        )


async def _logged_in(base_url: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base_url, timeout=30)
    session = (await client.get("/api/v1/auth/session/")).json()
    response = await client.post(
        "/api/v1/auth/login/",
        json={"username": username, "password": PASSWORD},
        headers={"X-CSRFToken": session["csrf_token"]},
    )
    response.raise_for_status()
    client.headers["X-CSRFToken"] = (await client.get("/api/v1/auth/session/")).json()["csrf_token"]
    return client


@asynccontextmanager
async def shoppers(
    base_url: str, customers: list[str], product_ids: list[str], figures: Figures, *, browsing: bool = False
) -> AsyncIterator[None]:
    """Each customer adds an item and checks out, again and again, while the block runs.

    `browsing`: each round also opens the product's page (HTML, with the customer's session).
    """
    clients = [await _logged_in(base_url, name) for name in customers]
    done = asyncio.Event()

    async def timed(client: httpx.AsyncClient, what: str, **request: Any) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = await client.request(**request)
        except httpx.TransportError as error:  # the process that had the connection was killed
            figures.record(what, started, error)
            return None
        figures.record(what, started, response)
        return response

    async def shop(client: httpx.AsyncClient, n: int) -> None:
        while not done.is_set():
            product_id = product_ids[(n + figures.requests) % len(product_ids)]
            if browsing:
                await timed(client, "browse", method="GET", url=f"/products/{product_id}")
            added = await timed(client, "add", method="POST", url="/api/v1/cart/items/",
                                json={"product_id": product_id, "quantity": 1})  # fmt: skip
            if added is None or added.status_code != 200:
                continue  # as a person would: not to the checkout with an item that did not go in
            placed = await timed(client, "checkout", method="POST", url="/api/v1/cart/submit/",
                                 json={"shipping_address": ADDRESS})  # fmt: skip
            if placed is not None and placed.status_code == 201:
                figures.orders += 1

    tasks = [asyncio.create_task(shop(client, n)) for n, client in enumerate(clients)]
    try:
        yield
    finally:
        done.set()
        await asyncio.gather(*tasks)
        for client in clients:
            await client.aclose()


@asynccontextmanager
async def visitors(base_url: str, customers: list[str], figures: Figures) -> AsyncIterator[None]:
    """One visitor after another logs in afresh (as a customer, over API v1) while the block runs."""
    done = asyncio.Event()

    async def arrive() -> None:
        n = 0
        while not done.is_set():
            n += 1
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                started = time.monotonic()
                try:
                    session = await client.get("/api/v1/auth/session/")
                    response = await client.post(
                        "/api/v1/auth/login/",
                        json={"username": customers[n % len(customers)], "password": PASSWORD},
                        headers={"X-CSRFToken": session.json()["csrf_token"]},
                    )
                except httpx.TransportError as error:
                    figures.record("log in", started, error)
                    continue
                figures.record("log in", started, response)

    task = asyncio.create_task(arrive())
    try:
        yield
    finally:
        done.set()
        await task


async def prepare(owner_database_url: str, customers: int, products: int, stock: int) -> tuple[list[str], list[str]]:
    """An empty shop with `customers` customers and `products` products of `stock` each.

    Cleans and inspects as the owner role (it sees every tenant's rows); the shop itself runs as the app role.
    """
    from app.domain.users import Role
    from app.main import build_container
    from app.seed import seed
    from app.settings import get_settings
    from tests.integration.conftest import clean_tables

    connection = await asyncpg.connect(owner_database_url)
    try:
        await clean_tables(connection)
        get_settings.cache_clear()
        settings = get_settings()
        # The accounts' events go to the shop's queue, where its worker delivers them.
        settings = replace(settings, worker=replace(settings.worker, queue_name=FAULTS_QUEUE))
        container = build_container(settings)
        await container.database.connect()
        await container.queue.connect()
        try:
            await seed(products, only_if_empty=False, rng_seed=8, demo_users=False, container=container)
            names = [f"shopper{n:02d}" for n in range(customers)]
            for name in names:
                await container.auth.ensure_user(settings.app.default_tenant_id, name, PASSWORD, Role.CUSTOMER)
        finally:
            await container.close()
        await connection.execute("UPDATE product SET stock_quantity = $1", stock)
        product_ids = [str(row["id"]) for row in await connection.fetch("SELECT id FROM product ORDER BY name")]
        return names, product_ids
    finally:
        await connection.close()


@dataclass(frozen=True)
class Ledger:
    events: int
    undelivered: int
    partial_orders: int
    units_per_product: dict[str, int]  # stock + reserved in carts + sold


async def ledger(owner_database_url: str) -> Ledger:
    connection = await asyncpg.connect(owner_database_url)
    try:
        events = await connection.fetchval("SELECT count(*) FROM outbox")
        undelivered = await connection.fetchval("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
        partial = await connection.fetchval(
            """
            SELECT count(*) FROM customer_order o
            WHERE o.subtotal IS DISTINCT FROM (SELECT sum(i.unit_price * i.quantity) FROM order_item i
                                               WHERE i.order_id = o.id)
               OR NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.aggregate_id = o.id)
            """
        )
        rows = await connection.fetch(
            """
            SELECT p.id::text AS id, p.stock_quantity
                   + coalesce((SELECT sum(quantity) FROM cart_item c WHERE c.product_id = p.id), 0)
                   + coalesce((SELECT sum(quantity) FROM order_item i WHERE i.product_id = p.id), 0) AS units
            FROM product p
            """
        )
        return Ledger(events, undelivered, partial, {row["id"]: int(row["units"]) for row in rows})
    finally:
        await connection.close()


DRAIN_SECONDS = 120.0
"""How long `drained` waits for every event to be delivered (its docstring says why)."""


async def drained(owner_database_url: str, redis_url: str | None = None) -> Ledger:
    """The ledger once every committed event has been delivered (bounded wait).

    The designed slowest recovery path of the shop `running_shop` starts is 36 s: a job left active
    by a kill is retried DELIVERY_TIMEOUT_SECONDS (10) after it started, found by SAQ's sweep within
    STUCK_JOB_SWEEP_SECONDS (5), which waits up to 5 s for the abort and queues it again after a
    back-off of at most 16 s (the fifth attempt). A lost, unqueued or unpublished job is published
    again within OUTBOX_GRACE_SECONDS + OUTBOX_SWEEP_SECONDS (2 s). The bound, DRAIN_SECONDS (120 s),
    is wider than twice that because of a slower path seen in about one Redis-outage run in four
    (2026-12-02): a job or two caught in the kill window stay "active" past every sweep and are
    delivered after ~75 s. Its cause is not found yet (the failure message lists those jobs); an
    event that is never delivered still fails here.
    With `redis_url` (the shop's Redis), a failure also says what the queue holds.
    """
    deadline = time.monotonic() + DRAIN_SECONDS
    while (state := await ledger(owner_database_url)).undelivered:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{state.undelivered} of {state.events} events undelivered after {DRAIN_SECONDS:.0f} s: "
                f"{await _undelivered(owner_database_url)}"
                + (f"\nqueue: {await _queue_state(redis_url)}" if redis_url else "")
            )
        await asyncio.sleep(0.2)  # polling another process's work
    return state


async def _queue_state(redis_url: str) -> dict[str, Any]:
    """The shop's SAQ queue as Redis holds it: list lengths and the cron jobs' states (for the failure message)."""
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    prefix = f"saq:{FAULTS_QUEUE}"
    try:
        state: dict[str, Any] = {
            "queued": await client.llen(f"{prefix}:queued"),
            "active": await client.llen(f"{prefix}:active"),
            "incomplete": await client.zcard(f"{prefix}:incomplete"),
        }
        active = []
        for job_id in await client.lrange(f"{prefix}:active", 0, 9):
            raw = await client.get(job_id)
            job = json.loads(raw) if raw else {}
            active.append({key: job.get(key) for key in ("key", "status", "attempts", "started", "touched", "error")})
        state["active_jobs"] = active
        for name in ("sweep_outbox_job", "expire_reservations_job"):
            job_id = f"saq:job:{FAULTS_QUEUE}:cron:{name}"
            raw = await client.get(job_id)
            status = json.loads(raw).get("status") if raw else None
            state[name] = {"status": status, "incomplete_score": await client.zscore(f"{prefix}:incomplete", job_id)}
        return state
    finally:
        await client.aclose()


async def _undelivered(owner_database_url: str) -> list[dict[str, Any]]:
    """What the outbox says of (the first ten) undelivered events: for the failure message."""
    connection = await asyncpg.connect(owner_database_url)
    try:
        rows = await connection.fetch(
            "SELECT event_id::text, created_at, published_at, publish_attempts FROM outbox "
            "WHERE delivered_at IS NULL ORDER BY created_at LIMIT 10"
        )
        return [dict(row) for row in rows]
    finally:
        await connection.close()
