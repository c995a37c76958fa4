"""The floor for the catalog: a bare ASGI app (no framework) running the catalog reader's own SQL.

`GET /api/v1/products/?page=&page_size=&search=&min_price=&max_price=&in_stock=` answers the same
JSON envelope as the shop's v1 list, from exactly the statements `SqlCatalogReader` builds (its
`search_probe_sql` and `list_sql` are called, so the SQL cannot drift), on an asyncpg pool as the
application role (`DATABASE_URL`, emporium_app) with the tenant set per transaction, as the shop
does under row-level security. Everything the shop adds around that (routing, parameters, sessions,
middleware, logging, metrics) is what a ratio to this app prices.

`bench/run.py` starts it beside the shop with uvicorn (`uvicorn bench.bare_app:app --workers 2`).
"""

from __future__ import annotations

import os
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID

import asyncpg
import msgspec

from app.adapters.database import in_tenant
from app.adapters.readers import SEARCH_BY_IDS_UP_TO, SqlCatalogReader
from app.domain.pagination import PageRequest
from app.services.read_models import CatalogFilter

TENANT_ID = UUID(os.environ["BARE_TENANT_ID"])
"""The shop's default tenant (bench/run.py passes it)."""
CENT = Decimal("0.01")
_reader = SqlCatalogReader(None)  # type: ignore[arg-type]  # only builds SQL
_encode = msgspec.json.Encoder().encode
_pool: asyncpg.Pool | None = None
_JSON_HEADERS = [(b"content-type", b"application/json")]


async def _no_reset(connection: asyncpg.Connection) -> None:
    """As the shop's pool: no reset beyond asyncpg's rollback of an open transaction."""


def _price(raw: str | None, rounding: str) -> Decimal | None:
    try:
        value = Decimal(raw) if raw else None
    except InvalidOperation:
        return None
    return value.quantize(CENT, rounding=rounding) if value is not None and value.is_finite() else None


async def products(query: dict[str, list[str]]) -> dict[str, Any]:
    def one(name: str) -> str | None:
        return query.get(name, [None])[0]

    filters = CatalogFilter(
        search=(one("search") or "").replace("\x00", ""),
        min_price=_price(one("min_price"), ROUND_CEILING),
        max_price=_price(one("max_price"), ROUND_FLOOR),
        in_stock_only=(one("in_stock") or "").lower() in {"true", "1", "yes"},
    )
    page = PageRequest.parse(one("page"), one("page_size"))
    assert _pool is not None
    async with _pool.acquire() as connection, in_tenant(connection, TENANT_ID):  # as the shop's `fetch`
        by_ids = True
        if filters.search.strip():  # the reader's probe: is the term rare enough to look up by ids?
            sql, args = _reader.search_probe_sql(filters)
            by_ids = await connection.fetchval(sql, *args) <= SEARCH_BY_IDS_UP_TO
        sql, args = _reader.list_sql(TENANT_ID, filters, page, by_ids=by_ids)
        rows = await connection.fetch(sql, *args)
        if rows:
            total = rows[0]["_total"]
        elif page.page == 1:
            total = 0
        else:  # past the end: the count alone, as the reader does
            sql, args = _reader.count_sql(TENANT_ID, filters, by_ids=by_ids)
            total = await connection.fetchval(sql, *args)
    pages = -(-total // page.page_size)
    return {
        "results": [
            {
                "id": str(row["id"]),
                "name": row["name"],
                "price": str(row["price"].quantize(CENT)),
                "stock_quantity": row["stock_quantity"],
                "created_at": row["created_at"].isoformat(),
                "deleted_at": row["deleted_at"].isoformat() if row["deleted_at"] else None,
            }
            for row in rows
        ],
        "page": page.page,
        "page_size": page.page_size,
        "total_count": total,
        "total_pages": pages,
        "has_next": page.page < pages,
        "has_previous": page.page > 1,
    }


async def _respond(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                pool_max = int(os.environ.get("DATABASE_POOL_MAX", "20"))
                _pool = await asyncpg.create_pool(
                    os.environ["DATABASE_URL"], min_size=1, max_size=pool_max, reset=_no_reset
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _pool is not None:
                    await _pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    if scope["path"] == "/health/ready":
        await _respond(send, 200, b"ok", [(b"content-type", b"text/plain")])
    elif scope["path"] == "/api/v1/products/" and scope["method"] == "GET":
        body = _encode(await products(parse_qs(scope["query_string"].decode("latin-1"))))
        await _respond(send, 200, body, _JSON_HEADERS)
    else:
        await _respond(send, 404, b'{"detail":"Not found"}', _JSON_HEADERS)
