from decimal import Decimal
from uuid import uuid4

import pytest

from app.domain.errors import InsufficientStock, ProductAlreadyDeleted, ProductNotDeleted, ValidationError
from app.domain.products import Product


def product(stock: int = 5) -> Product:
    created = Product.create(tenant_id=uuid4(), name="  Blue Mug ", price="12.5", stock_quantity=stock)
    created.pull_events()
    return created


def test_create_trims_the_name_normalises_the_price_and_records_product_created():
    created = Product.create(tenant_id=uuid4(), name="  Blue Mug ", price="12.5", stock_quantity=3)
    assert (created.name, created.price, created.stock_quantity, created.version) == (
        "Blue Mug",
        Decimal("12.50"),
        3,
        1,
    )
    [event] = created.pull_events()
    assert event.event_type == "ProductCreated"
    assert event.payload() == {"name": "Blue Mug", "price": "12.50", "stock_quantity": 3}


@pytest.mark.parametrize(
    ("field", "kwargs", "message"),
    [
        ("name", {"name": "   "}, "Name is required"),
        ("name", {"name": "x" * 201}, "at most 200"),
        ("price", {"price": "-1"}, "cannot be negative"),
        ("price", {"price": "1.999"}, "two decimal places"),
        ("price", {"price": "abc"}, "decimal number"),
        ("price", {"price": 1.5}, "decimal number"),
        ("price", {"price": "NaN"}, "decimal number"),
        ("stock_quantity", {"stock_quantity": "-3"}, "whole number from 0 to 2,147,483,647"),
        ("stock_quantity", {"stock_quantity": "\u00b2"}, "whole number from 0"),
        ("stock_quantity", {"stock_quantity": "\u0663"}, "whole number from 0"),
        ("stock_quantity", {"stock_quantity": str(2**64)}, "whole number from 0"),
        ("stock_quantity", {"stock_quantity": "1e308"}, "whole number from 0"),
        ("stock_quantity", {"stock_quantity": "2.5"}, "whole number"),
        ("stock_quantity", {"stock_quantity": True}, "whole number"),
    ],
)
def test_create_refuses_invalid_input_naming_the_field(field, kwargs, message):
    values = {"name": "Mug", "price": "1.00", "stock_quantity": 1, **kwargs}
    with pytest.raises(ValidationError, match=message) as refused:
        Product.create(tenant_id=uuid4(), **values)
    assert refused.value.field == field


def test_reserving_more_than_the_stock_left_changes_nothing():
    mug = product(stock=2)
    with pytest.raises(InsufficientStock) as refused:
        mug.reserve_stock(3)
    assert (refused.value.requested, refused.value.available) == (3, 2)
    assert mug.stock_quantity == 2
    assert mug.pull_events() == []


def test_reserve_then_release_records_both_and_restores_the_stock():
    mug = product(stock=5)
    mug.reserve_stock(3)
    mug.release_stock(3)
    assert mug.stock_quantity == 5
    assert [e.event_type for e in mug.pull_events()] == ["StockReserved", "StockReleased"]


def test_a_deleted_product_cannot_be_reserved():
    mug = product()
    mug.soft_delete()
    with pytest.raises(ValidationError):
        mug.reserve_stock(1)


def test_soft_delete_and_restore_refuse_to_repeat():
    mug = product()
    mug.soft_delete()
    with pytest.raises(ProductAlreadyDeleted):
        mug.soft_delete()
    mug.restore()
    with pytest.raises(ProductNotDeleted):
        mug.restore()
    assert [e.event_type for e in mug.pull_events()] == ["ProductDeleted", "ProductRestored"]


def test_update_records_only_real_changes():
    mug = product()
    mug.update(name="Blue Mug", price="12.50")
    assert mug.pull_events() == []
    mug.update(price="14.00", stock_quantity=9)
    [event] = mug.pull_events()
    assert event.payload()["changes"] == {
        "price": {"from": "12.50", "to": "14.00"},
        "stock_quantity": {"from": 5, "to": 9},
    }


def test_every_invalid_field_is_reported_at_once():
    with pytest.raises(ValidationError) as refused:
        Product.create(tenant_id=uuid4(), name="", price="abc", stock_quantity="-1")
    assert refused.value.field == "name"
    assert set(refused.value.errors) == {"name", "price", "stock_quantity"}


def test_a_name_with_a_nul_character_is_refused_beside_the_name():
    with pytest.raises(ValidationError, match="cannot be stored") as refused:
        Product.create(tenant_id=uuid4(), name="Lamp\x00", price="1.00", stock_quantity=1)
    assert refused.value.field == "name"
