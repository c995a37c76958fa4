"""Readers: one SQL query per screen, returning plain read models (query separation)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields
from decimal import Decimal
from typing import Any
from uuid import UUID

from piccolo.engine.postgres import PostgresEngine

from app.adapters.database import fetch
from app.adapters.order_rows import order_from_row
from app.domain.coupons import Coupon
from app.domain.flags import FeatureFlag
from app.domain.pagination import Count, Cursor, Page, PageRequest
from app.domain.parsing import storable
from app.services.read_models import (
    AuditEntry,
    AuditFilter,
    Browse,
    CatalogFilter,
    GroupView,
    ManagedUserView,
    OrderFilter,
    OrderLineView,
    OrderView,
    ProductReportRow,
    ProductView,
    ReportFilter,
)


class _Where:
    """Builds a parameterised WHERE clause: values never touch the SQL text."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.args: list[Any] = []
        self.ctes: list[str] = []
        self.leading = 0
        """How many of the first clauses an ordering index serves (the rest filter the rows it yields)."""

    def _numbered(self, text: str, values: tuple[Any, ...]) -> str:
        for value in values:
            self.args.append(value)
            text = text.replace("?", f"${len(self.args)}", 1)
        return text

    def add(self, clause: str, *values: Any) -> None:
        self.clauses.append(self._numbered(clause, values))

    def param(self, value: Any) -> str:
        """`value` as the statement's next parameter, for SQL outside the WHERE (its placeholder)."""
        self.args.append(value)
        return f"${len(self.args)}"

    def add_leading(self, clause: str, *values: Any) -> None:
        """A clause an ordering index serves as an index condition (the tenant, a keyset position)."""
        self.clauses.insert(self.leading, self._numbered(clause, values))
        self.leading += 1

    def leading_sql(self) -> str:
        return " AND ".join(self.clauses[: self.leading]) or "true"

    def filter_sql(self) -> str:
        return " AND ".join(self.clauses[self.leading :]) or "true"

    def add_cte(self, cte: str, *values: Any) -> None:
        """A `name AS (…)` the clauses may read; computed once however often the statement reads it."""
        self.ctes.append(self._numbered(cte, values))

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "true"

    def with_sql(self) -> str:
        """The WITH that has to open the statement (empty when there is none)."""
        return f"WITH {', '.join(self.ctes)} " if self.ctes else ""


def _like_pattern(text: str) -> str:
    text = storable(text)
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _page_sql(
    select: str, where: _Where, order: str, page: PageRequest, total: str | None = None, rows: str | None = None
) -> tuple[str, list[Any]]:
    """The rows of a page and the total count in one statement.

    The count is its own scalar subquery, which PostgreSQL runs once (an InitPlan), so the rows can
    come from an index in order and stop at the page's end. A `count(*) OVER ()` would make it read
    and sort the whole filtered set for every page. `total`: a scalar expression that gives the count
    without counting (the catalog's per-tenant counter), instead of that subquery. `rows`: the query
    whose rows the page is cut from, instead of `select` with the WHERE (the catalog's index walk).
    """
    n = len(where.args)
    total = total or f"(SELECT count(*) FROM ({select} WHERE {where.sql()}) AS c)"
    rows = rows or f"{select} WHERE {where.sql()}"
    sql = (
        f"{where.with_sql()}SELECT *, {total} AS _total "
        f"FROM ({rows}) AS q ORDER BY {order} LIMIT ${n + 1} OFFSET ${n + 2}"
    )
    return sql, [*where.args, page.page_size, page.offset]


async def _page(
    engine: PostgresEngine,
    tenant_id: UUID,
    select: str,
    where: _Where,
    order: str,
    page: PageRequest,
    total: str | None = None,
    walk: str | None = None,
    count_alone: Callable[[], tuple[str, list[Any]]] | None = None,
) -> tuple[list[Any], int]:
    """Rows of the requested page and the total count, in one round trip (see `_page_sql`).

    `count_alone`: builds the statement that counts when a page past the end has no row to carry the total.
    """
    rows = await fetch(engine, tenant_id, *_page_sql(select, where, order, page, total, walk))
    if rows:
        return rows, rows[0]["_total"]
    if page.page == 1:
        return [], 0
    # A page past the end has no rows to carry the total: ask for it alone.
    if count_alone is None:
        counted = f"{where.with_sql()}SELECT count(*) AS n FROM ({select} WHERE {where.sql()}) AS q", where.args
    else:
        counted = count_alone()
    rows = await fetch(engine, tenant_id, *counted)
    return [], rows[0]["n"]


def _limited(sql: str, args: list[Any], limit: int | None) -> tuple[str, list[Any]]:
    """The statement with `LIMIT` as its next parameter (a keyset page), or as it is (`limit` None: every row)."""
    if limit is None:
        return sql, args
    return f"{sql} LIMIT ${len(args) + 1}", [*args, limit]


SEARCH_BY_IDS_UP_TO = 2000
"""A search term with more matches than this is a filter on the rows read in order: page 1 of a common term
is found within the first few hundred rows of an ordering index, while collecting all its ids would cost
as much as a scan."""

_BY_NAME = 'name COLLATE "C", id'
"""v1's order (and the HTML catalog's default): the order of `product_catalog_name_idx`."""

_CATALOG_ORDER_COLUMNS = {"name": 'name COLLATE "C"', "price": "price", "created_at": "created_at"}
"""Sort field → the column expression that one of the catalog ordering indexes is built on."""


_VIEW_FIELDS = len(fields(ProductView))


def _view(row: Any) -> ProductView:
    """A ProductView from a row of `SqlCatalogReader._COLUMNS` (then `_total` or `_count`), by position:
    a dict per row of a page was a few percent of a JSON list's CPU."""
    return ProductView(*tuple(row)[:_VIEW_FIELDS])


class SqlCatalogReader:
    """The catalog's reads; `*_sql` build the statements (bench/catalog_plans.py explains them)."""

    _COLUMNS = (
        "id, name, price, stock_quantity, image_key, created_at, deleted_at, version, description, "
        "image_width, image_height, thumbnails_key IS NOT NULL AND thumbnails_key = image_key AS thumbnails_ready"
    )
    """ProductView's fields in its order, so a row's first values are its arguments (`_view`)."""
    _SELECT = f"SELECT {_COLUMNS} FROM product"

    def __init__(self, engine: PostgresEngine) -> None:
        self._engine = engine

    async def list_products(self, tenant_id: UUID, filters: CatalogFilter, page: PageRequest) -> Page[ProductView]:
        by_ids = await self._search_by_ids(tenant_id, filters)
        where = self._where(tenant_id, filters, by_ids=by_ids)
        rows, total = await _page(
            self._engine,
            tenant_id,
            self._SELECT,
            where,
            _BY_NAME,
            page,
            self._exact_count(where, filters, by_ids),
            self._walk(where, filters, by_ids, _BY_NAME),
            lambda: self.count_sql(tenant_id, filters, by_ids=by_ids),
        )
        items = [_view(row) for row in rows]
        return Page(items=items, page=page.page, page_size=page.page_size, total_count=total)

    def list_sql(
        self, tenant_id: UUID, filters: CatalogFilter, page: PageRequest, *, by_ids: bool = True
    ) -> tuple[str, list[Any]]:
        where = self._where(tenant_id, filters, by_ids=by_ids)
        walk = self._walk(where, filters, by_ids, _BY_NAME)
        return _page_sql(self._SELECT, where, _BY_NAME, page, self._exact_count(where, filters, by_ids), walk)

    @staticmethod
    def _walks(filters: CatalogFilter, by_ids: bool) -> bool:
        """Whether `_walk` serves these filters: a common term, or price bounds, on live products."""
        searched = bool(filters.search.strip())
        priced = filters.min_price is not None or filters.max_price is not None
        return not filters.include_deleted and not (searched and by_ids) and (searched or priced)

    def _exact_count(self, where: _Where, filters: CatalogFilter, by_ids: bool) -> str | None:
        """The exact count as an expression that does not count under row-level security's blind plans:
        the per-tenant counter when nothing filters (`_counter`); `catalog_search_count` (migration
        `2026-12-03T12:10`) for the filters the planner cannot estimate under the policy (the cases
        `_walk` serves), which counts as the owner with statistics: a common term through the trigram
        index, price bounds through the price index. None (count the rows) otherwise. Appends its
        arguments to `where`.
        """
        counter = self._counter(filters)
        if counter is not None or not self._walks(filters, by_ids):
            return counter
        search = filters.search.strip()
        pattern = where.param(_like_pattern(search) if search else None)
        low, high = where.param(filters.min_price), where.param(filters.max_price)
        # A scalar subquery, so PostgreSQL runs it once (an InitPlan), not once per row of the page.
        return f"(SELECT catalog_search_count({pattern}, {low}, {high}, {where.param(filters.in_stock_only)}))"

    def _walk(self, where: _Where, filters: CatalogFilter, by_ids: bool, order: str) -> str | None:
        """The rows as a walk of the ordering index with the filters applied to what it yields, when the
        planner would otherwise misjudge them; None to leave the plan to the planner.

        Under row-level security the planner may not read column statistics through the non-leakproof
        `LIKE` and `numeric` comparisons (ADR 0011), so a common term with price bounds is estimated at 1 row
        of 1,000,000 and planned as a scan and a sort of every match (74,531 at 1M: ~1 s) where walking the
        name index in order finds page 3 within its first ~1,600 rows (4 ms). `OFFSET 0` keeps the filters out
        of the inner query, so its order can only come from the index; the outer ORDER BY is the same order,
        already satisfied. Not for a rare term looked up by ids (the ids are the cheap way there), nor with
        deleted products (the ordering indexes hold live ones only).
        """
        if not self._walks(filters, by_ids):
            return None
        return (
            f"SELECT * FROM ({self._SELECT} WHERE {where.leading_sql()} ORDER BY {order} OFFSET 0) AS walk "
            f"WHERE {where.filter_sql()}"
        )

    @staticmethod
    def _counter(filters: CatalogFilter) -> str | None:
        """For a count of all the tenant's products (no search, price or stock filter): the per-tenant counter
        that triggers keep with every product write (migration `2026-12-03T12:00`, ADR 0018), a primary-key
        read instead of an index-only scan of every live product. None (count the rows) when filtered.

        `$1` is the tenant: `_where` adds it first. A tenant without a product has no counter row yet.
        """
        if filters.search.strip() or filters.min_price is not None or filters.max_price is not None:
            return None
        if filters.in_stock_only:
            return None
        counted = "live + deleted" if filters.include_deleted else "live"
        return f"COALESCE((SELECT {counted} FROM product_count WHERE tenant_id = $1), 0)"

    async def browse_products(
        self, tenant_id: UUID, filters: CatalogFilter, browse: Browse
    ) -> tuple[list[ProductView], Count | None]:
        by_ids = await self._search_by_ids(tenant_id, filters)
        rows = await fetch(self._engine, tenant_id, *self.browse_sql(tenant_id, filters, browse, by_ids=by_ids))
        items = [_view(row) for row in rows]
        cap = browse.count_up_to
        if cap is None:
            return items, None
        if rows:
            counted = rows[0]["_count"]
        else:  # no row to carry the count (past the end, or nothing matches): ask for it alone
            counted = (await fetch(self._engine, tenant_id, *self.count_sql(tenant_id, filters, cap, by_ids=by_ids)))[
                0
            ]["n"]
        return items, Count(min(counted, cap), capped=counted > cap)

    def browse_sql(
        self, tenant_id: UUID, filters: CatalogFilter, browse: Browse, *, by_ids: bool = True
    ) -> tuple[str, list[Any]]:
        """Rows after `browse.after` in its sort order (then by id, the same way), and optionally a capped count.

        The row comparison `(key, id) > (…)` is an index condition on the sort's ordering index, so a
        deep page costs what page 1 costs.
        """
        sort, after = browse.sort, browse.after
        column = _CATALOG_ORDER_COLUMNS[sort.field]
        direction = "DESC" if sort.descending else "ASC"
        where = self._where(tenant_id, filters, by_ids=by_ids)
        count = ""
        if browse.count_up_to is not None:
            limited = f"{self._counted(where)} LIMIT {browse.count_up_to + 1:d}"
            count = f", {self._counter(filters) or f'(SELECT count(*) FROM ({limited}) AS c)'} AS _count"
        if after is not None:
            where.add_leading(f"({column}, id) {'<' if sort.descending else '>'} (?, ?)", after.key, after.id)
        n = len(where.args)
        order = f"{column} {direction}, id {direction}"
        walk = self._walk(where, filters, by_ids, order)
        if walk is None:
            sql = (
                f"{where.with_sql()}SELECT {self._COLUMNS}{count} FROM product WHERE {where.sql()} "
                f"ORDER BY {order} LIMIT ${n + 1} OFFSET ${n + 2}"
            )
        else:
            sql = (
                f"{where.with_sql()}SELECT *{count} FROM ({walk}) AS q ORDER BY {order} LIMIT ${n + 1} OFFSET ${n + 2}"
            )
        return sql, [*where.args, browse.limit, browse.skip]

    def count_sql(
        self, tenant_id: UUID, filters: CatalogFilter, up_to: int | None = None, *, by_ids: bool = True
    ) -> tuple[str, list[Any]]:
        """How many products match (at most `up_to` + 1 read when given): an index-only scan when it can be."""
        where = self._where(tenant_id, filters, by_ids=by_ids)
        counter = self._counter(filters)
        if counter is not None:
            return f"SELECT {counter} AS n", where.args[:1]
        alone = _Where()  # the function's arguments only: a parameter the statement does not use has no type
        exact = self._exact_count(alone, filters, by_ids) if up_to is None else None
        if exact is not None:
            return f"SELECT {exact} AS n", alone.args
        limit = "" if up_to is None else f" LIMIT {up_to + 1:d}"
        return f"{where.with_sql()}SELECT count(*) AS n FROM ({self._counted(where)}{limit}) AS c", where.args

    @staticmethod
    def _counted(where: _Where) -> str:
        return f"SELECT 1 FROM product WHERE {where.sql()}"

    async def _search_by_ids(self, tenant_id: UUID, filters: CatalogFilter) -> bool:
        """Whether the search term is rare enough to look up by the trigram index (see `_where`).

        Asked in the select list, so the function stops after SEARCH_BY_IDS_UP_TO + 1 matches.
        """
        if not filters.search.strip():
            return True
        rows = await fetch(self._engine, tenant_id, *self.search_probe_sql(filters))
        return bool(rows[0]["n"] <= SEARCH_BY_IDS_UP_TO)

    @staticmethod
    def search_probe_sql(filters: CatalogFilter) -> tuple[str, list[Any]]:
        sql = "SELECT count(*) AS n FROM (SELECT catalog_search_ids($1) LIMIT $2) AS m"
        return sql, [_like_pattern(filters.search.strip()), SEARCH_BY_IDS_UP_TO + 1]

    @staticmethod
    def _where(tenant_id: UUID, filters: CatalogFilter, *, by_ids: bool = True) -> _Where:
        """The filters as SQL. A search `by_ids` reads the matching ids from `catalog_search_ids`; otherwise
        `lower(name) LIKE` filters the rows as they are read (in index order, for a common term)."""
        where = _Where()
        where.add_leading("tenant_id = ?", tenant_id)
        if not filters.include_deleted:
            where.add_leading("deleted_at IS NULL")
        if filters.search.strip() and not by_ids:
            where.add("lower(name) LIKE ?", _like_pattern(filters.search.strip()))
        elif filters.search.strip():
            # Under row-level security `lower(name) LIKE ?` cannot use the trigram index (ADR 0011). The
            # matching ids once, as an array: `id IN (SELECT …)` may be rescanned for every row, and
            # the count and the rows of a page both read it.
            where.add_cte(
                "search AS (SELECT ARRAY(SELECT id FROM catalog_search_ids(?) AS id) AS ids)",
                _like_pattern(filters.search.strip()),
            )
            where.add("id = ANY ((SELECT ids FROM search)::uuid[])")
        if filters.min_price is not None:
            where.add("price >= ?", filters.min_price)
        if filters.max_price is not None:
            where.add("price <= ?", filters.max_price)
        if filters.in_stock_only:
            where.add("stock_quantity > 0")
        return where

    async def get_product(self, tenant_id: UUID, product_id: UUID) -> ProductView | None:
        rows = await fetch(
            self._engine, tenant_id, f"{self._SELECT} WHERE tenant_id = $1 AND id = $2", [tenant_id, product_id]
        )
        return ProductView(**dict(rows[0])) if rows else None


class SqlAuditReader:
    _SELECT = (
        "SELECT event_id, event_type, aggregate_type, aggregate_id, actor_id, actor_name, request_id, "
        "occurred_at, recorded_at, payload FROM audit_log"
    )

    def __init__(self, engine: PostgresEngine) -> None:
        self._engine = engine

    async def list_entries(self, tenant_id: UUID, filters: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        rows, total = await _page(
            self._engine,
            tenant_id,
            self._SELECT,
            self._where(tenant_id, filters),
            "occurred_at DESC, recorded_at DESC, event_id",
            page,
        )
        return Page(
            items=[self._entry(row) for row in rows], page=page.page, page_size=page.page_size, total_count=total
        )

    async def browse_entries(
        self, tenant_id: UUID, filters: AuditFilter, after: Cursor | None, limit: int
    ) -> list[AuditEntry]:
        """Newest first by (occurred_at, event_id): the row comparison reads audit_log_tenant_time_idx from there."""
        where = self._where(tenant_id, filters)
        if after is not None:
            where.add("(occurred_at, event_id) < (?, ?)", after.key, after.id)
        sql = (
            f"{self._SELECT} WHERE {where.sql()} ORDER BY occurred_at DESC, event_id DESC LIMIT ${len(where.args) + 1}"
        )
        rows = await fetch(self._engine, tenant_id, sql, [*where.args, limit])
        return [self._entry(row) for row in rows]

    @staticmethod
    def _where(tenant_id: UUID, filters: AuditFilter) -> _Where:
        where = _Where()
        where.add("tenant_id = ?", tenant_id)
        if filters.aggregate_type:
            where.add("aggregate_type = ?", filters.aggregate_type)
        if filters.aggregate_id is not None:
            where.add("aggregate_id = ?", filters.aggregate_id)
        if filters.actor_id is not None:
            where.add("actor_id = ?", filters.actor_id)
        if filters.event_type:
            where.add("event_type = ?", filters.event_type)
        if filters.request_id:
            where.add("request_id = ?", filters.request_id)
        if filters.since is not None:
            where.add("occurred_at >= ?", filters.since)
        if filters.until is not None:
            where.add("occurred_at < ?", filters.until)
        return where

    @staticmethod
    def _entry(row: Any) -> AuditEntry:
        return AuditEntry(
            event_id=row["event_id"],
            event_type=row["event_type"],
            aggregate_type=row["aggregate_type"],
            aggregate_id=row["aggregate_id"],
            actor_id=row["actor_id"],
            actor_name=row["actor_name"],
            request_id=row["request_id"],
            occurred_at=row["occurred_at"],
            payload=json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"],
        )


class SqlOrderReader:
    """Orders with their lines in one query (lines aggregated as JSON), newest first."""

    _SELECT = """
        SELECT o.id, o.number, o.user_id, u.username, o.ship_street_line_1, o.ship_street_line_2, o.ship_city,
               o.ship_state, o.ship_postal_code, o.ship_country, o.verification_id, o.subtotal, o.coupon_id,
               o.coupon_code, o.discount, o.total, o.submitted_at,
               (SELECT json_agg(json_build_object('id', i.id, 'product_id', i.product_id,
                                                  'product_name', i.product_name,
                                                  'unit_price', i.unit_price::text, 'quantity', i.quantity)
                                ORDER BY i.position)
                FROM order_item i WHERE i.order_id = o.id) AS items
        FROM customer_order o JOIN app_user u ON u.id = o.user_id
    """

    def __init__(self, engine: PostgresEngine) -> None:
        self._engine = engine

    async def list_orders(self, tenant_id: UUID, user_id: UUID | None) -> list[OrderView]:
        where = self._where(tenant_id, OrderFilter(customer_id=user_id))
        rows = await fetch(
            self._engine,
            tenant_id,
            f"{self._SELECT} WHERE {where.sql()} ORDER BY o.submitted_at DESC, o.number DESC",
            where.args,
        )
        return [self._view(row) for row in rows]

    async def find_orders(self, tenant_id: UUID, filters: OrderFilter, page: PageRequest) -> Page[OrderView]:
        where = self._where(tenant_id, filters)
        rows, total = await _page(self._engine, tenant_id, self._SELECT, where, "submitted_at DESC, number DESC", page)
        return Page([self._view(row) for row in rows], page.page, page.page_size, total)

    async def browse_orders(
        self, tenant_id: UUID, user_id: UUID | None, after: Cursor | None, limit: int
    ) -> list[OrderView]:
        rows = await fetch(self._engine, tenant_id, *self.browse_sql(tenant_id, user_id, after, limit))
        return [self._view(row) for row in rows]

    def browse_sql(
        self, tenant_id: UUID, user_id: UUID | None, after: Cursor | None, limit: int
    ) -> tuple[str, list[Any]]:
        """The row comparison `(submitted_at, id) < (…)` is an index condition (customer_order_*keyset_idx)."""
        where = self._where(tenant_id, OrderFilter(customer_id=user_id))
        if after is not None:
            where.add("(o.submitted_at, o.id) < (?, ?)", after.key, after.id)
        sql = f"{self._SELECT} WHERE {where.sql()} ORDER BY o.submitted_at DESC, o.id DESC LIMIT ${len(where.args) + 1}"
        return sql, [*where.args, limit]

    async def get_order(self, tenant_id: UUID, order_id: UUID) -> OrderView | None:
        rows = await fetch(
            self._engine, tenant_id, f"{self._SELECT} WHERE o.tenant_id = $1 AND o.id = $2", [tenant_id, order_id]
        )
        return self._view(rows[0]) if rows else None

    @staticmethod
    def _where(tenant_id: UUID, filters: OrderFilter) -> _Where:
        where = _Where()
        where.add("o.tenant_id = ?", tenant_id)
        if filters.customer_id is not None:
            where.add("o.user_id = ?", filters.customer_id)
        # UTC days, both included: from the first one's midnight to the midnight after the last one.
        if filters.placed_from is not None:
            where.add("o.submitted_at >= ?::date::timestamp AT TIME ZONE 'UTC'", filters.placed_from)
        if filters.placed_to is not None:
            where.add("o.submitted_at < (?::date + 1)::timestamp AT TIME ZONE 'UTC'", filters.placed_to)
        return where

    @staticmethod
    def _view(row: Any) -> OrderView:
        items = json.loads(row["items"]) if isinstance(row["items"], str) else (row["items"] or [])
        return order_from_row(
            OrderView,
            row,
            username=row["username"],
            items=tuple(
                OrderLineView(
                    id=UUID(i["id"]),
                    product_id=UUID(i["product_id"]),
                    product_name=i["product_name"],
                    unit_price=Decimal(i["unit_price"]),
                    quantity=i["quantity"],
                )
                for i in items
            ),
        )


class SqlCouponReader:
    _SELECT = "SELECT id, tenant_id, version, code, discount_percent, expires_at, created_at FROM coupon"

    def __init__(self, engine: PostgresEngine) -> None:
        self._engine = engine

    async def list_coupons(self, tenant_id: UUID) -> list[Coupon]:
        rows = await fetch(
            self._engine, tenant_id, f"{self._SELECT} WHERE tenant_id = $1 ORDER BY created_at DESC, code", [tenant_id]
        )
        return [Coupon(**dict(row)) for row in rows]

    async def browse_coupons(self, tenant_id: UUID, after: Cursor | None, limit: int) -> list[Coupon]:
        rows = await fetch(self._engine, tenant_id, *self.browse_sql(tenant_id, after, limit))
        return [Coupon(**dict(row)) for row in rows]

    def browse_sql(self, tenant_id: UUID, after: Cursor | None, limit: int) -> tuple[str, list[Any]]:
        """The row comparison `(created_at, id) < (…)` is an index condition (coupon_keyset_idx)."""
        where = _Where()
        where.add("tenant_id = ?", tenant_id)
        if after is not None:
            where.add("(created_at, id) < (?, ?)", after.key, after.id)
        sql = f"{self._SELECT} WHERE {where.sql()} ORDER BY created_at DESC, id DESC LIMIT ${len(where.args) + 1}"
        return sql, [*where.args, limit]

    async def get_coupon(self, tenant_id: UUID, coupon_id: UUID) -> Coupon | None:
        rows = await fetch(
            self._engine, tenant_id, f"{self._SELECT} WHERE tenant_id = $1 AND id = $2", [tenant_id, coupon_id]
        )
        return Coupon(**dict(rows[0])) if rows else None


class SqlProductReportReader:
    """The cross-aggregate product report in one query: products with what was sold and what carts hold."""

    _SELECT = """
        SELECT p.id AS product_id, p.name, p.price, p.stock_quantity, p.deleted_at IS NOT NULL AS is_deleted,
               coalesce(s.total_sold, 0)::int AS total_sold, coalesce(r.reserved, 0)::int AS currently_reserved
        FROM product p
        LEFT JOIN (SELECT product_id, sum(quantity) AS total_sold FROM order_item WHERE tenant_id = $1
                   GROUP BY product_id) s ON s.product_id = p.id
        LEFT JOIN (SELECT product_id, sum(quantity) AS reserved FROM cart_item WHERE tenant_id = $1
                   GROUP BY product_id) r ON r.product_id = p.id
    """

    def __init__(self, engine: PostgresEngine) -> None:
        self._engine = engine

    async def report(self, tenant_id: UUID, filters: ReportFilter, page: PageRequest) -> Page[ProductReportRow]:
        where = self._where(tenant_id, filters)
        rows, total = await _page(self._engine, tenant_id, self._SELECT, where, 'name COLLATE "C", product_id', page)
        items = [ProductReportRow(**{k: v for k, v in row.items() if k != "_total"}) for row in rows]
        return Page(items=items, page=page.page, page_size=page.page_size, total_count=total)

    async def browse(
        self, tenant_id: UUID, filters: ReportFilter, after: Cursor | None, limit: int
    ) -> list[ProductReportRow]:
        where = self._where(tenant_id, filters)
        if after is not None:
            where.add('(p.name COLLATE "C", p.id) > (?, ?)', after.key, after.id)
        sql = f'{self._SELECT} WHERE {where.sql()} ORDER BY p.name COLLATE "C", p.id LIMIT ${len(where.args) + 1}'
        rows = await fetch(self._engine, tenant_id, sql, [*where.args, limit])
        return [ProductReportRow(**dict(row)) for row in rows]

    @staticmethod
    def _where(tenant_id: UUID, filters: ReportFilter) -> _Where:
        where = _Where()
        where.add("p.tenant_id = ?", tenant_id)  # $1, shared with the subqueries above
        if not filters.include_deleted:
            where.add("p.deleted_at IS NULL")
        if filters.search.strip():
            where.add("lower(p.name) LIKE ?", _like_pattern(filters.search.strip()))
        if filters.low_stock_threshold is not None:
            where.add("p.stock_quantity <= ?", filters.low_stock_threshold)
        if filters.has_sales is not None:
            where.add("coalesce(s.total_sold, 0) > 0" if filters.has_sales else "coalesce(s.total_sold, 0) = 0")
        if filters.has_reservations is not None:
            where.add("coalesce(r.reserved, 0) > 0" if filters.has_reservations else "coalesce(r.reserved, 0) = 0")
        return where


class SqlDirectoryReader:
    """Users, groups and flags for the admin pages, and the flag rule of domain.md in one query."""

    def __init__(self, engine: PostgresEngine) -> None:
        self._engine = engine

    _USERS = """
        SELECT u.id, u.username, u.email, u.role, u.created_at, u.version,
               coalesce(array_agg(g.id ORDER BY g.name) FILTER (WHERE g.id IS NOT NULL), ARRAY[]::uuid[]) AS gids,
               coalesce(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.id IS NOT NULL), ARRAY[]::text[]) AS gnames
        FROM app_user u
        LEFT JOIN user_group_member m ON m.user_id = u.id
        LEFT JOIN user_group g ON g.id = m.group_id
    """

    async def list_users(self, tenant_id: UUID) -> list[ManagedUserView]:
        return await self.browse_users(tenant_id, "", None, None)

    async def browse_users(
        self, tenant_id: UUID, search: str, after: Cursor | None, limit: int | None
    ) -> list[ManagedUserView]:
        """By username, bytewise (the order of app_user's (tenant_id, username) key); `limit` None: all of them."""
        where = _Where()
        where.add("u.tenant_id = ?", tenant_id)
        if search.strip():
            where.add("(lower(u.username) LIKE ? OR lower(u.email) LIKE ?)", *[_like_pattern(search.strip())] * 2)
        if after is not None:
            where.add('(u.username COLLATE "C", u.id) > (?, ?)', after.key, after.id)
        sql = f'{self._USERS} WHERE {where.sql()} GROUP BY u.id ORDER BY u.username COLLATE "C", u.id'
        rows = await fetch(self._engine, tenant_id, *_limited(sql, where.args, limit))
        return [self._managed_user(row) for row in rows]

    async def get_user(self, tenant_id: UUID, user_id: UUID) -> ManagedUserView | None:
        rows = await fetch(
            self._engine,
            tenant_id,
            f"{self._USERS} WHERE u.tenant_id = $1 AND u.id = $2 GROUP BY u.id",
            [tenant_id, user_id],
        )
        return self._managed_user(rows[0]) if rows else None

    @staticmethod
    def _managed_user(row: Any) -> ManagedUserView:
        return ManagedUserView(
            id=row["id"],
            username=row["username"],
            email=row["email"],
            role=row["role"],
            group_ids=tuple(row["gids"]),
            group_names=tuple(row["gnames"]),
            created_at=row["created_at"],
            version=row["version"],
        )

    async def list_groups(self, tenant_id: UUID) -> list[GroupView]:
        return await self.browse_groups(tenant_id, None, None)

    async def browse_groups(self, tenant_id: UUID, after: Cursor | None, limit: int | None) -> list[GroupView]:
        """By name, bytewise; `limit` None: all of them."""
        where = _Where()
        where.add("g.tenant_id = ?", tenant_id)
        if after is not None:
            where.add('(g.name COLLATE "C", g.id) > (?, ?)', after.key, after.id)
        sql = f"""
            SELECT g.id, g.name, g.description,
                   coalesce(array_agg(m.user_id) FILTER (WHERE m.user_id IS NOT NULL), ARRAY[]::uuid[]) AS members
            FROM user_group g LEFT JOIN user_group_member m ON m.group_id = g.id
            WHERE {where.sql()} GROUP BY g.id ORDER BY g.name COLLATE "C", g.id
        """
        rows = await fetch(self._engine, tenant_id, *_limited(sql, where.args, limit))
        return [GroupView(row["id"], row["name"], row["description"], tuple(row["members"])) for row in rows]

    async def list_flags(self, tenant_id: UUID) -> list[FeatureFlag]:
        return await self.browse_flags(tenant_id, None, None)

    async def browse_flags(self, tenant_id: UUID, after: Cursor | None, limit: int | None) -> list[FeatureFlag]:
        """By name, bytewise; `limit` None: all of them."""
        where = _Where()
        where.add("f.tenant_id = ?", tenant_id)
        if after is not None:
            where.add('(f.name COLLATE "C", f.id) > (?, ?)', after.key, after.id)
        sql = f"""
            SELECT f.id, f.tenant_id, f.version, f.name, f.enabled, f.description, f.created_at, f.updated_at,
                   coalesce(array_agg(x.group_id) FILTER (WHERE x.group_id IS NOT NULL), ARRAY[]::uuid[]) AS targets
            FROM feature_flag f LEFT JOIN feature_flag_target x ON x.flag_id = f.id
            WHERE {where.sql()} GROUP BY f.id ORDER BY f.name COLLATE "C", f.id
        """
        rows = await fetch(self._engine, tenant_id, *_limited(sql, where.args, limit))
        return [
            FeatureFlag(
                id=row["id"],
                tenant_id=row["tenant_id"],
                version=row["version"],
                name=row["name"],
                enabled=row["enabled"],
                description=row["description"],
                target_group_ids=set(row["targets"]),
                created_at=row["created_at"],
                updated_at=row["updated_at"],
            )
            for row in rows
        ]

    async def enabled_flag_names(self, tenant_id: UUID, group_ids: frozenset[UUID]) -> list[str]:
        # The rule is one SQL function, shared with the session store's one-statement read.
        rows = await fetch(self._engine, tenant_id, "SELECT enabled_flag_names($1::uuid[])", [list(group_ids)])
        names: list[str] = rows[0][0]
        return names
