"""The admin pages over HTTP: dashboard, products (edit in place, delete, restore), report, orders, audit log.

Actions are exercised as htmx sends them (the product's row comes back, refusals inside it) and as
plain forms (a redirect and a flash, or a page that says what went wrong).
"""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.controllers.pages.admin import orders as admin_orders_page
from app.domain.events import utc_now
from app.domain.users import Role, UserContext
from app.settings import get_settings
from tests.integration.conftest import csrf_from, ensure_user, login, on_app_loop
from tests.support.factories import unique_name

Client = AsyncTestClient[Litestar]
HTMX = {"HX-Request": "true"}
ADDRESS = {"street_line_1": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701", "country": "US"}
ADMIN_PAGES = ["/admin", "/admin/products", "/admin/report", "/admin/orders", "/admin/audit"]


# ---- Arranging: accounts, products, carts and orders through the app's own services ----


async def account(app: Litestar, db: asyncpg.Connection, username: str, role: str = "customer") -> UserContext:
    await ensure_user(app, username, f"{username}-password", role)
    user_id = await db.fetchval("SELECT id FROM app_user WHERE username = $1", username)
    return UserContext(
        user_id=user_id, username=username, role=Role(role), tenant_id=get_settings().app.default_tenant_id
    )


async def admin_session(app: Litestar, client: Client, db: asyncpg.Connection) -> str:
    """Log the admin in; returns a CSRF token for the session."""
    await account(app, db, "admin", "admin")
    return await login(client, "admin", "admin-password")


async def product(
    app: Litestar, db: asyncpg.Connection, *, name: str = "", price: str = "10.00", stock: int = 5
) -> Any:
    admin = await account(app, db, "admin", "admin")
    return await on_app_loop(
        app,
        app.state.container.products.create_product,
        admin,
        name=name or unique_name(),
        price=price,
        stock_quantity=stock,
    )


async def in_cart(app: Litestar, shopper: UserContext, product_id: UUID, quantity: int = 1) -> None:
    await on_app_loop(app, app.state.container.carts.add_item, shopper, product_id, quantity)


async def order(app: Litestar, shopper: UserContext, product_id: UUID, quantity: int = 1) -> Any:
    await in_cart(app, shopper, product_id, quantity)
    return await on_app_loop(app, app.state.container.checkout.submit_cart, shopper, address=ADDRESS)


def row_of(page: str, product_id: UUID) -> str:
    match = re.search(rf'<tr id="product-row-{product_id}".*?</tr>', page, re.S)
    assert match, f"no row for {product_id}"
    return html.unescape(match.group(0))


def hidden_version(fragment: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', fragment)
    assert match, "the form carries no version"
    return match.group(1)


def edit_form(product: Any, version: str, token: str = "", **values: str) -> dict[str, str]:
    form = {
        "name": product.name,
        "price": f"{product.price:.2f}",
        "stock_quantity": str(product.stock_quantity),
        "version": version,
        "next": "/admin/products?search=x",
    }
    return {**form, **values, **({"csrf_token": token} if token else {})}


# ---- Access ----


@pytest.mark.parametrize("path", ADMIN_PAGES)
async def test_each_admin_page_renders_for_an_admin_with_the_admin_navigation(
    app: Litestar, client: Client, db: asyncpg.Connection, path: str
):
    await admin_session(app, client, db)
    page = await client.get(path)
    assert page.status_code == 200, page.text
    nav = re.search(r'<nav class="admin-nav".*?</nav>', page.text, re.S)
    assert nav, "no admin navigation"
    for section in ("/admin/coupons", "/admin/users", "/admin/groups", "/admin/flags", "/admin/audit"):
        assert f'href="{section}"' in nav.group(0)
    assert re.search(rf'<a href="{re.escape(path)}" aria-current="page">', nav.group(0))
    assert re.search(r'href="/static/css/admin\.[0-9a-f]{10}\.css"', page.text)


@pytest.mark.parametrize("path", ADMIN_PAGES)
async def test_customers_are_refused_every_admin_page_with_a_403_page(
    app: Litestar, client: Client, db: asyncpg.Connection, path: str
):
    await account(app, db, "erin")
    await login(client, "erin", "erin-password")
    page = await client.get(path)
    assert page.status_code == 403
    assert "Not allowed" in page.text
    assert "admin-nav" not in page.text


@pytest.mark.parametrize("path", ADMIN_PAGES)
async def test_anonymous_visitors_are_sent_to_log_in_and_back(client: Client, db: asyncpg.Connection, path: str):
    page = await client.get(path)
    assert page.status_code == 303
    assert page.headers["location"] == f"/login?next={path}"


# ---- Products: list, search, edit in place, conflicts, delete, restore ----


async def test_the_list_hides_deleted_products_until_asked_and_searches_by_name(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await admin_session(app, client, db)
    lamp, gone = await product(app, db, name="Brass lamp"), await product(app, db, name="Brass vase")
    await on_app_loop(
        app, app.state.container.products.delete_product, await account(app, db, "admin", "admin"), gone.id
    )

    live = await client.get("/admin/products", params={"search": "brass"})
    assert f"product-row-{lamp.id}" in live.text and f"product-row-{gone.id}" not in live.text

    every = await client.get("/admin/products", params={"search": "brass", "show_deleted": "1"})
    assert "Deleted" in row_of(every.text, gone.id)
    assert 'name="show_deleted" value="1" checked' in every.text

    swapped = await client.get("/admin/products", params={"search": "vase", "show_deleted": "1"}, headers=HTMX)
    assert swapped.text.lstrip().startswith('<p id="product-list-count"')  # the count, out of band
    assert '<div id="product-list">' in swapped.text and "<html" not in swapped.text
    assert f"product-row-{gone.id}" in swapped.text and f"product-row-{lamp.id}" not in swapped.text

    none = await client.get("/admin/products", params={"search": "walnut"})
    assert "No products match “walnut” among live products." in html.unescape(none.text)


async def test_editing_in_place_swaps_the_row_and_keeps_the_carts_price(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client, db)
    chair = await product(app, db, price="80.00", stock=6)
    shopper = await account(app, db, "alice")
    await in_cart(app, shopper, chair.id)

    form = await client.get(f"/admin/products/{chair.id}/edit", params={"next": "/admin/products"}, headers=HTMX)
    assert form.status_code == 200
    assert form.text.lstrip().startswith(f'<tr id="product-row-{chair.id}" class="product-row is-editing">')
    assert "Carts and orders keep the price they were added at." in form.text

    saved = await client.post(
        f"/admin/products/{chair.id}",
        data=edit_form(chair, hidden_version(form.text), price="95.50", stock_quantity="9"),
        headers={**HTMX, "X-CSRFToken": token, "X-Request-ID": "req-edit-1"},
    )
    assert saved.status_code == 200
    row = row_of(saved.text, chair.id)
    assert "$95.50" in row and ">9<" in row and "Saved." in row
    assert await db.fetchval("SELECT price FROM product WHERE id = $1", chair.id) == Decimal("95.50")
    assert await db.fetchval("SELECT unit_price FROM cart_item WHERE product_id = $1", chair.id) == Decimal("80.00")
    assert await db.fetchval("SELECT event_type FROM audit_log WHERE request_id = 'req-edit-1'") == "ProductUpdated"


async def test_an_edit_against_a_stale_version_shows_the_current_values_and_can_be_applied_again(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client, db)
    desk = await product(app, db, price="200.00", stock=3)
    headers = {**HTMX, "X-CSRFToken": token}
    version = hidden_version((await client.get(f"/admin/products/{desk.id}/edit", headers=HTMX)).text)

    first = await client.post(
        f"/admin/products/{desk.id}", data=edit_form(desk, version, price="210.00"), headers=headers
    )
    second = await client.post(
        f"/admin/products/{desk.id}", data=edit_form(desk, version, stock_quantity="12"), headers=headers
    )

    assert first.status_code == 200
    assert second.status_code == 409
    conflict = html.unescape(second.text)
    assert "Someone else changed this product while you were editing it." in conflict
    assert "Now: $210.00" in conflict  # the other edit's value, beside the field
    assert 'name="stock_quantity" type="text" value="12"' in conflict  # the admin's own value is kept
    assert 'name="price" type="text" value="200.00"' in conflict
    newer = hidden_version(conflict)
    assert int(newer) == int(version) + 1
    assert await db.fetchval("SELECT stock_quantity FROM product WHERE id = $1", desk.id) == 3

    again = await client.post(
        f"/admin/products/{desk.id}", data=edit_form(desk, newer, stock_quantity="12"), headers=headers
    )
    assert again.status_code == 200
    assert await db.fetchrow("SELECT price, stock_quantity FROM product WHERE id = $1", desk.id) == (
        Decimal("200.00"),
        12,
    )


async def test_an_invalid_edit_is_refused_beside_its_field(app: Litestar, client: Client, db: asyncpg.Connection):
    token = await admin_session(app, client, db)
    lamp = await product(app, db)
    version = hidden_version((await client.get(f"/admin/products/{lamp.id}/edit", headers=HTMX)).text)

    refused = await client.post(
        f"/admin/products/{lamp.id}",
        data=edit_form(lamp, version, price="cheap"),
        headers={**HTMX, "X-CSRFToken": token},
    )

    assert refused.status_code == 422
    assert f'id="error-price-{lamp.id}">Price must be a decimal number such as 19.99<' in refused.text
    assert f'name="version" value="{version}"' in refused.text  # nothing was saved: same version


async def test_without_javascript_editing_is_a_page_of_its_own_and_saving_redirects_back(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client, db)
    lamp = await product(app, db, price="12.00")
    page = await client.get(f"/admin/products/{lamp.id}/edit", params={"next": "/admin/products?page=1"})
    assert page.status_code == 200
    assert f"Edit “{lamp.name}”" in html.unescape(page.text) and "admin-nav" in page.text

    saved = await client.post(
        f"/admin/products/{lamp.id}", data=edit_form(lamp, hidden_version(page.text), token, price="13.00")
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/admin/products?search=x"
    listed = await client.get("/admin/products")
    assert f"Product “{lamp.name}” saved." in html.unescape(listed.text)

    stale = await client.post(f"/admin/products/{lamp.id}", data=edit_form(lamp, hidden_version(page.text), token))
    assert stale.status_code == 409
    assert "Someone else changed this product" in stale.text and "<html" in stale.text


async def test_a_product_in_a_cart_is_not_deleted_and_the_row_says_why(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client, db)
    lamp = await product(app, db)
    await in_cart(app, await account(app, db, "alice"), lamp.id)

    refused = await client.post(
        f"/admin/products/{lamp.id}/delete", data={"next": "/admin/products"}, headers={**HTMX, "X-CSRFToken": token}
    )
    assert refused.status_code == 409
    row = row_of(refused.text, lamp.id)
    assert "Not deleted: this product is in a shopper's cart." in row and 'role="alert"' in row

    plain = await client.post(
        f"/admin/products/{lamp.id}/delete", data={"next": "/admin/products", "csrf_token": token}
    )
    assert plain.status_code == 409
    assert "Not deleted: this product is in a shopper&#39;s cart." in plain.text
    assert await db.fetchval("SELECT deleted_at FROM product WHERE id = $1", lamp.id) is None


async def test_deleting_and_restoring_in_place(app: Litestar, client: Client, db: asyncpg.Connection):
    token = await admin_session(app, client, db)
    lamp = await product(app, db)
    headers = {**HTMX, "X-CSRFToken": token}
    listed = await client.get("/admin/products")
    assert f'hx-confirm="Delete “{lamp.name}”?' in html.unescape(listed.text)

    deleted = await client.post(f"/admin/products/{lamp.id}/delete", data={"next": "/admin/products"}, headers=headers)
    assert deleted.status_code == 200
    row = row_of(deleted.text, lamp.id)
    assert "is-deleted" in row and "Restore" in row and "Deleted: shoppers no longer see it." in row
    assert f'id="product-{lamp.id}"' not in (await client.get("/", params={"search": lamp.name})).text

    again = await client.post(f"/admin/products/{lamp.id}/delete", data={}, headers=headers)
    assert again.status_code == 409
    assert "already deleted" in row_of(again.text, lamp.id)

    restored = await client.post(f"/admin/products/{lamp.id}/restore", data={}, headers=headers)
    assert restored.status_code == 200
    row = row_of(restored.text, lamp.id)
    assert "is-deleted" not in row and "Restored: shoppers see it again." in row
    events = await db.fetch("SELECT event_type FROM audit_log WHERE aggregate_id = $1 ORDER BY occurred_at", lamp.id)
    assert [e["event_type"] for e in events] == ["ProductCreated", "ProductDeleted", "ProductRestored"]


async def test_without_javascript_deleting_asks_on_a_page_then_redirects_with_a_flash(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client, db)
    lamp = await product(app, db)
    ask = await client.get(f"/admin/products/{lamp.id}/delete", params={"next": "/admin/products?show_deleted=1"})
    assert ask.status_code == 200
    assert f"Delete “{lamp.name}”?" in html.unescape(ask.text)
    assert f'action="/admin/products/{lamp.id}/delete"' in ask.text

    done = await client.post(
        f"/admin/products/{lamp.id}/delete",
        data={"csrf_token": csrf_from(ask.text), "next": "/admin/products?show_deleted=1"},
    )
    assert (done.status_code, done.headers["location"]) == (303, "/admin/products?show_deleted=1")
    listed = await client.get(done.headers["location"])
    assert f"Product “{lamp.name}” deleted." in html.unescape(listed.text)

    restored = await client.post(
        f"/admin/products/{lamp.id}/restore", data={"csrf_token": token, "next": "/admin/products"}
    )
    assert restored.status_code == 303
    assert await db.fetchval("SELECT deleted_at FROM product WHERE id = $1", lamp.id) is None


async def test_restoring_under_a_name_now_taken_says_what_to_do(app: Litestar, client: Client, db: asyncpg.Connection):
    token = await admin_session(app, client, db)
    admin = await account(app, db, "admin", "admin")
    old = await product(app, db, name="Oak chair")
    await on_app_loop(app, app.state.container.products.delete_product, admin, old.id)
    await product(app, db, name="Oak chair")

    refused = await client.post(f"/admin/products/{old.id}/restore", data={}, headers={**HTMX, "X-CSRFToken": token})

    assert refused.status_code == 422
    assert "A product named 'Oak chair' already exists. Rename one of the two" in row_of(refused.text, old.id)


# ---- Product report ----


async def test_the_report_filters_by_sales_reservations_stock_and_deletion(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await admin_session(app, client, db)
    admin = await account(app, db, "admin", "admin")
    sold = await product(app, db, name="Sold lamp", stock=20)
    held = await product(app, db, name="Held lamp", stock=20)
    await product(app, db, name="Scarce lamp", stock=2)
    gone = await product(app, db, name="Gone lamp", stock=20)
    await on_app_loop(app, app.state.container.products.delete_product, admin, gone.id)
    await order(app, await account(app, db, "alice"), sold.id, 3)
    await in_cart(app, await account(app, db, "bob"), held.id, 4)

    async def names(**params: str) -> list[str]:
        page = await client.get("/admin/report", params={"search": "lamp", **params})
        assert page.status_code == 200
        return re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a></th>', page.text)

    assert await names() == ["Held lamp", "Scarce lamp", "Sold lamp"]
    assert await names(include_deleted="1") == ["Gone lamp", "Held lamp", "Scarce lamp", "Sold lamp"]
    assert await names(has_sales="yes") == ["Sold lamp"]
    assert await names(has_sales="no", has_reservations="no") == ["Scarce lamp"]
    assert await names(has_reservations="yes") == ["Held lamp"]
    assert await names(low_stock="2") == ["Scarce lamp"]

    sold_row = re.search(rf'id="report-{sold.id}".*?</tr>', (await client.get("/admin/report")).text, re.S)
    assert sold_row and 'data-label="Sold">3<' in sold_row.group(0) and 'data-label="Reserved">0<' in sold_row.group(0)

    empty = await client.get("/admin/report", params={"search": "walnut"})
    assert "No products match the current filters." in empty.text

    ignored = await client.get("/admin/report", params={"search": "lamp", "low_stock": "few"}, headers=HTMX)
    assert "Ignored: “few” is not a whole number of 0 or more." in html.unescape(ignored.text)
    assert ignored.text.count('class="report-row"') == 3
    assert "<html" not in ignored.text


# ---- Orders ----


async def test_all_orders_filter_by_customer_and_day(app: Litestar, client: Client, db: asyncpg.Connection):
    await admin_session(app, client, db)
    alice, bob = await account(app, db, "alice"), await account(app, db, "bob")
    lamp = await product(app, db, stock=10)
    alices, bobs = await order(app, alice, lamp.id), await order(app, bob, lamp.id, 2)
    today = utc_now().date()

    every = await client.get("/admin/orders")
    assert f'href="/orders/{alices.id}"' in every.text and f'href="/orders/{bobs.id}"' in every.text
    assert f'<option value="{alice.user_id}">alice</option>' in every.text

    only_bob = await client.get("/admin/orders", params={"customer": str(bob.user_id)}, headers=HTMX)
    assert f"/orders/{bobs.id}" in only_bob.text and f"/orders/{alices.id}" not in only_bob.text

    on_today = await client.get("/admin/orders", params={"placed_from": str(today), "placed_to": str(today)})
    assert on_today.text.count('href="/orders/') == 2
    tomorrow = await client.get("/admin/orders", params={"placed_from": str(today + timedelta(days=1))})
    assert "No orders match these filters." in tomorrow.text

    ignored = await client.get("/admin/orders", params={"placed_to": "someday"})
    assert "Ignored: “someday” is not a date (YYYY-MM-DD)." in html.unescape(ignored.text)
    assert ignored.text.count('href="/orders/') == 2


def listed_orders(page: str) -> list[UUID]:
    return [UUID(order_id) for order_id in re.findall(r'<tr id="order-([0-9a-f-]{36})"', page)]


async def test_all_orders_come_a_page_at_a_time_newest_first_with_the_filters_kept_in_the_page_links(
    app: Litestar, client: Client, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin_orders_page, "PAGE_SIZE", 2)
    await admin_session(app, client, db)
    alice, bob = await account(app, db, "alice"), await account(app, db, "bob")
    lamp = await product(app, db, stock=10)
    placed = [
        (await order(app, alice, lamp.id), datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
        (await order(app, bob, lamp.id), datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
        (await order(app, alice, lamp.id), datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC)),  # the 2nd's last second
        (await order(app, alice, lamp.id), datetime(2026, 3, 3, 0, 0, tzinfo=UTC)),  # the 3rd's first
        (await order(app, alice, lamp.id), datetime(2026, 3, 4, 9, 0, tzinfo=UTC)),
    ]
    for placed_order, at in placed:
        await db.execute("UPDATE customer_order SET submitted_at = $2 WHERE id = $1", placed_order.id, at)
    on_1st, bobs_on_2nd, end_of_2nd, start_of_3rd, on_4th = (placed_order.id for placed_order, _ in placed)

    first = await client.get("/admin/orders")
    assert listed_orders(first.text) == [on_4th, start_of_3rd]
    assert "5 results" in first.text and 'href="/admin/orders?page=2"' in first.text
    second = await client.get("/admin/orders", params={"page": "2"}, headers=HTMX)
    assert listed_orders(second.text) == [end_of_2nd, bobs_on_2nd]
    last = await client.get("/admin/orders", params={"page": "3"})
    assert listed_orders(last.text) == [on_1st]

    alices_since_2nd = {"customer": str(alice.user_id), "placed_from": "2026-03-02"}
    filtered = await client.get("/admin/orders", params=alices_since_2nd)
    assert listed_orders(filtered.text) == [on_4th, start_of_3rd]
    assert "3 results" in filtered.text
    assert f'href="/admin/orders?customer={alice.user_id}&amp;placed_from=2026-03-02&amp;page=2"' in filtered.text
    filtered_2 = await client.get("/admin/orders", params={**alices_since_2nd, "page": "2"})
    assert listed_orders(filtered_2.text) == [end_of_2nd]

    # A UTC day runs from its midnight to the next: both ends of the range are included.
    the_2nd = await client.get("/admin/orders", params={"placed_from": "2026-03-02", "placed_to": "2026-03-02"})
    assert listed_orders(the_2nd.text) == [end_of_2nd, bobs_on_2nd]
    assert "2 orders found" in the_2nd.text
    till_3rd = await client.get("/admin/orders", params={"placed_to": "2026-03-03", "page": "2"})
    assert listed_orders(till_3rd.text) == [bobs_on_2nd, on_1st]

    for extreme in ({"placed_from": "0001-01-01"}, {"placed_to": "9999-12-31"}):
        every = await client.get("/admin/orders", params=extreme)
        assert every.status_code == 200 and "5 results" in every.text


# ---- Audit log ----


async def test_the_audit_log_filters_by_aggregate_actor_type_request_and_time(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client, db)
    admin = await account(app, db, "admin", "admin")
    headers = {**HTMX, "X-CSRFToken": token}
    for request_id in ("req-audit-1", "req-audit-2"):
        await client.post(
            "/admin/products", data={"name": unique_name(), "price": "5.00", "stock_quantity": "1"},
            headers={**headers, "X-Request-ID": request_id},
        )  # fmt: skip
    first = await db.fetchval("SELECT aggregate_id FROM audit_log WHERE request_id = 'req-audit-1'")

    async def entries(**params: str) -> list[str]:
        page = await client.get("/admin/audit", params=params)
        assert page.status_code == 200
        return re.findall(r'<tr class="audit-entry" data-event-type="(\w+)"', page.text)

    assert await entries(aggregate_type="Product") == ["ProductCreated", "ProductCreated"]
    assert await entries(aggregate_id=str(first)) == ["ProductCreated"]
    assert await entries(request_id="req-audit-2") == ["ProductCreated"]
    assert await entries(actor=str(admin.user_id), event_type="ProductCreated") == ["ProductCreated", "ProductCreated"]
    assert await entries(event_type="UserRegistered", actor=str(admin.user_id)) == []

    now = utc_now()
    minute = "%Y-%m-%dT%H:%M"
    an_hour_ago, in_an_hour = (now - timedelta(hours=1)).strftime(minute), (now + timedelta(hours=1)).strftime(minute)
    assert len(await entries(aggregate_type="Product", since=an_hour_ago, until=in_an_hour)) == 2
    assert await entries(aggregate_type="Product", since=in_an_hour) == []
    assert await entries(aggregate_type="Product", until=an_hour_ago) == []

    newest_first = await client.get("/admin/audit")
    times = re.findall(r'<time datetime="([^"]+)"', newest_first.text)
    assert times == sorted(times, reverse=True)
    assert '<details class="payload">' in newest_first.text

    ignored = await client.get("/admin/audit", params={"since": "last week", "aggregate_id": "abc"}, headers=HTMX)
    text = html.unescape(ignored.text)
    assert "Ignored: “last week” is not a date and time." in text and "Ignored: “abc” is not an id." in text
    assert 'hx-swap-oob="true"' in ignored.text and "<html" not in ignored.text


# ---- Dashboard and the test error ----


async def test_the_dashboard_shows_todays_sales_as_a_chart_readable_without_javascript(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await admin_session(app, client, db)
    lamp = await product(app, db, name="Dashboard lamp", price="25.00", stock=8)
    await order(app, await account(app, db, "alice"), lamp.id, 2)
    await in_cart(app, await account(app, db, "bob"), lamp.id, 1)

    page = await client.get("/admin")
    text = html.unescape(page.text)

    stats = re.findall(r'<dt>([^<]+)</dt>\s*<dd><span class="stat-value">([^<]+)</span>', text)
    assert ("Orders today", "1") in stats and ("Revenue today", "$50.00") in stats
    assert ("Revenue, last 14 days", "$50.00") in stats
    assert text.count('<svg class="bar-chart"') == 2
    assert re.search(r'role="img"\s+aria-labelledby="chart-revenue-title" aria-describedby="chart-revenue-desc"', text)
    assert re.search(r"<desc id=\"chart-revenue-desc\">Revenue per day, .*: \$50.00 in all; most on", text)
    today = utc_now()
    assert f"<title>{today:%a %d %b}: 1 order, $50.00</title>" in text
    assert text.count('<g class="chart-bar') == 28  # 14 days, two charts
    assert '<text class="chart-value" ' in text and ">$50</text>" in text
    assert "<summary>The same figures as a table</summary>" in text
    assert "Dashboard lamp" in text  # low on stock: 8 - 2 sold - 1 reserved = 5
    assert re.search(r'<th scope="row">bob</th><td class="num">1</td><td class="num">\$25.00</td>', text)
    assert "CartItemAdded" in text and 'href="/admin/audit"' in text
    assert "Workers" in text and "Dead letters" in text
    assert 'action="/admin/debug/trigger-error"' in text


async def test_the_test_error_answers_500_with_its_reference_and_lands_in_recent_errors(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    token = await admin_session(app, client, db)

    failed = await client.post(
        "/admin/debug/trigger-error", data={"csrf_token": token}, headers={"X-Request-ID": "req-test-error-1"}
    )

    assert failed.status_code == 500
    assert "Something went wrong" in failed.text and "<code>req-test-error-1</code>" in failed.text
    assert "Test error triggered by an administrator" not in failed.text  # never shown to the visitor
    for _ in range(100):  # the error is recorded by a background task after the response
        dashboard = await client.get("/admin")
        if "req-test-error-1" in dashboard.text:
            break
        await asyncio.sleep(0.05)
    assert "RuntimeError" in dashboard.text
    assert 'href="/admin/audit?request_id=req-test-error-1"' in dashboard.text
    assert "POST /admin/debug/trigger-error" in dashboard.text


async def test_the_test_error_is_refused_without_a_csrf_token(app: Litestar, client: Client, db: asyncpg.Connection):
    await admin_session(app, client, db)
    refused = await client.post("/admin/debug/trigger-error", data={})
    assert refused.status_code == 403
    assert "Your form expired or was sent from another site." in refused.text


async def test_a_customer_may_not_trigger_the_test_error(app: Litestar, client: Client, db: asyncpg.Connection):
    await account(app, db, "erin")
    await login(client, "erin", "erin-password")
    token = csrf_from((await client.get("/")).text)

    refused = await client.post("/admin/debug/trigger-error", data={"csrf_token": token})

    assert refused.status_code == 403
    assert "Admin access required" in refused.text
