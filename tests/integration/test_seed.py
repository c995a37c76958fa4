"""Demo data on real PostgreSQL: a bulk catalog of unique, well-formed products, and demo accounts."""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from app.main import Container, build_container
from app.seed import ADJECTIVES, CATEGORIES, DEMO_ACCOUNTS, VARIANTS, ProductNamer, seed
from app.settings import get_settings

TENANT = get_settings().app.default_tenant_id


def _one_of(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(word) for word in words)


NAME = re.compile(rf"({_one_of(ADJECTIVES)}) ({_one_of(CATEGORIES)})( ({_one_of(VARIANTS)}))?( #\d{{4}})?")


@pytest.fixture
async def container(db: asyncpg.Connection, redis_client: Any) -> AsyncIterator[Container]:
    """The CLI's own wiring; safe here because no app fixture binds the tables to another engine."""
    container = build_container(get_settings())
    await container.database.connect()
    await container.queue.connect()
    yield container
    await container.close()


async def test_seeding_a_thousand_products_gives_unique_well_formed_names_prices_and_stock(
    container: Container, db: asyncpg.Connection
):
    report = await seed(1000, only_if_empty=False, rng_seed=1, container=container)

    rows = await db.fetch("SELECT name, price, stock_quantity, version, deleted_at FROM product")
    assert report.products_created == len(rows) == 1000
    names = [row["name"] for row in rows]
    assert len(set(names)) == 1000
    assert all(NAME.fullmatch(name) for name in names), [n for n in names if not NAME.fullmatch(n)][:5]
    assert all(Decimal("9.99") <= row["price"] <= Decimal("999.99") for row in rows)
    assert all(row["price"].as_tuple().exponent == -2 for row in rows)
    assert all(0 <= row["stock_quantity"] <= 500 for row in rows)
    assert {(row["version"], row["deleted_at"]) for row in rows} == {(1, None)}
    with_variant = sum(1 for name in names if NAME.fullmatch(name).group(3))  # type: ignore[union-attr]
    assert 600 <= with_variant <= 800  # about 70%


async def test_seeded_products_write_no_domain_events(container: Container, db: asyncpg.Connection):
    await seed(50, only_if_empty=False, container=container)

    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE aggregate_type = 'Product'") == 0
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE event_type LIKE 'Product%'") == 0


async def test_seeding_only_if_empty_adds_nothing_to_a_catalog_that_has_products(
    container: Container, db: asyncpg.Connection
):
    await seed(3, only_if_empty=False, container=container)

    report = await seed(200, only_if_empty=True, container=container)

    assert report.products_created == 0
    assert await db.fetchval("SELECT count(*) FROM product") == 3


async def test_the_same_seed_on_the_same_catalog_gives_the_same_products(container: Container, db: asyncpg.Connection):
    query = "SELECT name, price, stock_quantity FROM product ORDER BY name"
    await seed(300, only_if_empty=False, rng_seed=7, container=container)
    first = await db.fetch(query)
    await db.execute("DELETE FROM product")

    await seed(300, only_if_empty=False, rng_seed=7, container=container)

    assert await db.fetch(query) == first


async def test_seeding_again_never_reuses_a_name(container: Container, db: asyncpg.Connection):
    await seed(300, only_if_empty=False, rng_seed=7, container=container)

    await seed(300, only_if_empty=False, rng_seed=7, container=container)  # the same draws, all taken

    assert await db.fetchval("SELECT count(DISTINCT name) FROM product") == 600


def test_names_get_a_model_number_once_every_plain_name_is_taken():
    plain = {
        " ".join(words)
        for adjective in ADJECTIVES
        for category in CATEGORIES
        for words in [(adjective, category), *((adjective, category, variant) for variant in VARIANTS)]
    }
    assert len(plain) == 8000
    namer = ProductNamer(random.Random(3), taken=set(plain))

    names = [namer() for _ in range(2000)]

    assert len(set(names)) == 2000
    assert all(NAME.fullmatch(name) and " #" in name for name in names)


async def test_outside_development_only_the_default_admin_is_created(container: Container, db: asyncpg.Connection):
    report = await seed(0, only_if_empty=True, container=container)  # APP_ENV=test

    assert report.accounts_created == ("admin",)
    assert await db.fetchval("SELECT array_agg(username) FROM app_user") == ["admin"]


async def test_demo_accounts_log_in_with_their_username_as_password(container: Container, db: asyncpg.Connection):
    report = await seed(0, only_if_empty=True, demo_users=True, container=container)

    assert set(report.accounts_created) == {"admin", *(username for username, _ in DEMO_ACCOUNTS)}
    for username, role in [("admin", "admin"), *DEMO_ACCOUNTS]:
        user = await container.auth.authenticate(TENANT, username, username)
        assert (user.username, user.role) == (username, role)
    registered = await db.fetchval("SELECT count(*) FROM audit_log WHERE event_type = 'UserRegistered'")
    assert registered == 1 + len(DEMO_ACCOUNTS)

    again = await seed(0, only_if_empty=True, demo_users=True, container=container)
    assert again.accounts_created == ()


async def test_development_seeds_a_second_shop_with_its_own_accounts_catalog_and_extras_once(
    db: asyncpg.Connection, redis_client: Any
):
    from app.seed import seed_demo_shops

    await seed_demo_shops(20)
    await seed_demo_shops(20)  # again, as every `make run` does: nothing is added twice

    outlet = await db.fetchrow("SELECT id, name FROM tenant WHERE slug = 'outlet'")
    assert outlet["name"] == "Emporium Outlet"
    assert await db.fetchval("SELECT tenant_id FROM tenant_host WHERE host = 'outlet.localhost'") == outlet["id"]
    usernames = {
        r["username"] for r in await db.fetch("SELECT username FROM app_user WHERE tenant_id = $1", outlet["id"])
    }
    assert usernames == {"admin", *(name for name, _role in DEMO_ACCOUNTS)}
    assert await db.fetchval("SELECT count(*) FROM product WHERE tenant_id = $1", outlet["id"]) == 20
    for tenant_id in (TENANT, outlet["id"]):
        counts = [
            await db.fetchval(f"SELECT count(*) FROM {table} WHERE tenant_id = $1", tenant_id)
            for table in ("coupon", "user_group", "feature_flag")
        ]
        assert counts == [2, 1, 1], tenant_id


async def test_seeding_with_pictures_gives_each_category_and_variant_its_own_ready_picture(
    container: Container, db: asyncpg.Connection
):
    from app.domain.images import THUMBNAIL_WIDTHS, ImageName
    from app.domain.users import UserContext
    from app.seed import name_parts

    await seed(30, only_if_empty=False, rng_seed=3, container=container, pictures=True)

    rows = await db.fetch("SELECT name, description, image_key, thumbnails_key, image_width FROM product")
    assert all(row["image_key"] and row["thumbnails_key"] == row["image_key"] for row in rows)
    assert all(row["description"].startswith(name_parts(row["name"])[0]) for row in rows)
    by_kind: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        by_kind.setdefault(name_parts(row["name"])[1:], set()).add(row["image_key"])
    assert all(len(keys) == 1 for keys in by_kind.values())  # one picture per category and variant…
    assert len({key for keys in by_kind.values() for key in keys}) == len(by_kind)  # …and each its own
    name = ImageName.parse(rows[0]["image_key"])
    assert name is not None
    system = UserContext.system(TENANT)
    for width in THUMBNAIL_WIDTHS:
        assert await container.images.open_image(system, str(name.thumbnail(width))) is not None


async def test_seeding_without_pictures_leaves_products_without_one(container: Container, db: asyncpg.Connection):
    await seed(5, only_if_empty=False, container=container)

    assert await db.fetchval("SELECT count(*) FROM product WHERE image_key IS NOT NULL") == 0
