"""Money is Decimal end to end, two places, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.domain.errors import ValidationError

CENT = Decimal("0.01")
MAX_PRICE = Decimal("9999999999.99")  # NUMERIC(12,2)


def parse_price(raw: object, field: str = "price") -> Decimal:
    """A non-negative amount with at most two decimal places, from a string, int or Decimal."""
    if isinstance(raw, bool | float):
        raise ValidationError(field, "Price must be a decimal number such as 19.99")
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(field, "Price must be a decimal number such as 19.99") from None
    if not value.is_finite():
        raise ValidationError(field, "Price must be a decimal number such as 19.99")
    if value < 0:
        raise ValidationError(field, "Price cannot be negative")
    # Before quantizing: quantizing a number with more digits than the decimal context holds (1e30) raises.
    if value > MAX_PRICE:
        raise ValidationError(field, "Price is too large")
    cents = value.quantize(CENT)
    if value != cents:
        raise ValidationError(field, "Price can have at most two decimal places")
    return abs(cents)  # "-0" is zero, not a negative zero that would read "-0.00"


def round_half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
