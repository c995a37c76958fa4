"""Domain rules without I/O: cart lines and stock, coupons' arithmetic, flag targeting."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from app.domain.addresses import UnverifiedAddress
from app.domain.carts import Cart, CartItemNotFound, EmptyCart
from app.domain.coupons import Coupon, CouponAlreadyUsed, CouponExpired
from app.domain.errors import InsufficientStock, ValidationError
from app.domain.events import utc_now
from app.domain.products import Product

TENANT = uuid4()


def product(stock: int = 5, price: str = "10.00") -> Product:
    made = Product.create(tenant_id=TENANT, name=f"P{uuid4().hex[:6]}", price=price, stock_quantity=stock)
    made.pull_events()
    return made


def test_adding_merges_lines_and_reserves_stock():
    cart, lamp = Cart.open_for(tenant_id=TENANT, user_id=uuid4()), product(stock=5)
    cart.add_item(lamp, 2)
    cart.add_item(lamp, 1)
    assert [(line.product_id, line.quantity) for line in cart.items] == [(lamp.id, 3)]
    assert lamp.stock_quantity == 2
    assert [e.event_type for e in lamp.pull_events()] == ["StockReserved", "StockReserved"]
    assert [e.event_type for e in cart.pull_events()] == ["CartItemAdded", "CartItemAdded"]


def test_a_refused_addition_changes_neither_side():
    cart, lamp = Cart.open_for(tenant_id=TENANT, user_id=uuid4()), product(stock=1)
    with pytest.raises(InsufficientStock):
        cart.add_item(lamp, 2)
    with pytest.raises(ValidationError):
        cart.add_item(lamp, 0)
    assert cart.is_empty and lamp.stock_quantity == 1


def test_stock_is_checked_before_the_line_limit_so_the_refusal_says_how_many_are_left():
    cart, scarce, plenty = Cart.open_for(tenant_id=TENANT, user_id=uuid4()), product(stock=17), product(stock=20_000)
    with pytest.raises(InsufficientStock) as short:
        cart.add_item(scarce, 99_999)
    with pytest.raises(ValidationError, match="from 1 to 10,000"):
        cart.add_item(plenty, 10_001)
    cart.add_item(scarce, 1)
    with pytest.raises(InsufficientStock):
        cart.change_quantity(scarce, 99_999)
    assert (short.value.available, short.value.requested) == (17, 99_999)
    assert scarce.stock_quantity == 16 and plenty.stock_quantity == 20_000


def test_expiry_releases_every_line_and_keeps_the_idle_time():
    cart = Cart.open_for(tenant_id=TENANT, user_id=uuid4())
    lamp, desk = product(stock=5), product(stock=5)
    cart.add_item(lamp, 2)
    cart.add_item(desk, 1)
    idle_since = cart.last_activity_at
    released = cart.expire({lamp.id: lamp, desk.id: desk}, utc_now() + timedelta(hours=1))
    assert released == {lamp.id: 2, desk.id: 1}
    assert (lamp.stock_quantity, desk.stock_quantity) == (5, 5)
    assert cart.is_empty and cart.last_activity_at == idle_since
    assert cart.pull_events()[-1].event_type == "CartExpired"


def test_changing_a_missing_line_or_submitting_an_empty_cart_is_refused():
    cart = Cart.open_for(tenant_id=TENANT, user_id=uuid4())
    with pytest.raises(CartItemNotFound):
        cart.change_quantity(product(), 2)
    with pytest.raises(EmptyCart):
        cart.mark_submitted(uuid4(), utc_now())


@pytest.mark.parametrize(
    ("percent", "subtotal", "discount"),
    [("10", "988.96", "98.90"), ("12.5", "0.05", "0.01"), ("100", "5.00", "5.00"), ("33.33", "10.00", "3.33")],
)
def test_discount_is_rounded_half_up_to_cents(percent, subtotal, discount):
    coupon = Coupon.create(
        tenant_id=TENANT, code="x", discount_percent=percent, expires_at=utc_now() + timedelta(days=1)
    )
    assert coupon.discount_for(Decimal(subtotal)) == Decimal(discount)


def test_a_coupon_is_refused_when_used_or_expired():
    coupon = Coupon.create(tenant_id=TENANT, code="once", discount_percent="5", expires_at=utc_now() + timedelta(1))
    with pytest.raises(CouponAlreadyUsed):
        coupon.check_usable(utc_now(), already_used=True)
    with pytest.raises(CouponExpired, match="Coupon 'ONCE' has expired"):
        coupon.check_usable(utc_now() + timedelta(days=2), already_used=False)


def test_an_address_reports_every_missing_field():
    with pytest.raises(ValidationError) as refused:
        UnverifiedAddress.parse({"street_line_1": " ", "city": "", "state": None, "postal_code": ""})
    assert set(refused.value.errors) == {"street_line_1", "city", "state", "postal_code"}
    assert (
        UnverifiedAddress.parse({"street_line_1": "x", "city": "x", "state": "il", "postal_code": "62701"}).country
        == "US"
    )


GOOD_ADDRESS = {
    "street_line_1": "1 Main St",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "US",
}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"country": "XX"}, "country", "Choose a country from the list (an ISO 3166 two-letter code such as US)"),
        ({"country": "ZZ"}, "country", "Choose a country from the list (an ISO 3166 two-letter code such as US)"),
        ({"state": "ZZ"}, "state", "State or region must be a US state (for example IL)"),
        ({"state": ""}, "state", "State or region is required"),
        (
            {"country": "CA", "state": "IL", "postal_code": "K1A 0B1"},
            "state",
            "State or region must be a Canadian province or territory (for example ON)",
        ),
        ({"postal_code": "🛒"}, "postal_code", "Postal code may contain only letters, digits, spaces and hyphens"),
        (
            {"postal_code": "6270"},
            "postal_code",
            "Postal code must be a ZIP code: 5 digits (62701) or ZIP+4 (62701-1234)",
        ),
        (
            {"country": "CA", "state": "ON", "postal_code": "12345"},
            "postal_code",
            "Postal code must be a Canadian one, such as K1A 0B1",
        ),
    ],
)
def test_an_address_is_refused_for_a_country_state_or_postal_code_that_does_not_exist(
    changes: dict[str, str], field: str, message: str
):
    with pytest.raises(ValidationError) as refused:
        UnverifiedAddress.parse({**GOOD_ADDRESS, **changes})
    assert refused.value.errors == {field: message}


def test_a_state_may_be_named_and_a_country_without_a_list_takes_any_region_or_none():
    named = UnverifiedAddress.parse({**GOOD_ADDRESS, "state": "illinois", "country": "us"})
    canadian = UnverifiedAddress.parse({**GOOD_ADDRESS, "country": "ca", "state": "on", "postal_code": "k1a0b1"})
    french = UnverifiedAddress.parse({**GOOD_ADDRESS, "country": "FR", "state": "", "postal_code": "75001"})

    assert (named.state, named.country) == ("IL", "US")
    assert (canadian.state, canadian.postal_code) == ("ON", "k1a0b1")  # as typed: the verifier standardises it
    assert (french.state, french.country) == ("", "FR")
    assert UnverifiedAddress.parse({**GOOD_ADDRESS, "postal_code": "62701-1234"}).postal_code == "62701-1234"


def test_the_country_list_has_every_iso_3166_country_once_by_name():
    from app.domain.countries import CA_PROVINCES, COUNTRIES, US_STATES

    assert len(COUNTRIES) == 249 and COUNTRIES["US"] == "United States" and COUNTRIES["DE"] == "Germany"
    assert all(len(code) == 2 and code.isupper() for code in COUNTRIES)
    assert len(US_STATES) == 57 and US_STATES["IL"] == "Illinois" and len(CA_PROVINCES) == 13
