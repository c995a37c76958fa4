"""Reading the admin pages' filter forms: a value that cannot be used is ignored, with a note beside its field.

A filter never fails the page (no 400 for `?since=yesterday`): the list shows without that filter,
and the form says which value was ignored and why, as the catalog's price filters do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Generic, TypeVar
from uuid import UUID

from app.domain.parsing import ascii_int, is_storable, optional_id
from app.domain.products import MAX_STOCK

T = TypeVar("T")
F = TypeVar("F")

TRI_STATE = {"yes": True, "no": False}
"""Values of a yes / no / any select; anything else (`""`, `any`) means "either"."""


class FilterNotes(dict[str, str]):
    """Field name → why its value was ignored."""

    def read(self, name: str, raw: str, parse: Callable[[str], T]) -> T | None:
        """`parse(raw)`, or None for an empty field, or None and a note when `parse` refuses the value."""
        raw = raw.strip()
        if not raw:
            return None
        try:
            return parse(raw)
        except ValueError as refused:
            self[name] = f"Ignored: {refused}"
            return None


@dataclass(frozen=True)
class FilterForm(ABC, Generic[F]):
    """A page's filter form as the admin filled it in, turned into the filter its service takes.

    Subclasses are dataclasses whose fields are the form's inputs, by name, as typed (`str`; a
    checkbox `bool`): echoed back into the form and into the links to other pages of results.
    """

    def to_filter(self) -> tuple[F, FilterNotes]:
        """The service's filter, and a note beside each field whose value was ignored."""
        notes = FilterNotes()
        return self.read(notes), notes

    @abstractmethod
    def read(self, notes: FilterNotes) -> F:
        """The filter from the values as typed, each parsed through `notes.read` (which notes what it ignores)."""

    def params(self) -> dict[str, str]:
        """The values as query parameters (a ticked checkbox as `1`), for the page links."""
        return {field.name: _as_param(getattr(self, field.name)) for field in fields(self)}

    @property
    def is_filtering(self) -> bool:
        """Whether anything was filled in: an empty list then means "no match", not "none yet"."""
        return any(value.strip() for value in self.params().values())


def _as_param(value: str | bool) -> str:
    if isinstance(value, bool):
        return "1" if value else ""
    return value


def parse_id(raw: str) -> UUID:
    parsed = optional_id(raw)
    if parsed is None:
        raise ValueError(f"“{raw[:100]}” is not an id.")
    return parsed


def parse_text(raw: str) -> str:
    """Text to match: one with a NUL or a lone surrogate can match nothing stored, so it is ignored."""
    if not is_storable(raw):
        raise ValueError("the text contains characters no entry can hold.")
    return raw


def parse_count(raw: str) -> int:
    """A whole number, 0 or more (a stock threshold); one above any stock a product can hold reads as that stock."""
    count = ascii_int(raw)
    if count is None or count < 0:
        raise ValueError(f"“{raw[:100]}” is not a whole number of 0 or more.")
    return min(count, MAX_STOCK)  # the same products, and a number the database's integer column can compare


def parse_utc_datetime(raw: str) -> datetime:
    """What a `datetime-local` input sends (`2026-11-26T14:05`), read as UTC.

    The browser sends no time zone; the form says the times are UTC, and so are the audit log's.
    """
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"“{raw}” is not a date and time.") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"“{raw}” is not a date (YYYY-MM-DD).") from None


def tri_state(raw: str) -> bool | None:
    return TRI_STATE.get(raw.strip().lower())


def checked(raw: str) -> bool:
    """A checkbox: present with any value but `0` means ticked."""
    return raw not in ("", "0")
