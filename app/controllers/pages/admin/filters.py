"""Reading the admin pages' filter forms: a value that cannot be used is ignored, with a note beside its field.

A filter never fails the page (no 400 for `?since=yesterday`): the list shows without that filter,
and the form says which value was ignored and why, as the catalog's price filters do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TypeVar
from uuid import UUID

T = TypeVar("T")

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


def parse_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise ValueError(f"“{raw}” is not an id.") from None


def parse_count(raw: str) -> int:
    """A whole number, 0 or more (a stock threshold)."""
    if not raw.isdigit():
        raise ValueError(f"“{raw}” is not a whole number of 0 or more.")
    return int(raw)


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

