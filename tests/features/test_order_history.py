"""Steps for order_history.feature: the order list over API v1 (api-v1.md §7.8).

The shared steps (catalog, people, placing an order, price changes) are in conftest.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pytest_bdd import parsers, scenarios, then, when

from tests.features.conftest import WHO, Emporium, table_rows

pytestmark = pytest.mark.usefixtures("shop")  # every scenario in each shop (conftest.SHOPS)
scenarios("order_history.feature")


@when(parsers.re(rf"{WHO} looks at (?:her|his|their|the) order history"))
def looks_at_history(emporium: Emporium, who: str) -> None:
    emporium.last = emporium.get(who, "/orders/")
    emporium.last_by = who


def _history(emporium: Emporium) -> list[dict[str, Any]]:
    last = emporium.last
    assert last is not None and last.request.url.path.endswith("/orders/"), "nobody looked at the order history"
    assert last.status_code == 200, last.text
    body = last.json()
    assert list(body) == ["results"]
    orders: list[dict[str, Any]] = body["results"]
    return orders


@then("the order history lists, newest first")
def history_lists(emporium: Emporium, datatable: list[list[str]]) -> None:
    orders = _history(emporium)
    customer_of = {account.user_id: name for name, account in emporium.accounts.items()}
    shown = []
    for order in orders:
        assert len(order["items"]) == 1, "each order in these scenarios has one line"
        (item,) = order["items"]
        shown.append(
            {
                "customer": customer_of.get(order["user_id"], order["user_id"]),
                "product": item["product_name"],
                "quantity": str(item["quantity"]),
                "total": order["total"],
            }
        )
        assert Decimal(order["total"]) == Decimal(item["unit_price"]) * item["quantity"]
    assert shown == table_rows(datatable)
    submitted = [order["submitted_at"] for order in orders]
    assert submitted == sorted(submitted, reverse=True), "not newest first"
    # Each listed order is exactly the order its checkout answered with (a snapshot, never rewritten).
    assert orders == [emporium.placed_orders[order["id"]] for order in orders]


@then("the order history is empty")
def history_is_empty(emporium: Emporium) -> None:
    assert _history(emporium) == []
