"""Command line: `python -m app.cli run | migrate | create-admin | seed | services | tenant | thumbnails`.

`run` is what `make run` calls: it starts embedded PostgreSQL/Redis when DATABASE_URL/REDIS_URL
are unset, migrates, seeds (the default admin; in development the demo accounts and a second
shop, `outlet` at outlet.localhost; 200 products when a catalog is empty), then supervises the
web processes and a SAQ worker (app/supervisor.py) until Ctrl-C or SIGTERM, and stops everything
it started.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

from app.settings import PROJECT_ROOT

DEFAULT_DATA_DIR = PROJECT_ROOT / ".data"


def _prepare_environment(data_dir: Path) -> object:
    """Start what is missing; export DATABASE_URL, MIGRATION_DATABASE_URL and REDIS_URL to this process and children."""
    from app.devservices import ensure_services

    services = ensure_services(data_dir)
    os.environ["DATABASE_URL"] = services.database_url
    os.environ["MIGRATION_DATABASE_URL"] = services.migration_database_url
    os.environ["REDIS_URL"] = services.redis_url
    os.environ.setdefault("DATA_DIR", str(data_dir))
    return services


def migrate() -> None:
    """Apply every pending migration, as the owner role (MIGRATION_DATABASE_URL, else DATABASE_URL)."""
    sys.path.insert(0, str(PROJECT_ROOT))  # piccolo_conf.py lives at the project root
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = asyncio.run(run_forwards(app_name="emporium"))
    if not result.success:
        raise SystemExit(f"migration failed: {result.message}")


async def _ensure_default_admin(tenant_slug: str | None = None) -> bool:
    from app.adapters.tenants import list_tenants
    from app.domain.users import Role
    from app.main import build_container
    from app.settings import get_settings

    settings = get_settings()
    tenant_id = settings.app.default_tenant_id
    if tenant_slug is not None:
        found = [t.id for t in await list_tenants(settings.database.url) if t.slug == tenant_slug]
        if not found:
            raise SystemExit(f"no tenant {tenant_slug!r}: see `python -m app.cli tenant list`")
        tenant_id = found[0]
    container = build_container(settings)
    await container.database.connect()
    await container.queue.connect()
    try:
        return await container.auth.ensure_user(tenant_id, "admin", "admin", Role.ADMIN)
    finally:
        await container.close()


def create_admin(tenant_slug: str | None = None) -> None:
    created = asyncio.run(_ensure_default_admin(tenant_slug))
    print("default admin created (admin/admin)" if created else "default admin already exists")


def seed_demo_data(products: int, *, only_if_empty: bool, rng_seed: int | None = None) -> None:
    """Accounts and generated products with pictures (see app/seed.py), with a progress bar on stderr."""
    from app.seed import seed

    report = asyncio.run(
        seed(products, only_if_empty=only_if_empty, rng_seed=rng_seed, progress=sys.stderr, pictures=True)
    )
    print(report.summary(), flush=True)


def run() -> None:
    data_dir = Path(os.environ.get("DATA_DIR", DEFAULT_DATA_DIR))
    print("Starting Emporium…", flush=True)
    services = _prepare_environment(data_dir)
    metrics_dir = data_dir / "metrics"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    (data_dir / "mail").mkdir(exist_ok=True)

    from app.seed import DEFAULT_PRODUCTS

    migrate()
    seed_demo_data(DEFAULT_PRODUCTS, only_if_empty=True)

    from app.settings import get_settings

    settings = get_settings()
    url = f"http://{settings.app.host}:{settings.app.port}"
    demo = ""
    if settings.app.is_development:
        from app.seed import DEMO_SHOP, seed_demo_shops

        report = asyncio.run(seed_demo_shops(DEFAULT_PRODUCTS, progress=sys.stderr))
        print(f"{DEMO_SHOP[1]}: {report.summary()}", flush=True)
        demo = (
            "; demo accounts (eve, customer, alice, …) use their username as password\n"
            f"  {DEMO_SHOP[1]}, a second shop with its own accounts (the same names and passwords), is at "
            f"http://{DEMO_SHOP[2][0]}:{settings.app.port}"
        )
    print(
        f"\n  Emporium is running at {url}\n"
        f"  Log in as admin/admin{demo}.\n"
        f"  Database: {os.environ['DATABASE_URL']}\n  Redis:    {os.environ['REDIS_URL']}\n"
        f"  Press Ctrl-C to stop.\n",
        flush=True,
    )
    from app.log_config import configure_logging_from
    from app.supervisor import supervise

    configure_logging_from(settings)
    try:
        supervise(settings)  # restarts a web process or the worker that dies; returns on Ctrl-C or SIGTERM
    finally:
        print("\nStopping…", flush=True)
        services.stop()  # type: ignore[attr-defined]  # last: the children have stopped using them
        print("Stopped.", flush=True)


def services_command() -> None:
    """Start the embedded services (if needed), print their URLs, keep them up until Ctrl-C."""
    data_dir = Path(os.environ.get("DATA_DIR", DEFAULT_DATA_DIR))
    services = _prepare_environment(data_dir)
    print(
        f"DATABASE_URL={os.environ['DATABASE_URL']}\nMIGRATION_DATABASE_URL={os.environ['MIGRATION_DATABASE_URL']}\n"
        f"REDIS_URL={os.environ['REDIS_URL']}",
        flush=True,
    )
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # deliver them to sigwait
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        services.stop()  # type: ignore[attr-defined]


def tenant_command(args: argparse.Namespace) -> None:
    """`tenant create` / `tenant list`, as the owner role (the application role may only read tenants)."""
    from app.adapters.tenants import TenantRefused, create_tenant, list_tenants
    from app.settings import get_settings

    owner_url = get_settings().database.migration_url
    if args.tenant_command == "create":
        try:
            tenant = asyncio.run(create_tenant(owner_url, args.slug, args.name, args.host))
        except TenantRefused as refused:
            raise SystemExit(f"tenant not created: {refused}") from None
        print(f"tenant {tenant.slug} created: {tenant.id} ({', '.join(tenant.hosts) or 'no host names'})")
        return
    for entry in asyncio.run(list_tenants(owner_url)):
        print(f"{entry.slug}\t{entry.id}\t{entry.name}\t{' '.join(entry.hosts)}")


async def _enqueue_thumbnails() -> bool:
    from app.adapters.queue import build_queue
    from app.settings import get_settings
    from app.tasks.worker import enqueue_complete_thumbnails

    settings = get_settings()
    queue = build_queue(settings.redis.url, settings.worker.queue_name)
    await queue.connect()
    try:
        return await enqueue_complete_thumbnails(queue)
    finally:
        await queue.disconnect()


def thumbnails_command() -> None:
    """Queue the worker's job that makes the thumbnails older pictures lack (a running worker does it)."""
    queued = asyncio.run(_enqueue_thumbnails())
    print(
        "queued: the worker makes the missing thumbnails of every shop's pictures"
        if queued
        else "already queued or running"
    )


def _count(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the whole shop (embedded services when unset), until Ctrl-C")
    sub.add_parser("migrate", help="apply pending migrations (starts embedded services if unset)")
    admin_parser = sub.add_parser("create-admin", help="create the default admin (admin/admin) if absent")
    admin_parser.add_argument("--tenant", metavar="SLUG", help="in this tenant (default: the default tenant)")
    seed_parser = sub.add_parser(
        "seed",
        help="migrate, then add demo data: the default admin, demo accounts (development only) and products",
        description="Ensure the default admin and, when APP_ENV=development, the demo accounts (password = username); "
        "then bulk-insert generated products with COPY. Products seeded this way write no domain events "
        "(no audit log or outbox rows): they are bulk demo data.",
    )
    seed_parser.add_argument("--products", type=_count, default=200, metavar="N", help="products to add (default 200)")
    seed_parser.add_argument("--if-empty", action="store_true", help="add products only when the catalog has none")
    seed_parser.add_argument(
        "--seed", type=int, default=None, metavar="S", help="random seed, for a reproducible catalog"
    )
    sub.add_parser("services", help="run only the embedded PostgreSQL/Redis and print their URLs")
    tenant_parser = sub.add_parser("tenant", help="add a shop to this deployment, or list them")
    tenant_sub = tenant_parser.add_subparsers(dest="tenant_command", required=True)
    create_parser = tenant_sub.add_parser(
        "create",
        help="add a tenant (a shop) with its host names",
        description="Add a tenant to the directory, as the owner role (MIGRATION_DATABASE_URL). It starts empty: "
        "no accounts, products or flags.",
    )
    create_parser.add_argument("slug", help="short name: lowercase letters, digits, hyphens (e.g. outlet)")
    create_parser.add_argument("--name", required=True, help="display name shown in the shop's header")
    create_parser.add_argument(
        "--host", action="append", default=[], metavar="HOST", help="a host name it answers on (repeatable)"
    )
    tenant_sub.add_parser("list", help="every tenant: slug, id, name, host names (tab-separated)")
    sub.add_parser(
        "thumbnails",
        help="queue the job that makes the thumbnails pictures from before a new width or format lack",
        description="Queue one SAQ job (a running worker does it) that makes, for every shop's pictures, each "
        "thumbnail width and format the code now makes and the store does not hold yet. Idempotent: run it twice "
        "and the second job finds nothing to make; while one is queued or running, another is not queued.",
    )
    args = parser.parse_args(argv)
    if args.command == "run":
        run()
    elif args.command == "services":
        services_command()
    else:
        data_dir = Path(os.environ.get("DATA_DIR", DEFAULT_DATA_DIR))
        services = _prepare_environment(data_dir)
        try:
            if args.command == "migrate":
                migrate()
            elif args.command == "create-admin":
                create_admin(args.tenant)
            elif args.command == "tenant":
                tenant_command(args)
            elif args.command == "thumbnails":
                thumbnails_command()
            else:
                migrate()
                seed_demo_data(args.products, only_if_empty=args.if_empty, rng_seed=args.seed)
        finally:
            services.stop()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
