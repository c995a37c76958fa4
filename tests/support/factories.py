"""Small factories for test data: each test creates exactly what it needs."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

_counter = itertools.count(1)

NO_SUCH_IDS = (
    "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "a3bb189e-8bf9-4888-9912-ace4e6543002",
)
"""Fixed well-formed ids that no row has, for `parametrize`: a test's id must be the same in every
pytest-xdist worker, and a fresh uuid4() at import would differ ("Different tests were collected")."""


def unique_name(prefix: str = "Product") -> str:
    return f"{prefix} {next(_counter):05d}"


def product_form(**overrides: Any) -> dict[str, str]:
    data = {"name": unique_name(), "price": "19.99", "stock_quantity": "5"}
    data.update({k: str(v) for k, v in overrides.items()})
    return data


def money(value: str) -> Decimal:
    return Decimal(value)
