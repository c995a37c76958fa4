"""Reading what people send: whole numbers, ids, money and text, each refused with a message for a person.

Every layer reads raw input through these, so a value is accepted or refused the same way on every
page and endpoint. Digits are ASCII only: `str.isdigit()` and `int()` accept "²" or "٣", which no one
means as a quantity.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from uuid import UUID

from app.domain.errors import ValidationError
from app.domain.money import CENT, MAX_PRICE

ASCII_DIGITS = frozenset("0123456789")
MAX_DIGITS = 1000
"""Longer text is refused before `int()` reads it (its own limit, 4,300 digits, raises for programmers)."""


class NumberOutOfRange(ValidationError):
    """A whole number outside its limits, or not a whole number at all (`value` is then None)."""

    code = "number_out_of_range"

    def __init__(self, field: str, label: str, minimum: int, maximum: int, value: int | None) -> None:
        super().__init__(field, f"{label} must be a whole number from {minimum:,} to {maximum:,}")
        self.minimum = minimum
        self.maximum = maximum
        self.value = value


def ascii_int(raw: str) -> int | None:
    """The whole number the text spells in ASCII digits (an optional sign, surrounding spaces), or None."""
    text = raw.strip()
    digits = text[1:] if text[:1] in ("-", "+") else text
    if not digits or len(digits) > MAX_DIGITS or not set(digits) <= ASCII_DIGITS:
        return None
    return int(text)


def whole_number(raw: object, *, field: str, label: str, minimum: int, maximum: int) -> int:
    """A whole number from `minimum` to `maximum`, from a form's text or a JSON int (never a bool or float)."""
    value: int | None
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int):
        value = raw
    elif isinstance(raw, str):
        value = ascii_int(raw)
    else:
        value = None
    if value is None or not minimum <= value <= maximum:
        raise NumberOutOfRange(field, label, minimum, maximum, value)
    return value


def optional_id(raw: object) -> UUID | None:
    """The id (a UUID in its usual spellings), or None when it is missing or is not one."""
    if not isinstance(raw, str) or not raw or len(raw) > 64:
        return None
    try:
        return UUID(raw)
    except ValueError:
        return None


def is_storable(text: str) -> bool:
    """Whether PostgreSQL can store the text: no NUL characters, no lone surrogates (invalid UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable(text: str) -> str:
    """The text without the characters PostgreSQL refuses (for lookups and searches, never for saving)."""
    return text.replace("\x00", "").encode("utf-8", "ignore").decode("utf-8")


def parse_price(raw: object, field: str = "price") -> Decimal:
    """A non-negative amount with at most two decimal places, from a string, int or Decimal."""
    if isinstance(raw, bool | float) or not isinstance(raw, str | int | Decimal):
        raise ValidationError(field, "Price must be a decimal number such as 19.99")
    text = raw.strip() if isinstance(raw, str) else str(raw)
    if isinstance(raw, str) and not set(text) <= ASCII_DIGITS | set(".+-eE"):
        raise ValidationError(field, "Price must be a decimal number such as 19.99")
    try:
        value = Decimal(text)
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
