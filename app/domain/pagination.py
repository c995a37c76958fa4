"""Page requests (clamped, never an error), pages of results, and keyset cursors and slices."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar
from uuid import UUID

from app.domain.errors import ValidationError
from app.domain.parsing import ascii_int

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000_000  # far past any real catalog, and (page - 1) * page_size stays a valid SQL OFFSET


def _as_int(raw: object, default: int) -> int:
    if isinstance(raw, bool):
        return default
    if isinstance(raw, int):
        return raw
    value = ascii_int(raw) if isinstance(raw, str) else None
    return default if value is None else value


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def parse(cls, page: object = None, page_size: object = None) -> PageRequest:
        """Out-of-range or non-numeric values are clamped to something sensible, never refused."""
        number = _as_int(page, 1) if page is not None else 1
        size = _as_int(page_size, DEFAULT_PAGE_SIZE) if page_size is not None else DEFAULT_PAGE_SIZE
        return cls(page=min(MAX_PAGE, max(1, number)), page_size=min(MAX_PAGE_SIZE, max(1, size)))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    page_size: int
    total_count: int

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total_count / self.page_size) if self.page_size else 0

    @property
    def has_next(self) -> bool:
        return self.page < self.total_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


# Keyset pagination: a page starts after the last row of the previous one, so its cost does not grow
# with how far into the list it is, and rows created or deleted meanwhile neither repeat nor vanish.

CursorKey = str | Decimal | datetime
"""The value of the sort column a cursor carries (a name, a price, a timestamp)."""

_KEY_TAGS: dict[type, str] = {str: "s", Decimal: "d", datetime: "t"}
_MAX_CURSOR_LENGTH = 2048  # a 200-character name of 4-byte characters encodes to about 1,160
_MAX_KEY_NUMBER = Decimal(10) ** 15  # past numeric(12,2), and small enough for PostgreSQL to compare at once


class InvalidCursor(ValidationError):
    code = "invalid_cursor"

    def __init__(self, reason: str = "it is not a cursor this list gave out", field: str = "after") -> None:
        super().__init__(field, f"This page link is not valid: {reason}. Start again from the first page.")


@dataclass(frozen=True)
class Sort:
    """An order by one column, with `id` as the tiebreak in the same direction (so the order is total)."""

    field: str
    descending: bool = False
    key_type: type = str

    @property
    def token(self) -> str:
        """As URLs spell it: `price`, `-price`."""
        return f"-{self.field}" if self.descending else self.field


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the sort it was made for, that row's sort key and its id.

    Opaque to clients (URL-safe base64 of a small JSON array) and not secret: a forged cursor can only
    move where a page starts within rows the reader may see anyway. Decoding checks every part, so
    damaged or hand-made input is an InvalidCursor (a 400), never a query error.
    """

    sort: str
    key: CursorKey
    id: UUID

    def encode(self) -> str:
        tag = _KEY_TAGS[type(self.key)]
        value = self.key.isoformat() if isinstance(self.key, datetime) else str(self.key)
        text = json.dumps([1, self.sort, tag, value, str(self.id)], separators=(",", ":"), ensure_ascii=False)
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, raw: str, sort: Sort, field: str = "after") -> Cursor:
        """The cursor in `raw`, which must have been made for `sort` (`field`: the parameter that carried it)."""
        invalid = InvalidCursor(field=field)
        if not raw or len(raw) > _MAX_CURSOR_LENGTH:
            raise invalid
        try:
            decoded = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except ValueError:  # binascii.Error, UnicodeDecodeError and JSONDecodeError are all ValueErrors
            raise invalid from None
        if not (isinstance(decoded, list) and len(decoded) == 5 and decoded[0] == 1):
            raise invalid
        _, sort_token, tag, value, id_text = decoded
        if sort_token != sort.token:
            raise InvalidCursor("it belongs to another sort order", field)
        if tag != _KEY_TAGS.get(sort.key_type) or not isinstance(value, str) or not isinstance(id_text, str):
            raise invalid
        try:
            return cls(sort.token, _key_from_text(sort.key_type, value), UUID(id_text))
        except (ValueError, ArithmeticError):  # decimal's InvalidOperation is an ArithmeticError
            raise invalid from None


def _key_from_text(key_type: type, value: str) -> CursorKey:
    if key_type is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a cursor's timestamp has an offset")
        return moment
    if key_type is Decimal:
        amount = Decimal(value)
        if not amount.is_finite() or abs(amount) >= _MAX_KEY_NUMBER or amount.as_tuple().exponent < -12:  # type: ignore[operator]
            raise ValueError("a cursor's number is a price")
        return amount
    if "\x00" in value:  # PostgreSQL text cannot hold NUL
        raise ValueError("a cursor's text has no NUL")
    return value


@dataclass(frozen=True)
class Count:
    """How many rows match: exact, or (`capped`) at least `value`, when counting further would cost more
    than the page is worth."""

    value: int
    capped: bool = False


@dataclass(frozen=True)
class Slice(Generic[T]):
    """One keyset page: its rows, the cursor of the next page (None on the last) and, if asked, the count."""

    items: Sequence[T]
    next_cursor: Cursor | None
    count: Count | None = None


def keyset_slice(rows: Sequence[T], limit: int, sort: Sort, key: Callable[[T], tuple[CursorKey, UUID]]) -> Slice[T]:
    """The page from `rows` read with `limit + 1`: the first `limit`, and a cursor after the last one only
    when the extra row shows that a next page exists. `key` gives a row's (sort key, id)."""
    items = rows[:limit]
    if len(rows) <= limit:
        return Slice(items=items, next_cursor=None)
    last_key, last_id = key(items[-1])
    return Slice(items=items, next_cursor=Cursor(sort.token, last_key, last_id))
