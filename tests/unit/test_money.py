"""Prices as the domain reads them: every input is a price or a validation error, never a crash."""

from decimal import Decimal
from uuid import uuid4

import pytest

from app.domain.errors import ValidationError
from app.domain.money import MAX_PRICE
from app.domain.parsing import parse_price
from app.domain.products import Product


@pytest.mark.parametrize(
    ("raw", "price"),
    [
        ("  12.5 ", "12.50"),
        ("-0", "0.00"),
        ("-0.00", "0.00"),
        ("0", "0.00"),
        (7, "7.00"),
        (Decimal("19.99"), "19.99"),
        ("1e1", "10.00"),
        ("9999999999.99", "9999999999.99"),
    ],
)
def test_a_price_is_read_to_two_places(raw: object, price: str) -> None:
    parsed = parse_price(raw)
    assert (str(parsed), parsed.is_signed()) == (price, False)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1e30", "Price is too large"),
        ("9" * 40, "Price is too large"),
        ("9" * 40 + ".999", "Price is too large"),
        (10**40, "Price is too large"),
        ("1e999999", "Price is too large"),
        (str(MAX_PRICE + Decimal("0.01")), "Price is too large"),
        ("NaN", "Price must be a decimal number such as 19.99"),
        ("sNaN", "Price must be a decimal number such as 19.99"),
        ("Infinity", "Price must be a decimal number such as 19.99"),
        ("-Infinity", "Price must be a decimal number such as 19.99"),
        ("", "Price must be a decimal number such as 19.99"),
        (1.5, "Price must be a decimal number such as 19.99"),
        (None, "Price must be a decimal number such as 19.99"),
        ("-1e30", "Price cannot be negative"),
        ("-0.01", "Price cannot be negative"),
        ("1e-30", "Price can have at most two decimal places"),
        ("0.001", "Price can have at most two decimal places"),
    ],
)
def test_a_price_out_of_bounds_is_refused_with_a_message_not_an_exception(raw: object, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_price(raw)
    assert (refused.value.field, refused.value.message) == ("price", message)


def test_a_huge_price_on_the_product_form_is_a_field_error_beside_the_other_fields() -> None:
    with pytest.raises(ValidationError) as refused:
        Product.create(tenant_id=uuid4(), name="", price="1e30", stock_quantity=1)
    assert refused.value.errors == {"name": "Name is required", "price": "Price is too large"}
