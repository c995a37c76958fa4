"""The one set of input parsers: ASCII digits only, limits stated, text PostgreSQL can hold."""

from __future__ import annotations

from uuid import UUID

import pytest

from app.domain.carts import parse_quantity, requested_quantity
from app.domain.errors import ValidationError
from app.domain.parsing import ascii_int, is_storable, optional_id, parse_price, storable, whole_number

ODD_NUMBERS = ["²", "٣", "3²", "１", "", " ", "1.5", "1e3", "NaN", "Infinity", "-", "+", "0x10", "1_000", "9" * 5000]


@pytest.mark.parametrize("raw", ODD_NUMBERS)
def test_only_ascii_digits_spell_a_whole_number(raw: str) -> None:
    assert ascii_int(raw) is None


@pytest.mark.parametrize("raw", [*ODD_NUMBERS, "0", "10001", str(2**64), 1e308, float("nan"), True, None, [1], 0])
def test_quantity_refusal_states_the_rule_for_a_person(raw: object) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_quantity(raw)
    assert refused.value.errors == {"quantity": "Quantity must be a whole number from 1 to 10,000"}


@pytest.mark.parametrize(("raw", "value"), [("1", 1), (" 42 ", 42), ("+7", 7), ("010", 10), (10_000, 10_000)])
def test_quantity_reads_ascii_whole_numbers(raw: object, value: int) -> None:
    assert parse_quantity(raw) == value


def test_a_request_over_the_line_limit_is_read_for_the_stock_check_but_nonsense_is_not() -> None:
    assert requested_quantity("99999") == 99_999 and requested_quantity(" 5 ") == 5
    for raw in ("0", "-3", "two", str(2**64)):
        with pytest.raises(ValidationError, match="from 1 to 10,000"):
            requested_quantity(raw)


def test_whole_number_names_its_field_and_range() -> None:
    with pytest.raises(ValidationError) as refused:
        whole_number("-1", field="stock_quantity", label="Stock", minimum=0, maximum=5)
    assert refused.value.field == "stock_quantity"
    assert refused.value.message == "Stock must be a whole number from 0 to 5"


@pytest.mark.parametrize("raw", ["١٢", "1²", "NaN", "Infinity", "1_0"])
def test_price_is_ascii_and_finite(raw: str) -> None:
    with pytest.raises(ValidationError, match=r"decimal number such as 19\.99"):
        parse_price(raw)


def test_ids_and_storable_text() -> None:
    assert optional_id("00000000-0000-0000-0000-000000000001") == UUID(int=1)
    assert optional_id("x" * 5000) is None
    assert optional_id("\x00") is None
    assert not is_storable("a\x00b")
    assert not is_storable("\ud800")
    assert storable("a\x00b\ud800c") == "abc"


def test_huge_price_is_refused_as_too_large() -> None:
    with pytest.raises(ValidationError, match="Price is too large"):
        parse_price("1e308")
