"""Demo data for `make run` and `make seed`: the default admin, demo accounts, a generated catalog.

In development `make run` also adds a second shop, `outlet` (DEMO_SHOP), seeded the same way, and
a few coupons, groups and flags in each shop (`seed_demo_shops`); every step is skipped when done.

Accounts go through the unit of work, so they get argon2id hashes and `UserRegistered` events.
Products are bulk demo data, copied in bulk (asyncpg COPY into a temporary table, then one
INSERT into `product`, one transaction per 5,000 rows): they write no domain events, audit rows or outbox rows, like the
original's `seed_products` (api-v1.md §11), and 100,000 of them take seconds, not minutes.

Names are "<Adjective> <Category> [<Variant>]" from the §11 word lists, about 70% with a variant,
never one the tenant already has. Those lists make only 8,000 names (20 × 25 × 16), so when ten
draws in a row are taken, a model number is appended ("Premium Laptop Pro #0412"): a small
catalog looks like the original's, and a large one stays unique (up to 80 million names) and
still reads like a shop's.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO
from uuid import UUID, uuid4

import asyncpg

from app.adapters.database import SET_TENANT_SQL
from app.adapters.demo_pictures import HEIGHT as DEMO_HEIGHT
from app.adapters.demo_pictures import WIDTH as DEMO_WIDTH
from app.adapters.demo_pictures import demo_pictures
from app.adapters.tenants import create_tenant, list_tenants
from app.domain.images import THUMBNAIL_FORMATS, THUMBNAIL_WIDTHS, ImageName
from app.domain.users import Role, UserContext
from app.main import Container, build_container
from app.services.ports import ObjectStorage
from app.settings import get_settings

ADJECTIVES = (
    "Premium", "Classic", "Deluxe", "Essential", "Professional", "Ultra", "Compact", "Portable", "Advanced", "Smart",
    "Organic", "Natural", "Handcrafted", "Vintage", "Modern", "Eco-Friendly", "Wireless", "Digital",
    "High-Performance", "Budget",
)  # fmt: skip
CATEGORIES = (
    "Laptop", "Keyboard", "Mouse", "Monitor", "Headphones", "Speaker", "Camera", "Tablet", "Phone", "Watch",
    "Charger", "Cable", "Adapter", "Stand", "Case", "Bag", "Light", "Microphone", "Webcam", "Hub", "Printer",
    "Scanner", "Drive", "Router", "Switch",
)  # fmt: skip
VARIANTS = (
    "Pro", "Plus", "Max", "Mini", "Lite", "X", "S", "SE", "Elite", "Air", "2024", "Gen 2", "Gen 3", "MK II", "Rev B",
)  # fmt: skip
USES = {
    "Laptop": "for work and play on the go",
    "Keyboard": "with a crisp, quiet key feel",
    "Mouse": "that fits the hand",
    "Monitor": "with sharp, even colour",
    "Headphones": "for long listening sessions",
    "Speaker": "that fills a room",
    "Camera": "for everyday photos and video",
    "Tablet": "for reading, notes and films",
    "Phone": "that lasts all day",
    "Watch": "that tracks the day at a glance",
    "Charger": "that charges fast and stays cool",
    "Cable": "built to bend for years",
    "Adapter": "for every port you meet",
    "Stand": "that lifts a screen to eye level",
    "Case": "that protects without bulk",
    "Bag": "with a place for everything",
    "Light": "with soft, adjustable light",
    "Microphone": "for clear calls and recordings",
    "Webcam": "for calls that look their best",
    "Hub": "that turns one port into many",
    "Printer": "for crisp pages at home",
    "Scanner": "that digitises a page in seconds",
    "Drive": "for fast, safe storage",
    "Router": "for strong Wi-Fi in every room",
    "Switch": "that connects the whole desk",
}
"""What each category is for: the second half of a demo product's description."""
VARIANT_SHARE = 0.7
BASE_NAME_DRAWS = 10
MODEL_NUMBERS = 10_000
PRICE_CENTS = (999, 99_999)
STOCK = (0, 500)
BATCH_SIZE = 5_000
DEFAULT_PRODUCTS = 200

DEFAULT_ADMIN = "admin"
DEMO_ACCOUNTS: tuple[tuple[str, Role], ...] = (
    ("eve", Role.ADMIN),
    *((name, Role.CUSTOMER) for name in ("customer", "alice", "bob", "charlie", "dave", "frank", "grace", "noorders")),
)
"""Besides the default admin; each one's password is its username (development only)."""

PRODUCT_COLUMNS = ("id", "tenant_id", "name", "price", "stock_quantity", "created_at", "version", "description")

DEMO_SHOP = ("outlet", "Emporium Outlet", ("outlet.localhost",))
"""The second shop of `make run` (slug, display name, host names): *.localhost is loopback in browsers and curl."""
DEMO_COUPONS = (("WELCOME10", "10"), ("SAVE25", "25"))
DEMO_GROUPS = (("beta_testers", "Customers who try new features first"),)
DEMO_FLAGS = (("new_checkout", "The redesigned checkout (off: the current one)"),)


@dataclass(frozen=True)
class SeedReport:
    accounts_created: tuple[str, ...]
    products_created: int
    product_seconds: float
    pictures_given: int = 0
    picture_seconds: float = 0.0

    def summary(self) -> str:
        accounts = ", ".join(self.accounts_created) or "none (all present)"
        if self.products_created:
            rate = self.products_created / self.product_seconds if self.product_seconds else 0.0
            products = f"{self.products_created:,} in {self.product_seconds:.1f} s ({rate:,.0f} rows/s)"
        else:
            products = "none"
        pictures = f"\npictures drawn for: {self.pictures_given:,} products in {self.picture_seconds:.1f} s"
        return f"accounts created: {accounts}\nproducts created: {products}" + (pictures if self.pictures_given else "")


class ProductNamer:
    """Draws product names that are not in `taken`, and adds each one it returns to it."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self._rng = rng
        self._taken = taken

    def _base_name(self) -> str:
        words = [self._rng.choice(ADJECTIVES), self._rng.choice(CATEGORIES)]
        if self._rng.random() < VARIANT_SHARE:
            words.append(self._rng.choice(VARIANTS))
        return " ".join(words)

    def __call__(self) -> str:
        for _ in range(BASE_NAME_DRAWS):
            name = self._base_name()
            if name not in self._taken:
                break
        while name in self._taken:
            name = f"{self._base_name()} #{self._rng.randrange(MODEL_NUMBERS):04d}"
        self._taken.add(name)
        return name


def name_parts(name: str) -> tuple[str, str, str]:
    """(adjective, category, variant) of a generated name; the variant is "" when it has none."""
    words = name.split(" #", 1)[0].split(" ")
    at = next(i for i, word in enumerate(words) if word in USES)
    return " ".join(words[:at]), words[at], " ".join(words[at + 1 :])


def describe(name: str) -> str:
    adjective, category, variant = name_parts(name)
    edition = f" This is the {variant} edition." if variant else ""
    return f"{adjective} {category.lower()} {USES[category]}.{edition}"


def product_records(tenant_id: UUID, count: int, rng: random.Random, taken: set[str]) -> Iterator[tuple[Any, ...]]:
    """Rows in PRODUCT_COLUMNS order: prices in whole cents from 9.99 to 999.99, stock 0 to 500."""
    namer = ProductNamer(rng, taken)
    created_at = datetime.now(UTC)
    for _ in range(count):
        name = namer()
        price = Decimal(rng.randint(*PRICE_CENTS)).scaleb(-2)
        yield (uuid4(), tenant_id, name, price, rng.randint(*STOCK), created_at, 1, describe(name))


async def add_demo_pictures(pool: asyncpg.Pool, tenant_id: UUID, storage: ObjectStorage) -> int:
    """Give every product of the tenant without a picture one drawn for its category and variant; returns how many.

    One picture (and its thumbnails) per category and variant, shared by the products that have both:
    names are immutable keys, so sharing one is safe. Written as ready, thumbnails included, because
    seeded products write no events for the worker to act on.
    """
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(SET_TENANT_SQL, str(tenant_id))
        rows = await connection.fetch(
            "SELECT id, name FROM product WHERE tenant_id = $1 AND image_key IS NULL", tenant_id
        )
    groups: dict[tuple[str, str], list[UUID]] = {}
    for row in rows:
        _, category, variant = name_parts(row["name"])
        groups.setdefault((category, variant), []).append(row["id"])

    async def store(category: str, variant: str) -> str:
        original, thumbnails = await asyncio.to_thread(
            demo_pictures, category, variant, THUMBNAIL_WIDTHS, THUMBNAIL_FORMATS
        )
        name = ImageName.new("webp")
        await storage.put(name.storage_key(tenant_id), original, name.content_type)
        for (width, extension), data in thumbnails.items():
            thumbnail = name.thumbnail(width, extension)
            await storage.put(thumbnail.storage_key(tenant_id), data, thumbnail.content_type)
        return str(name)

    names = await asyncio.gather(*(store(category, variant) for category, variant in groups))
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(SET_TENANT_SQL, str(tenant_id))
        await connection.executemany(
            "UPDATE product SET image_key = $1, thumbnails_key = $1, image_width = $2, image_height = $3 "
            "WHERE id = ANY($4::uuid[])",
            [(name, DEMO_WIDTH, DEMO_HEIGHT, ids) for name, ids in zip(names, groups.values(), strict=True)],
        )
    return len(rows)


class ProgressBar:
    """One line redrawn in place on a terminal; elsewhere only the final line is written."""

    WIDTH = 30

    def __init__(self, label: str, total: int, stream: TextIO | None) -> None:
        self._label = label
        self._total = total
        self._done = 0
        self._stream = stream
        self._live = stream is not None and stream.isatty()
        self._started = time.perf_counter()
        if self._live:
            self._draw()

    def advance(self, count: int) -> None:
        self._done += count
        if self._live:
            self._draw()

    def close(self) -> None:
        if self._stream is not None:
            self._draw()
            self._stream.write("\n")
            self._stream.flush()

    def _draw(self) -> None:
        assert self._stream is not None
        fraction = self._done / self._total if self._total else 1.0
        filled = int(self.WIDTH * fraction)
        elapsed = time.perf_counter() - self._started
        rate = f"{self._done / elapsed:,.0f}/s" if elapsed > 0 and self._done else ""
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self._stream.write(f"\r{self._label} [{bar}] {self._done:,}/{self._total:,} {fraction:4.0%} {rate}  ")
        self._stream.flush()


async def insert_products(
    pool: asyncpg.Pool,
    tenant_id: UUID,
    count: int,
    *,
    only_if_empty: bool,
    rng: random.Random,
    progress: TextIO | None = None,
) -> int:
    """Bulk-insert `count` generated products (none when `only_if_empty` and the tenant has any); returns how many."""
    if count <= 0:
        return 0
    async with pool.acquire() as connection:
        async with connection.transaction():
            await connection.execute(SET_TENANT_SQL, str(tenant_id))  # row-level security: this tenant's rows
            if only_if_empty and await connection.fetchval(
                "SELECT EXISTS (SELECT 1 FROM product WHERE tenant_id = $1)", tenant_id
            ):
                return 0
            taken = {
                row["name"]
                for row in await connection.fetch("SELECT name FROM product WHERE tenant_id = $1", tenant_id)
            }
        records = product_records(tenant_id, count, rng, taken)
        bar = ProgressBar("products", count, progress)
        inserted = 0
        while batch := list(itertools.islice(records, BATCH_SIZE)):
            async with connection.transaction():
                # Row-level security reads the tenant from this transaction-local setting. PostgreSQL
                # refuses COPY into a table with row-level security, so the rows are copied into a
                # temporary table first and moved with one INSERT, which the policy checks.
                await connection.execute(SET_TENANT_SQL, str(tenant_id))
                await connection.execute(
                    "CREATE TEMPORARY TABLE product_seed (LIKE product INCLUDING DEFAULTS) ON COMMIT DROP"
                )
                await connection.copy_records_to_table("product_seed", records=batch, columns=PRODUCT_COLUMNS)
                columns = ", ".join(PRODUCT_COLUMNS)
                await connection.execute(f"INSERT INTO product ({columns}) SELECT {columns} FROM product_seed")
            inserted += len(batch)
            bar.advance(len(batch))
        bar.close()
        # Fresh statistics now, not whenever autovacuum gets to it: until then the planner guesses the
        # table is small and picks plans that are slow for the catalog search (see docs/performance.md).
        await connection.execute("ANALYZE product")
        return inserted


async def ensure_accounts(container: Container, tenant_id: UUID, *, demo_users: bool) -> tuple[str, ...]:
    """The default admin (admin/admin) always, the demo accounts when asked; returns the usernames created."""
    created = []
    if await container.auth.ensure_user(tenant_id, DEFAULT_ADMIN, DEFAULT_ADMIN, Role.ADMIN):
        created.append(DEFAULT_ADMIN)
    if demo_users:
        for username, role in DEMO_ACCOUNTS:
            # Development-only accounts whose password is the username (some are under the policy's minimum).
            if await container.auth.ensure_user(
                tenant_id, username, username, role, email=f"{username}@test.com", enforce_password_policy=False
            ):
                created.append(username)
    return tuple(created)


async def seed(
    products: int,
    *,
    only_if_empty: bool,
    rng_seed: int | None = None,
    demo_users: bool | None = None,
    container: Container | None = None,
    progress: TextIO | None = None,
    tenant_id: UUID | None = None,
    pictures: bool = False,
) -> SeedReport:
    """Seed a tenant (the default one unless given). Demo accounts default to development only; without a
    container, one is built.

    The same `rng_seed` on the same catalog gives the same names, prices and stock (ids are random).
    `pictures` draws a picture for every product that has none (`make run`, `make seed`; tests leave it off).
    """
    settings = container.settings if container is not None else get_settings()
    owned = container is None
    if container is None:
        container = build_container(settings)
        await container.database.connect()
        await container.queue.connect()
    try:
        tenant_id = tenant_id or settings.app.default_tenant_id
        wants_demo_users = settings.app.is_development if demo_users is None else demo_users
        accounts = await ensure_accounts(container, tenant_id, demo_users=wants_demo_users)
        pool = container.database.engine.pool
        if pool is None:
            raise RuntimeError("the database pool is not started")
        started = time.perf_counter()
        created = await insert_products(
            pool, tenant_id, products, only_if_empty=only_if_empty, rng=random.Random(rng_seed), progress=progress
        )
        product_seconds = time.perf_counter() - started
        pictured = await add_demo_pictures(pool, tenant_id, container.image_storage) if pictures else 0
        return SeedReport(
            accounts_created=accounts,
            products_created=created,
            product_seconds=product_seconds,
            pictures_given=pictured,
            picture_seconds=time.perf_counter() - started - product_seconds,
        )
    finally:
        if owned:
            await container.close()


async def ensure_demo_shop(owner_url: str) -> UUID:
    """The `outlet` tenant (DEMO_SHOP), created as the owner role unless it exists; returns its id."""
    slug, name, hosts = DEMO_SHOP
    for tenant in await list_tenants(owner_url):
        if tenant.slug == slug:
            return tenant.id
    return (await create_tenant(owner_url, slug, name, list(hosts))).id


async def ensure_demo_extras(container: Container, tenant_id: UUID) -> None:
    """A few coupons, a group and a flag in the tenant, each unless one of that code or name exists."""
    system = UserContext.system(tenant_id)
    codes = {coupon.code for coupon in await container.coupons.list_coupons(system)}
    for code, percent in DEMO_COUPONS:
        if code not in codes:
            expires_at = datetime.now(UTC) + timedelta(days=365)
            await container.coupons.create_coupon(system, code=code, discount_percent=percent, expires_at=expires_at)
    groups = {group.name for group in await container.flags.list_groups(system)}
    for name, description in DEMO_GROUPS:
        if name not in groups:
            await container.flags.create_group(system, name=name, description=description)
    flags = {flag.name for flag in await container.flags.list_flags(system)}
    for name, description in DEMO_FLAGS:
        if name not in flags:
            await container.flags.create_flag(system, name=name, enabled=False, description=description)


async def seed_demo_shops(products: int, *, progress: TextIO | None = None) -> SeedReport:
    """Development's `make run`: the outlet shop with its own accounts and catalog, and extras in both shops."""
    settings = get_settings()
    outlet = await ensure_demo_shop(settings.database.migration_url)
    container = build_container(settings)
    await container.database.connect()
    await container.queue.connect()
    try:
        report = await seed(
            products,
            only_if_empty=True,
            demo_users=True,
            container=container,
            progress=progress,
            tenant_id=outlet,
            pictures=True,
        )
        for tenant_id in (settings.app.default_tenant_id, outlet):
            await ensure_demo_extras(container, tenant_id)
        return report
    finally:
        await container.close()
