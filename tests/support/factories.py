"""Small factories for test data: each test creates exactly what it needs."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

_counter = itertools.count(1)


def unique_name(prefix: str = "Product") -> str:
    return f"{prefix} {next(_counter):05d}"


def product_form(**overrides: Any) -> dict[str, str]:
    data = {"name": unique_name(), "price": "19.99", "stock_quantity": "5"}
    data.update({k: str(v) for k, v in overrides.items()})
    return data


def money(value: str) -> Decimal:
    return Decimal(value)
