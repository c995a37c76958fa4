"""Money is Decimal end to end, two places, never float (read from input by `app.domain.parsing.parse_price`)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MAX_PRICE = Decimal("9999999999.99")  # NUMERIC(12,2)


def round_half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
