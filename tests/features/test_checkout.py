"""Steps for checkout.feature: address verification, coupons and submit over API v1 (api-v1.md §7.5-§7.7).

The shared steps (catalog, people, coupons, the cart as shown, stock, refusals) are in conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from tests.features.conftest import DEFAULT_ADDRESS, WHO, Emporium, field_name, table_rows

pytestmark = pytest.mark.usefixtures("shop")  # every scenario in each shop (conftest.SHOPS)
scenarios("checkout.feature")

ORDER_KEYS = [
    "id",
    "user_id",
    "items",
    "shipping_address",
    "submitted_at",
    "coupon_id",
    "coupon_code",
    "coupon_discount",
    "subtotal",
    "total",
]


def _preview(emporium: Emporium, who: str, code: str) -> Any:
    """As the client does: the coupon is checked against the total of the cart on screen."""
    total = emporium.cart(who)["total"]
    return emporium.send(who, "POST", "/cart/coupons/validate/", {"coupon_code": code, "cart_total": total})


def _placed_order(emporium: Emporium) -> dict[str, Any]:
    """The order the latest checkout answered with (201), checked to be the shopper's own."""
    last = emporium.last
    assert last is not None and last.request.url.path.endswith("/cart/submit/"), "nobody checked out"
    assert last.status_code == 201, last.text
    order: dict[str, Any] = last.json()
    assert list(order) == ORDER_KEYS
    assert emporium.last_by is not None
    assert order["user_id"] == emporium.account(emporium.last_by).user_id
    return order


# --- checking out -------------------------------------------------------------------------------------


@when(parsers.re(rf"{WHO} checks out, shipping to"))
def checks_out_to_address(emporium: Emporium, who: str, datatable: list[list[str]]) -> None:
    address = {field_name(name): value.strip() for name, value in datatable}
    emporium.check_out(who, address)


@when(parsers.re(rf'{WHO} checks out, shipping to "(?P<street>[^"]+)"'))
def checks_out_to_street(emporium: Emporium, who: str, street: str) -> None:
    emporium.check_out(who, {**DEFAULT_ADDRESS, "street_line_1": street})


@when(parsers.re(rf"{WHO} checks out"))
def checks_out(emporium: Emporium, who: str) -> None:
    emporium.check_out(who, DEFAULT_ADDRESS)


@when(parsers.re(rf'{WHO} checks out with the coupon "(?P<code>[^"]*)"'))
def checks_out_with_coupon(emporium: Emporium, who: str, code: str) -> None:
    emporium.check_out(who, DEFAULT_ADDRESS, code)


@given(parsers.re(rf'{WHO} has previewed the coupon "(?P<code>[^"]*)"'))
def has_previewed(emporium: Emporium, who: str, code: str) -> None:
    response = _preview(emporium, who, code)
    assert response.status_code == 200, response.text
    emporium.last = None


@when(parsers.re(rf'{WHO} previews the coupon "(?P<code>[^"]*)"'))
def previews(emporium: Emporium, who: str, code: str) -> None:
    _preview(emporium, who, code)


# --- what the shop answers ------------------------------------------------------------------------------


@then("an order is placed holding")
def order_holds(emporium: Emporium, datatable: list[list[str]]) -> None:
    order = _placed_order(emporium)
    lines = [
        {"product": item["product_name"], "unit price": item["unit_price"], "quantity": str(item["quantity"])}
        for item in order["items"]
    ]
    assert lines == table_rows(datatable)
    assert [item["product_id"] for item in order["items"]] == [emporium.product_id(line["product"]) for line in lines]
    assert all(item["order_id"] == order["id"] for item in order["items"])


@then(
    parsers.re(r'the order\'s subtotal is "(?P<subtotal>[\d.]+)", with no coupon, and its total is "(?P<total>[\d.]+)"')
)
def order_without_coupon(emporium: Emporium, subtotal: str, total: str) -> None:
    order = _placed_order(emporium)
    assert (order["coupon_id"], order["coupon_code"], order["coupon_discount"]) == (None, None, "0")
    assert (order["subtotal"], order["total"]) == (subtotal, total)


@then(
    parsers.re(
        r'the order\'s subtotal is "(?P<subtotal>[\d.]+)", the coupon "(?P<code>[^"]+)"'
        r' takes "(?P<discount>[\d.]+)" off, and its total is "(?P<total>[\d.]+)"'
    )
)
def order_with_coupon(emporium: Emporium, subtotal: str, code: str, discount: str, total: str) -> None:
    order = _placed_order(emporium)
    assert (order["coupon_id"], order["coupon_code"]) == (emporium.coupons[code], code)
    assert (order["subtotal"], order["coupon_discount"], order["total"]) == (subtotal, discount, total)


@then("the order ships to the standardised address")
def ships_to(emporium: Emporium, datatable: list[list[str]]) -> None:
    expected = {field_name(name): value.strip() for name, value in datatable}
    assert _placed_order(emporium)["shipping_address"] == expected


@then(parsers.re(rf"{WHO}'s order history lists that order"))
def history_lists_it(emporium: Emporium, who: str) -> None:
    order = _placed_order(emporium)
    assert emporium.orders(who) == [order]


@then(parsers.re(r'the preview shows "(?P<percent>[\d.]+)"% off, saving "(?P<discount>[\d.]+)"'))
def preview_shows(emporium: Emporium, percent: str, discount: str) -> None:
    last = emporium.last
    assert last is not None and last.request.url.path.endswith("/cart/coupons/validate/"), "nothing was previewed"
    assert (last.status_code, last.json()) == (200, {"discount_percent": percent, "discount_amount": discount})
