"""A `make run`-style shop for benchmarks: its own data directory, a seeded catalog, real processes.

Starts (or reuses, with DATABASE_URL/REDIS_URL) PostgreSQL and Redis, migrates a `emporium_bench`
database, seeds products and bench customers, then runs uvicorn (WEB_PROCESSES processes) and a
SAQ worker as subprocesses, exactly as `make run` does.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data" / "bench"
CUSTOMER_PASSWORD = "bench-password"


@dataclass(frozen=True)
class Shop:
    base_url: str
    customers: tuple[str, ...]
    pids: tuple[int, ...]
    postmaster_pid: int | None = None
    """The embedded PostgreSQL's main process (None for a server given by DATABASE_URL)."""
    redis_url: str = ""
    web_pids: tuple[int, ...] = ()
    """The uvicorn supervisor and its web processes (`pids` without the SAQ worker)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _prepare(products: int, customers: int, *, demo: bool = False) -> tuple[str, ...]:
    from app.domain.users import Role
    from app.main import build_container
    from app.seed import ensure_demo_extras, seed
    from app.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    container = build_container(settings)
    await container.database.connect()
    await container.queue.connect()
    try:
        await seed(products, only_if_empty=True, rng_seed=42, demo_users=demo, container=container, pictures=demo)
        if demo:
            await ensure_demo_extras(container, settings.app.default_tenant_id)
        names = tuple(f"bench{i:02d}" for i in range(1, customers + 1))
        for name in names:
            await container.auth.ensure_user(settings.app.default_tenant_id, name, CUSTOMER_PASSWORD, Role.CUSTOMER)
        return names
    finally:
        await container.close()


@contextmanager
def running_shop(
    *,
    products: int,
    customers: int,
    web_processes: int,
    bypass_rls: bool = False,
    settings: dict[str, str] | None = None,
    per_size_database: bool = False,
    demo: bool = False,
    fresh: bool = False,
) -> Iterator[Shop]:
    """The shop until the block ends; `settings` are environment variables for its processes.

    With `demo` it is the shop `make run` shows, on a database of its own (`emporium_pages`): the demo
    accounts (alice, …; password = username), coupons, and a picture for every product.

    With `bypass_rls` they connect as the owner role (BYPASSRLS), to price the policies. With
    `per_size_database` it runs on bench/catalog_plans.py's database for this catalog size (kept between
    runs, topped up to `products` and vacuumed), so a 1,000,000-product catalog is seeded once.

    With `fresh` (and `demo`) its database is made anew and the stored pictures deleted, so the demo
    pictures are drawn and encoded by the code as it is now (bench/first_view.py measures their bytes).
    """
    from app.devservices import ensure_services
    from app.settings import get_settings

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if per_size_database:
        from bench.catalog_plans import DATABASE

        services = ensure_services(DATA_DIR, f"{DATABASE}_{products}")
    else:
        services = ensure_services(DATA_DIR, "emporium_pages" if demo else "emporium_bench", fresh_database=fresh)
    if fresh and demo:
        shutil.rmtree(DATA_DIR / "images", ignore_errors=True)  # only the demo database's products have pictures
    metrics_dir = DATA_DIR / "metrics"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": services.database_url,
        "MIGRATION_DATABASE_URL": services.migration_database_url,
        "REDIS_URL": services.redis_url,
        "DATA_DIR": str(DATA_DIR),
        "APP_ENV": "development",  # plain-HTTP cookies (production marks them Secure); logs below are JSON
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "DATABASE_POOL_MAX": "20",
        "TEMPLATE_AUTO_RELOAD": "false",  # as in production (APP_ENV=development would turn it on)
        # The load generator is one client address: limits a person would never reach, unless a benchmark
        # passes its own (bench/login_load.py measures the login policies).
        **dict.fromkeys(("RATE_LIMIT_READS", "RATE_LIMIT_WRITES", "RATE_LIMIT_LOGIN_ADDRESS"), "1000000/60"),
        **(settings or {}),
    }
    passed = ("DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL", "DATA_DIR", "APP_ENV", "LOG_FORMAT", "LOG_LEVEL")
    # For the seeding in this process; put back at the end, so the next shop of the run
    # (bench/run.py, one catalog size after another) starts its own servers instead of reusing these URLs.
    saved = {name: os.environ.get(name) for name in passed}
    os.environ.update({k: env[k] for k in passed})
    get_settings.cache_clear()
    # In a process of its own: Piccolo's migration runner keeps the engine of the first database it was
    # given (piccolo_conf.py is imported once), so a second size's migrations would go to the first's.
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], cwd=ROOT, env=env, check=True)
    if per_size_database:
        from bench.catalog_plans import top_up

        tenant_id = get_settings().app.default_tenant_id
        asyncio.run(top_up(services.database_url, services.migration_database_url, tenant_id, products))
    names = asyncio.run(_prepare(products, customers, demo=demo))
    port = _free_port()
    logs = open(DATA_DIR / "server.log", "w")  # noqa: SIM115 - closed below
    if bypass_rls:  # the web and worker only: migration and seeding above ran as usual
        env["DATABASE_URL"] = services.migration_database_url
    web = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(web_processes), "--no-access-log", "--log-level", "warning",
         "--no-server-header"],  # as app/supervisor.py runs it
        cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "saq", "app.tasks.worker.settings", "--quiet"],
        cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(web, base_url, DATA_DIR / "server.log")
        web_pids = _process_tree(web.pid)
        yield Shop(
            base_url=base_url,
            customers=names,
            pids=(*web_pids, worker.pid),
            web_pids=web_pids,
            postmaster_pid=_postmaster_pid(DATA_DIR),
            redis_url=services.redis_url,
        )
    finally:
        for process in (web, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in (web, worker):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        logs.close()
        services.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


def _wait_until_ready(web: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base_url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if web.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the web server did not start; see {log}")
        time.sleep(0.2)


@dataclass(frozen=True)
class BareApp:
    base_url: str
    pids: tuple[int, ...]
    """The uvicorn supervisor and its worker processes."""


@contextmanager
def running_bare_app(*, web_processes: int) -> Iterator[BareApp]:
    """bench/bare_app.py under uvicorn, on the database the running shop uses (call inside `running_shop`)."""
    from app.settings import get_settings

    env = {
        **os.environ,
        "BARE_TENANT_ID": str(get_settings().app.default_tenant_id),
        "DATABASE_POOL_MAX": "20",
    }
    port = _free_port()
    log = DATA_DIR / "bare_app.log"
    with open(log, "w") as logs:
        web = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(web_processes), "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_ready(web, base_url, log)
            yield BareApp(base_url=base_url, pids=_process_tree(web.pid))
        finally:
            if web.poll() is None:
                web.send_signal(signal.SIGINT)
            try:
                web.wait(20)
            except subprocess.TimeoutExpired:
                web.kill()


@contextmanager
def shared_services() -> Iterator[None]:
    """One PostgreSQL and Redis for several shops in a row: each `running_shop` in the block reuses them."""
    from app.devservices import ensure_services

    services = ensure_services(DATA_DIR, "emporium_bench")
    os.environ.update(
        DATABASE_URL=services.database_url,
        MIGRATION_DATABASE_URL=services.migration_database_url,
        REDIS_URL=services.redis_url,
    )
    try:
        yield
    finally:
        services.stop()


def _process_tree(pid: int) -> tuple[int, ...]:
    """The uvicorn supervisor and its worker processes."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    if children.exists():
        found += [int(child) for child in children.read_text().split()]
    return tuple(found)


def serving_processes(pids: tuple[int, ...]) -> tuple[int, ...]:
    """The uvicorn worker processes among a supervisor's tree: not the supervisor (the first) nor
    multiprocessing's resource tracker."""
    serving = []
    for pid in pids[1:]:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in command:
            serving.append(pid)
    return tuple(serving)


def _postmaster_pid(data_dir: Path) -> int | None:
    """From the embedded server's postmaster.pid (its first line), if this data directory holds one."""
    for pid_file in data_dir.glob("**/postmaster.pid"):
        return int(pid_file.read_text().split()[0])
    return None


def cpu_seconds(pids: tuple[int, ...]) -> float:
    """User + system CPU time used so far by these processes and their current children (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for process in {*pids, *(child for parent in pids for child in _process_tree(parent)[1:])}:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def peak_rss_mib(pids: tuple[int, ...]) -> dict[int, float]:
    """Peak resident memory (VmHWM) of each process, in MiB: the steady figure plus the largest transient one,
    such as a login's argon2id working memory (64 MiB per hash running at once)."""
    return _status_mib(pids, "VmHWM")


def rss_mib(pids: tuple[int, ...]) -> dict[int, float]:
    """Resident memory now (VmRSS) of each process, in MiB: after a run, what a web process holds steadily."""
    return _status_mib(pids, "VmRSS")


def _status_mib(pids: tuple[int, ...], field: str) -> dict[int, float]:
    found = {}
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith(field + ":"):
                    found[pid] = int(line.split()[1]) / 1024
    return found
