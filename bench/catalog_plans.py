"""EXPLAIN (ANALYZE, BUFFERS) of every catalog query at growing catalog sizes, as the application role.

`python -m bench.catalog_plans --products 10000,100000,1000000` (or `make bench
BENCH_ARGS="--catalog-plans 10000,100000,1000000"`) tops the bench database's default shop up to
each size in turn (bulk insert, then VACUUM ANALYZE, as a catalog at rest would be), builds each
statement with the catalog reader's own SQL builders, and runs it under EXPLAIN as APPLICATION_ROLE
with the tenant set, so row-level security applies exactly as in the shop. It prints one line per
query (execution time, buffers, whether the plan sorts or spills) and writes every full plan to
`.data/bench/catalog_plans/<size>.txt`. Each size has its own database, kept for the next run;
seeding 1,000,000 products the first time takes several minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from bench.harness import DATA_DIR

PLANS_DIR = DATA_DIR / "catalog_plans"
DATABASE = "emporium_plans"
"""Prefix of the per-size databases."""
SEARCH_TERM = "pro"


@dataclass(frozen=True)
class Plan:
    query: str
    text: str

    @property
    def execution_ms(self) -> float:
        return float(re.search(r"Execution Time: ([\d.]+) ms", self.text).group(1))  # type: ignore[union-attr]

    @property
    def planning_ms(self) -> float:
        return float(re.search(r"Planning Time: ([\d.]+) ms", self.text).group(1))  # type: ignore[union-attr]

    @property
    def shared_buffers(self) -> int:
        """Shared buffers hit + read by the top node (the whole statement)."""
        first = re.search(r"Buffers: shared ([^\n]+)", self.text)
        return sum(int(n) for n in re.findall(r"(?:hit|read)=(\d+)", first.group(1))) if first else 0

    @property
    def sorts(self) -> bool:
        return bool(re.search(r"(^|->\s*)(Incremental )?Sort\b", self.text, re.MULTILINE))

    @property
    def spills(self) -> bool:
        return "external merge" in self.text or "Disk:" in self.text or "temp read" in self.text

    def line(self) -> str:
        return (
            f"{self.query:<44} {self.execution_ms:>9.3f} ms   planning {self.planning_ms:>6.3f} ms   "
            f"buffers {self.shared_buffers:>7}   {'SORT' if self.sorts else 'index order'}"
            f"{'  SPILLS TO DISK' if self.spills else ''}"
        )


def statements(tenant_id: UUID, after_middle: Any, common_term: bool) -> Iterator[tuple[str, str, list[Any]]]:
    """(label, sql, args) of every catalog query, from the reader's own builders.

    `common_term`: SEARCH_TERM has more matches than SEARCH_BY_IDS_UP_TO (the reader's probe says so).
    """
    from app.adapters.readers import SqlCatalogReader
    from app.domain.pagination import PageRequest
    from app.services.catalog import CATALOG_SORTS, HTML_COUNT_CAP
    from app.services.read_models import Browse, CatalogFilter

    reader = SqlCatalogReader(None)  # type: ignore[arg-type]  # only builds SQL
    everything = CatalogFilter()
    filtered = CatalogFilter(search=SEARCH_TERM, min_price=Decimal(20), max_price=Decimal(800), in_stock_only=True)
    by_name = CATALOG_SORTS["name"]
    cap = HTML_COUNT_CAP
    by_ids = not common_term
    how = "scan" if common_term else "by ids"
    yield "v1 list page 1 (exact count)", *reader.list_sql(tenant_id, everything, PageRequest(1, 20))
    yield "v1 list page 400 (OFFSET 7980)", *reader.list_sql(tenant_id, everything, PageRequest(400, 20))
    yield "search probe (is the term rare?)", *reader.search_probe_sql(filtered)
    yield f"v1 filtered search page 3 ({how})", *reader.list_sql(tenant_id, filtered, PageRequest(3, 20), by_ids=by_ids)
    yield "count, exact", *reader.count_sql(tenant_id, everything)
    yield f"count, filtered, exact ({how})", *reader.count_sql(tenant_id, filtered, by_ids=by_ids)
    yield f"count, capped at {HTML_COUNT_CAP:,}", *reader.count_sql(tenant_id, everything, HTML_COUNT_CAP)
    for token in CATALOG_SORTS:
        yield (
            f"keyset page 1, sort={token}, capped count",
            *reader.browse_sql(tenant_id, everything, Browse(CATALOG_SORTS[token], None, 21, count_up_to=cap)),
        )
    yield (
        "keyset deep page (middle), sort=name",
        *reader.browse_sql(tenant_id, everything, Browse(by_name, after_middle, 21)),
    )
    yield (
        f"keyset filtered search p1, capped ({how})",
        *reader.browse_sql(tenant_id, filtered, Browse(by_name, None, 21, count_up_to=cap), by_ids=by_ids),
    )
    plain = CatalogFilter(search=SEARCH_TERM)
    yield (
        f"keyset search p1, capped ({how})",
        *reader.browse_sql(tenant_id, plain, Browse(by_name, None, 21, count_up_to=cap), by_ids=by_ids),
    )
    yield (
        "keyset search (rare term) page 1",
        *reader.browse_sql(tenant_id, CatalogFilter(search="zz-no-such"), Browse(by_name, None, 21)),
    )


async def top_up(url: str, owner_url: str, tenant_id: UUID, size: int) -> int:
    from app.seed import insert_products

    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as connection, connection.transaction():
            await connection.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
            present = await connection.fetchval("SELECT count(*) FROM product")
        missing = max(0, size - int(present))
        if missing:
            await insert_products(pool, tenant_id, missing, only_if_empty=False, rng=random.Random(size))
    finally:
        await pool.close()
    owner = await asyncpg.connect(owner_url)
    try:
        await owner.execute("VACUUM (ANALYZE) product")
    finally:
        await owner.close()
    return missing


async def explain_all(url: str, tenant_id: UUID, size: int) -> list[Plan]:
    from app.adapters.readers import SEARCH_BY_IDS_UP_TO, SqlCatalogReader
    from app.domain.pagination import Cursor
    from app.services.read_models import CatalogFilter

    connection = await asyncpg.connect(url)
    plans = []
    try:
        async with connection.transaction():
            await connection.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
            middle = await connection.fetchrow(
                "SELECT name, id FROM product WHERE tenant_id = $1 AND deleted_at IS NULL "
                'ORDER BY name COLLATE "C", id OFFSET $2 LIMIT 1',
                tenant_id,
                size // 2,
            )
            after = Cursor("name", middle["name"], middle["id"])
            probe, probe_args = SqlCatalogReader.search_probe_sql(CatalogFilter(search=SEARCH_TERM))
            common = await connection.fetchval(probe, *probe_args) > SEARCH_BY_IDS_UP_TO
            for label, sql, args in statements(tenant_id, after, common):
                await connection.fetch(sql, *args)  # warm the cache: the figures are of a catalog in use
                rows = await connection.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
                plans.append(Plan(label, "\n".join(row[0] for row in rows)))
    finally:
        await connection.close()
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", default="10000,100000", help="comma-separated catalog sizes, ascending")
    args = parser.parse_args()
    run([int(size) for size in args.products.split(",")])


def run(sizes: list[int]) -> None:
    """One database per size (`emporium_plans_<size>`), kept between runs: a second run seeds nothing."""
    from app.devservices import ensure_services
    from app.settings import get_settings

    tenant_id = get_settings().app.default_tenant_id
    PLANS_DIR.mkdir(parents=True, exist_ok=True)
    opened = []
    try:
        for size in sizes:
            services = ensure_services(DATA_DIR, f"{DATABASE}_{size}")
            opened.append(services)
            env = {
                **os.environ,
                "DATABASE_URL": services.database_url,
                "MIGRATION_DATABASE_URL": services.migration_database_url,
                "REDIS_URL": services.redis_url,
            }
            subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
            started = time.perf_counter()
            added = asyncio.run(top_up(services.database_url, services.migration_database_url, tenant_id, size))
            seconds = time.perf_counter() - started
            print(f"\n{size:,} products ({added:,} added in {seconds:.1f} s, then VACUUM ANALYZE)")
            plans = asyncio.run(explain_all(services.database_url, tenant_id, size))
            for plan in plans:
                print(plan.line())
            out = PLANS_DIR / f"{size}.txt"
            out.write_text("".join(f"-- {plan.query}\n{plan.text}\n\n" for plan in plans))
            print(f"full plans: {out}")
    finally:
        for services in reversed(opened):
            services.stop()


if __name__ == "__main__":
    main()
