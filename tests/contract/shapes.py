"""Checks of API v1's wire shapes (api-v1.md §2, §4): exact keys in order, and the format of each value."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

MONEY = re.compile(r"^-?\d+\.\d{2}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$")
CSRF_TOKEN = re.compile(r"^[A-Za-z0-9]{64}$")

USER_KEYS = ["id", "username", "role", "capabilities", "enabled_flags"]
PRODUCT_KEYS = ["id", "name", "price", "stock_quantity", "created_at", "deleted_at"]
PAGE_KEYS = ["results", "page", "page_size", "total_count", "total_pages", "has_next", "has_previous"]
CART_KEYS = ["id", "user_id", "items", "created_at", "total", "item_count"]
CART_ITEM_KEYS = ["id", "product_id", "product_name", "unit_price", "quantity"]
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
ORDER_ITEM_KEYS = ["id", "order_id", "product_id", "product_name", "unit_price", "quantity"]
REPORT_ITEM_KEYS = ["product_id", "name", "price", "stock_quantity", "is_deleted", "total_sold", "currently_reserved"]
COUPON_KEYS = ["id", "code", "discount_percent", "expires_at", "created_at"]
FLAG_KEYS = ["name", "enabled", "description", "created_at", "updated_at", "target_group_ids"]
GROUP_KEYS = ["id", "name", "description"]
MANAGED_USER_KEYS = ["id", "username", "email", "role", "group_ids"]
ADDRESS_KEYS = ["street_line_1", "street_line_2", "city", "state", "postal_code", "country", "verification_id"]

ADMIN_CAPABILITIES = {
    "products:view",
    "products:create",
    "products:delete",
    "products:restore",
    "products:view_deleted",
    "products:report",
    "cart:view",
    "cart:modify",
    "cart:submit",
    "orders:view_own",
    "orders:view_all",
    "feature_flags:manage",
}
CUSTOMER_CAPABILITIES = {"products:view", "cart:view", "cart:modify", "cart:submit", "orders:view_own"}


def keys(body: dict[str, Any], expected: list[str]) -> None:
    """Exactly these keys, in this order (the original's serializers fixed it)."""
    assert list(body) == expected, f"{list(body)} != {expected}"


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and str(UUID(value)) == value


def is_money(value: Any) -> bool:
    return isinstance(value, str) and bool(MONEY.match(value))


def is_timestamp(value: Any) -> bool:
    if not (isinstance(value, str) and TIMESTAMP.match(value)):
        return False
    return not value.endswith(".000000+00:00") and datetime.fromisoformat(value).utcoffset() is not None


def user(body: dict[str, Any], *, role: str) -> None:
    keys(body, USER_KEYS)
    assert is_uuid(body["id"])
    assert body["role"] == role
    assert set(body["capabilities"]) == (ADMIN_CAPABILITIES if role == "admin" else CUSTOMER_CAPABILITIES)
    assert len(body["capabilities"]) == len(set(body["capabilities"]))
    assert body["enabled_flags"] == []


def product(body: dict[str, Any]) -> None:
    keys(body, PRODUCT_KEYS)
    assert is_uuid(body["id"]) and isinstance(body["name"], str)
    assert is_money(body["price"])
    assert isinstance(body["stock_quantity"], int)
    assert is_timestamp(body["created_at"])
    assert body["deleted_at"] is None or is_timestamp(body["deleted_at"])


def page(body: dict[str, Any], item: Callable[[dict[str, Any]], None] = product) -> None:
    keys(body, PAGE_KEYS)
    for value in body["results"]:
        item(value)
    for key in ("page", "page_size", "total_count", "total_pages"):
        assert isinstance(body[key], int) and not isinstance(body[key], bool)
    assert isinstance(body["has_next"], bool) and isinstance(body["has_previous"], bool)


def cart(body: dict[str, Any]) -> None:
    keys(body, CART_KEYS)
    assert is_uuid(body["id"]) and is_uuid(body["user_id"])
    for item in body["items"]:
        keys(item, CART_ITEM_KEYS)
        assert is_uuid(item["id"]) and is_uuid(item["product_id"])
        assert is_money(item["unit_price"]) and isinstance(item["quantity"], int)
    assert is_timestamp(body["created_at"])
    assert body["total"] == "0" if not body["items"] else is_money(body["total"])
    assert body["item_count"] == sum(item["quantity"] for item in body["items"])


def order(body: dict[str, Any]) -> None:
    keys(body, ORDER_KEYS)
    assert is_uuid(body["id"]) and is_uuid(body["user_id"])
    for item in body["items"]:
        keys(item, ORDER_ITEM_KEYS)
        assert is_uuid(item["id"]) and item["order_id"] == body["id"] and is_uuid(item["product_id"])
        assert is_money(item["unit_price"]) and isinstance(item["quantity"], int)
    keys(body["shipping_address"], ADDRESS_KEYS)
    assert is_timestamp(body["submitted_at"])
    if body["coupon_id"] is None:
        assert body["coupon_code"] is None and body["coupon_discount"] == "0"
    else:
        assert is_uuid(body["coupon_id"]) and is_money(body["coupon_discount"])
    assert is_money(body["subtotal"]) and is_money(body["total"])


def report_item(body: dict[str, Any]) -> None:
    keys(body, REPORT_ITEM_KEYS)
    assert is_uuid(body["product_id"]) and is_money(body["price"]) and isinstance(body["is_deleted"], bool)
    for key in ("stock_quantity", "total_sold", "currently_reserved"):
        assert isinstance(body[key], int) and not isinstance(body[key], bool)


def coupon(body: dict[str, Any]) -> None:
    """A coupon as read back (list): percent with two places, timestamps in UTC."""
    keys(body, COUPON_KEYS)
    assert is_uuid(body["id"]) and is_money(body["discount_percent"])
    assert is_timestamp(body["expires_at"]) and is_timestamp(body["created_at"])


def flag(body: dict[str, Any]) -> None:
    keys(body, FLAG_KEYS)
    assert isinstance(body["enabled"], bool) and isinstance(body["description"], str)
    assert is_timestamp(body["created_at"]) and is_timestamp(body["updated_at"])
    assert all(is_uuid(group_id) for group_id in body["target_group_ids"])


def group(body: dict[str, Any]) -> None:
    keys(body, GROUP_KEYS)
    assert is_uuid(body["id"]) and isinstance(body["name"], str) and isinstance(body["description"], str)


def managed_user(body: dict[str, Any]) -> None:
    keys(body, MANAGED_USER_KEYS)
    assert is_uuid(body["id"]) and body["role"] in ("admin", "customer")
    assert all(is_uuid(group_id) for group_id in body["group_ids"])
