"""Page requests (clamped, never an error) and pages of results."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

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
