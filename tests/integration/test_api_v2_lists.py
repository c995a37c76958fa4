"""API v2's catalog list walked end to end over HTTP: keyset pages stay exact while the catalog changes."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.settings import get_settings

PRODUCTS = 1000

_INSERT = """
INSERT INTO product (id, tenant_id, name, price, stock_quantity, created_at)
SELECT gen_random_uuid(), $1, $2 || lpad(i::text, 4, '0'), (i % 25) + 0.99, i % 3, now()
FROM generate_series(1, $3::int) AS i
RETURNING id
"""


async def insert(db: asyncpg.Connection, prefix: str, count: int) -> list[UUID]:
    """`count` products in one statement (the owner connection), their prices with many ties."""
    tenant_id = get_settings().app.default_tenant_id
    return [row["id"] for row in await db.fetch(_INSERT, tenant_id, prefix, count)]


async def test_walking_the_v2_catalog_100_at_a_time_returns_each_live_product_once_while_it_changes(
    client: AsyncTestClient[Litestar], db: asyncpg.Connection
):
    ids = await insert(db, "Crate ", PRODUCTS)
    seen: list[UUID] = []
    deleted: list[UUID] = []
    created: list[UUID] = []
    path: str | None = "/api/v2/products?sort=price&limit=100"
    while path is not None:
        response = await client.get(path)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [UUID(item["id"]) for item in page["items"]]
        link = response.headers.get("link")
        assert (link is None) == (page["next_cursor"] is None)
        path = link.split(">", 1)[0].removeprefix("<") if link else None
        # Meanwhile: one product deleted ahead of the reader and one behind it; new ones on every price.
        ahead, behind = ids[-1 - len(deleted)], ids[len(deleted)]
        await db.execute("UPDATE product SET deleted_at = now() WHERE id = ANY($1)", [ahead, behind])
        deleted += [ahead, behind]
        created += await insert(db, f"New {len(seen)} ", 25)

    assert len(seen) == len(set(seen))  # nothing twice
    assert set(ids) - set(deleted) <= set(seen)  # every product live from start to end was seen
    assert set(seen) <= set(ids) | set(created)
    assert len(seen) >= PRODUCTS - len(deleted)
