"""Steps for shopping_cart.feature: add, change and remove cart lines over API v1 (api-v1.md §7.2-§7.4).

The shared steps (catalog, people, the cart as shown, stock, refusals) are in conftest.py.
"""

from __future__ import annotations

import pytest
from pytest_bdd import parsers, scenarios, then, when

from tests.features.conftest import THEIR, WHO, Emporium

pytestmark = pytest.mark.usefixtures("shop")  # every scenario in each shop (conftest.SHOPS)
scenarios("shopping_cart.feature")


@when(parsers.re(rf'{WHO} changes the quantity of "(?P<product>[^"]+)" in {THEIR} cart to (?P<quantity>-?\d+)'))
def changes_quantity(emporium: Emporium, who: str, product: str, quantity: str) -> None:
    emporium.send(who, "PATCH", f"/cart/items/{emporium.product_id(product)}/", {"quantity": int(quantity)})


@when(parsers.re(rf'{WHO} removes "(?P<product>[^"]+)" from {THEIR} cart'))
def removes(emporium: Emporium, who: str, product: str) -> None:
    emporium.send(who, "DELETE", f"/cart/items/{emporium.product_id(product)}/remove/")


@then(parsers.re(rf'the shop answers 404: "(?P<product>[^"]+)" is not in {THEIR} cart'))
def not_in_cart(emporium: Emporium, product: str) -> None:
    assert emporium.last is not None
    expected = {"error": f"Cart item for product '{emporium.product_id(product)}' not found"}
    assert (emporium.last.status_code, emporium.last.json()) == (404, expected)
