"""Repositories: load aggregates from their tables and remember them, so the unit of work can save them.

A repository never commits; saving happens in `PiccoloUnitOfWork.commit()`.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from app.domain.aggregate import Aggregate
from app.domain.errors import StaleVersion
from app.domain.products import Product
from app.domain.users import Role, User
from app.tables import tables as t


class TrackedRepository:
    """Commit saves what changed: services load and add aggregates here and never call `save` themselves.

    The repository tracks what it handed out (new aggregates, and loaded ones with a snapshot of their
    state); at commit the unit of work asks each repository for `changed()` aggregates and saves those,
    writing only the changed columns. One object per row within a unit of work.
    """

    def __init__(self) -> None:
        self.seen: dict[UUID, Aggregate] = {}
        self.new: dict[UUID, Aggregate] = {}
        self._snapshots: dict[UUID, dict[str, Any]] = {}

    def _track(self, aggregate: Any) -> Any:
        known = self.seen.get(aggregate.id)
        if known is not None:
            return known  # one object per row within a unit of work
        self.seen[aggregate.id] = aggregate
        self._snapshots[aggregate.id] = _state(aggregate)
        return aggregate

    def snapshot_of(self, aggregate: Aggregate) -> dict[str, Any]:
        """The aggregate's state as loaded (empty for a new one)."""
        return self._snapshots.get(aggregate.id, {}) if aggregate.id not in self.new else {}

    def changed_columns(self, aggregate: Aggregate, values: dict[Any, Any]) -> dict[Any, Any]:
        """The `{column: value}` pairs whose attribute (named like the column) differs from the state loaded."""
        before = self.snapshot_of(aggregate)
        return {
            column: value
            for column, value in values.items()
            if column._meta.name not in before or before[column._meta.name] != getattr(aggregate, column._meta.name)
        }

    def changed(self) -> list[Aggregate]:
        """New aggregates and loaded ones whose state differs from when they were loaded (compared in place:
        no copy of the current state is needed to compare it)."""
        return [
            aggregate
            for aggregate_id, aggregate in self.seen.items()
            if aggregate_id in self.new
            or any(getattr(aggregate, name) != value for name, value in self._snapshots[aggregate_id].items())
        ]

    async def save(self, aggregate: Any) -> None:
        raise NotImplementedError


_IMMUTABLE = (str, int, float, Decimal, UUID, datetime, date, bytes, type(None))
"""Values a snapshot can share with the aggregate: nothing can change them in place (bool is an int)."""


def _state(aggregate: Aggregate) -> dict[str, Any]:
    """The aggregate's fields as loaded, copied only as deep as something could change in place.

    Every aggregate a unit of work loads is snapshotted once and compared at commit; a deepcopy of every
    UUID, Decimal and datetime was ~4 % of a cart request's web CPU, and then the deepcopy of a cart's
    lines 2 %.
    """
    return {field.name: _copied(getattr(aggregate, field.name)) for field in _fields(type(aggregate))}


def _copied(value: Any) -> Any:
    """Immutable values as they are; a list of records of immutable values (a cart's lines) as a list of
    shallow copies; a set of immutable values (a group's members) as a set; anything else deep-copied."""
    if isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, list) and all(_flat_record(item) for item in value):
        return [copy.copy(item) for item in value]
    if isinstance(value, set | frozenset) and all(isinstance(item, _IMMUTABLE) for item in value):
        return set(value)
    return copy.deepcopy(value)


def _flat_record(value: Any) -> bool:
    """A dataclass instance whose fields all hold immutable values: a shallow copy of it is a full one."""
    return (
        dataclasses.is_dataclass(value)
        and not isinstance(value, type)
        and all(isinstance(getattr(value, field.name), _IMMUTABLE) for field in _fields(type(value)))
    )


_FIELDS: dict[type, tuple[dataclasses.Field[Any], ...]] = {}


def _fields(kind: type) -> tuple[dataclasses.Field[Any], ...]:
    """A dataclass's fields but an aggregate's pending events (not state: pulled at commit), found once per class."""
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = tuple(field for field in dataclasses.fields(kind) if field.name != "_events")
    return fields


def _product(row: dict[str, Any]) -> Product:
    return Product(
        id=row["id"],
        tenant_id=row["tenant_id"],
        version=row["version"],
        name=row["name"],
        price=row["price"],
        stock_quantity=row["stock_quantity"],
        description=row["description"],
        image_key=row["image_key"],
        image_width=row["image_width"],
        image_height=row["image_height"],
        created_at=row["created_at"],
        deleted_at=row["deleted_at"],
        thumbnails_key=row["thumbnails_key"],
    )


_STOCK_CHANGE_SQL = (
    "SELECT id, tenant_id, version, name, price, stock_quantity, description, image_key, image_width, image_height, "
    "created_at, deleted_at, thumbnails_key FROM product WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id"
)
_STOCK_CHANGE_LOCKED_SQL = _STOCK_CHANGE_SQL + " FOR UPDATE"


class PiccoloProductRepository(TrackedRepository):
    def __init__(self, tenant_id: UUID) -> None:
        super().__init__()
        self._tenant_id = tenant_id

    def _query(self, product_id: UUID) -> Any:
        return t.Product.select().where((t.Product.id == product_id) & (t.Product.tenant_id == self._tenant_id))

    async def get(self, product_id: UUID) -> Product | None:
        row = await self._query(product_id).first()
        return self._track(_product(row)) if row else None

    async def get_for_update(self, product_id: UUID) -> Product | None:
        row = await self._query(product_id).lock_rows().first()
        return self._track(_product(row)) if row else None

    async def get_many_for_stock_change(self, product_ids: Sequence[UUID], *, lock_rows: bool) -> dict[UUID, Product]:
        """`SELECT … ORDER BY id [FOR UPDATE]`: rows come (and are locked) in id order, the same in every operation.

        Unlocked, the save's `WHERE version = …` refuses a row changed since (StaleVersion); the
        UPDATEs then lock the rows at commit in this same id order, so optimistic never deadlocks either.
        """
        unique_ids = sorted(set(product_ids))
        if not unique_ids:
            return {}
        # Prepared SQL, not a Piccolo select: building this one in Piccolo was ~6 % of a cart request's CPU.
        rows = await transaction_connection(t.Product).fetch(
            _STOCK_CHANGE_LOCKED_SQL if lock_rows else _STOCK_CHANGE_SQL, self._tenant_id, unique_ids
        )
        return {row["id"]: self._track(_product(row)) for row in rows}

    async def live_name_taken(self, name: str, *, excluding: UUID | None = None) -> bool:
        query = t.Product.exists().where(
            (t.Product.tenant_id == self._tenant_id) & (t.Product.name == name) & (t.Product.deleted_at.is_null())
        )
        if excluding is not None:
            query = query.where(t.Product.id != excluding)
        return bool(await query)

    def add(self, product: Product) -> None:
        self.new[product.id] = self._track(product)

    async def save(self, product: Product) -> None:
        values: dict[Any, Any] = {
            t.Product.name: product.name,
            t.Product.price: product.price,
            t.Product.stock_quantity: product.stock_quantity,
            t.Product.description: product.description,
            t.Product.image_key: product.image_key,
            t.Product.image_width: product.image_width,
            t.Product.image_height: product.image_height,
            t.Product.deleted_at: product.deleted_at,
        }
        if product.id in self.new:
            await t.Product.insert(
                t.Product(
                    id=product.id,
                    tenant_id=product.tenant_id,
                    created_at=product.created_at,
                    version=product.version,
                    **{column._meta.name: value for column, value in values.items()},
                )
            )
            return
        await update_versioned(t.Product, product, self.changed_columns(product, values), "product")


class PiccoloUserRepository(TrackedRepository):
    def __init__(self, tenant_id: UUID) -> None:
        super().__init__()
        self._tenant_id = tenant_id

    @staticmethod
    def _user(row: dict[str, Any]) -> User:
        return User(
            id=row["id"],
            tenant_id=row["tenant_id"],
            version=row["version"],
            username=row["username"],
            email=row["email"],
            password_hash=row["password_hash"],
            role=Role(row["role"]) if row["role"] == Role.ADMIN else Role.CUSTOMER,
            is_active=row["is_active"],
            created_at=row["created_at"],
        )

    async def get(self, user_id: UUID) -> User | None:
        row = (
            await t.AppUser.select().where((t.AppUser.id == user_id) & (t.AppUser.tenant_id == self._tenant_id)).first()
        )
        return self._track(self._user(row)) if row else None

    async def get_by_username(self, username: str) -> User | None:
        row = (
            await t.AppUser.select()
            .where((t.AppUser.username == username) & (t.AppUser.tenant_id == self._tenant_id))
            .first()
        )
        return self._track(self._user(row)) if row else None

    async def admins_for_update(self) -> list[User]:
        """`SELECT … ORDER BY id FOR UPDATE`: a transaction waiting here re-reads each row once it is free,
        so an admin demoted meanwhile is no longer among those returned."""
        rows = (
            await t.AppUser.select()
            .where(
                (t.AppUser.tenant_id == self._tenant_id)
                & (t.AppUser.role == Role.ADMIN.value)
                & (t.AppUser.is_active.eq(True))
            )
            .order_by(t.AppUser.id)
            .lock_rows()
        )
        return [self._track(self._user(row)) for row in rows]

    def add(self, user: User) -> None:
        self.new[user.id] = self._track(user)

    async def save(self, user: User) -> None:
        values: dict[Any, Any] = {
            t.AppUser.username: user.username,
            t.AppUser.email: user.email,
            t.AppUser.password_hash: user.password_hash,
            t.AppUser.role: user.role.value,
            t.AppUser.is_active: user.is_active,
        }
        if user.id in self.new:
            await t.AppUser.insert(
                t.AppUser(
                    id=user.id,
                    tenant_id=user.tenant_id,
                    created_at=user.created_at,
                    version=user.version,
                    **{column._meta.name: value for column, value in values.items()},
                )
            )
            return
        await update_versioned(t.AppUser, user, self.changed_columns(user, values), "user")


async def mark_thumbnails_made(product_id: UUID, image_key: str) -> None:
    """Record that the thumbnails of `image_key` exist (inside the subscriber's transaction and tenant).

    Not part of the aggregate's state and no new version: thumbnails are derived data, and an admin's
    edit against the version they saw must not be refused, or undo this, because the worker finished.
    A product that has moved on to a newer picture keeps waiting for that one's thumbnails.
    """
    await t.Product.raw(
        "UPDATE product SET thumbnails_key = {} WHERE id = {} AND image_key = {}", image_key, product_id, image_key
    )


async def pictures_with_thumbnails() -> list[str]:
    """The pictures of the current shop whose thumbnails were made (deleted products' too): the ones a catch-up
    for a new thumbnail width or format has to complete. A picture still waiting is its upload's job's."""
    rows = await t.Product.raw(
        "SELECT DISTINCT image_key FROM product WHERE image_key IS NOT NULL AND thumbnails_key = image_key "
        "ORDER BY image_key"
    )
    return [row["image_key"] for row in rows]


async def picture_in_use(image_key: str) -> bool:
    """Whether any product of the subscriber's shop (deleted ones too: they can be restored) names the picture.

    Demo products share one picture per category and variant, so a picture one product let go of may
    still be another's.
    """
    rows = await t.Product.raw(
        "SELECT EXISTS (SELECT 1 FROM product WHERE image_key = {} OR thumbnails_key = {}) AS used",
        image_key,
        image_key,
    )
    return bool(rows[0]["used"])


def transaction_connection(table: Any) -> Any:
    """The asyncpg connection of the unit of work's transaction, for statements sent as prepared SQL.

    On the hot paths Piccolo's query building cost more CPU than PostgreSQL spent running the
    statement (a profile of the cart loop: about a quarter of the web process); asyncpg caches the
    prepared statement per connection, so plain SQL text costs almost nothing to send again.
    """
    transaction = table._meta.db.current_transaction.get()
    if transaction is None:
        raise RuntimeError("repositories write inside a unit of work")
    return transaction.connection


async def update_versioned(table: Any, aggregate: Aggregate, values: dict[Any, Any], name: str) -> None:
    """`UPDATE … SET …, version = version + 1 WHERE id = $1 AND version = $2`; no row → StaleVersion.

    Callers pass only the changed columns: a reservation writes the stock, not the name and price too.
    """
    columns = [column._meta.db_column_name for column in values]
    assignments = "".join(f'"{column}" = ${n}, ' for n, column in enumerate(columns, start=3))
    version = await transaction_connection(table).fetchval(
        f'UPDATE "{table._meta.tablename}" SET {assignments}version = version + 1 '
        "WHERE id = $1 AND version = $2 RETURNING version",
        aggregate.id,
        aggregate.version,
        *values.values(),
    )
    if version is None:
        raise StaleVersion(name, aggregate.id)
    aggregate.version = version
