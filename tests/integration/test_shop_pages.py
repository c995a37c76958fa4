"""The shopper's pages over HTTP: catalog filters, add to cart, the cart, coupons, checkout, orders.

Each action is exercised twice where it matters: as htmx sends it (a fragment back, with
out-of-band extras) and as a plain form post (a redirect and a flash message).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from uuid import uuid4

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.domain.events import utc_now
from app.domain.users import Role, UserContext
from app.settings import get_settings
from tests.integration.conftest import csrf_from, ensure_user, login, on_app_loop
from tests.support.factories import unique_name
from tests.support.markup import element_by_id

HTMX = {"HX-Request": "true"}
ADDRESS = {
    "street_line_1": "123 Main St",
    "street_line_2": "",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "US",
}
EMPTY_CART = "Your cart is empty. Browse the product catalog to add items."
NO_ORDERS = "No orders yet. Submit your cart to create your first order."

Client = AsyncTestClient[Litestar]


# ---- Arranging: accounts, products and coupons through the app's own services ----


async def account(app: Litestar, db: asyncpg.Connection, username: str, role: str = "customer") -> UserContext:
    await ensure_user(app, username, f"{username}-password", role)
    user_id = await db.fetchval("SELECT id FROM app_user WHERE username = $1", username)
    return UserContext(
        user_id=user_id, username=username, role=Role(role), tenant_id=get_settings().app.default_tenant_id
    )


async def shopper(app: Litestar, client: Client, db: asyncpg.Connection, username: str = "alice") -> str:
    """Log `username` in; returns a CSRF token for their session."""
    await account(app, db, username)
    await login(client, username, f"{username}-password")
    return csrf_from((await client.get("/cart")).text)


async def product(
    app: Litestar, db: asyncpg.Connection, *, name: str = "", price: str = "10.00", stock: int = 5
) -> Any:
    admin = await account(app, db, "admin", "admin")
    products = app.state.container.products
    return await on_app_loop(
        app, products.create_product, admin, name=name or unique_name(), price=price, stock_quantity=stock
    )


async def coupon(app: Litestar, db: asyncpg.Connection, code: str, percent: str) -> Any:
    admin = await account(app, db, "admin", "admin")
    coupons = app.state.container.coupons
    expires_at = utc_now() + timedelta(days=1)
    return await on_app_loop(
        app, coupons.create_coupon, admin, code=code, discount_percent=percent, expires_at=expires_at
    )


async def add(client: Client, token: str, product_id: Any, quantity: int | str = 1, *, htmx: bool = False) -> Any:
    form = {"product_id": str(product_id), "quantity": str(quantity), "next": "/?search=lamp"}
    if htmx:
        return await client.post("/cart/items", data=form, headers={**HTMX, "X-CSRFToken": token})
    return await client.post("/cart/items", data={**form, "csrf_token": token})


async def stock_of(db: asyncpg.Connection, product_id: Any) -> int:
    return await db.fetchval("SELECT stock_quantity FROM product WHERE id = $1", product_id)


def badge(html: str) -> str:
    match = re.search(r'<span id="cart-badge"[^>]*>(\d+)</span>', html)
    assert match, "no cart badge"
    return match.group(1)


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}"[^>]*>([^<]*)</p>', html)
    assert match, f"no error slot {field_id}"
    return match.group(1)


def checkout_token(html: str) -> str:
    match = re.search(r'name="checkout_token" value="([^"]+)"', html)
    assert match, "no checkout token"
    return match.group(1)


# ---- Catalog ----


async def test_catalog_filters_by_name_price_bounds_and_stock(app: Litestar, client: Client, db: asyncpg.Connection):
    await product(app, db, name="Brass lamp", price="40.00", stock=3)
    await product(app, db, name="Paper lamp", price="12.50", stock=0)
    await product(app, db, name="Oak table", price="300.00", stock=1)

    async def names(**params: str) -> list[str]:
        page = await client.get("/", params=params)
        assert page.status_code == 200
        return re.findall(r'<h2 class="name"><a href="/products/[^"]+">([^<]+)</a>', page.text)

    assert await names(search="LAMP") == ["Brass lamp", "Paper lamp"]
    assert await names(min_price="20", max_price="100") == ["Brass lamp"]
    assert await names(max_price="50", in_stock="1") == ["Brass lamp"]
    assert await names(search="chair") == []
    assert "No products match these filters." in (await client.get("/", params={"search": "chair"})).text


async def test_a_bad_price_bound_is_ignored_with_a_note_beside_its_field(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await product(app, db, name="Brass lamp", price="40.00")

    page = await client.get("/", params={"min_price": "abc", "max_price": "-3"})

    assert page.status_code == 200
    assert "Brass lamp" in page.text
    assert field_error(page.text, "note-min_price") == "Ignored “abc”: price must be a decimal number such as 19.99."
    assert field_error(page.text, "note-max_price") == "Ignored “-3”: price cannot be negative."
    assert 'value="abc"' in page.text  # the shopper sees what they typed
    huge = await client.get("/", params={"max_price": "1e30"})
    assert field_error(huge.text, "note-max_price") == "Ignored “1e30”: price is too large."


async def test_next_page_links_carry_a_cursor_and_keep_the_filters_and_the_sort(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    for n in range(3):
        await product(app, db, name=f"Lamp {n}", price=f"{5 + n}.00")
    await product(app, db, name="Table", price="5.00")
    names = re.compile(r'<h2 class="name"><a href="/products/[^"]+">([^<]+)</a>')

    page = await client.get("/", params={"search": "lamp", "in_stock": "1", "page_size": "2", "sort": "-price"})

    assert names.findall(page.text) == ["Lamp 2", "Lamp 1"]
    assert '<option value="-price" selected>' in page.text
    link = re.search(
        r'<a href="(/\?search=lamp&amp;in_stock=1&amp;page_size=2&amp;sort=-price&amp;after=[^"]+)"', page.text
    )
    assert link, page.text
    second = await client.get(link.group(1).replace("&amp;", "&"))
    assert names.findall(second.text) == ["Lamp 0"]
    assert 'rel="first"' in second.text and 'href="/?search=lamp&amp;in_stock=1&amp;page_size=2&amp;sort=-price"' in (
        second.text
    )
    assert "3 results" in page.text


async def test_old_page_number_links_still_open_their_page(app: Litestar, client: Client, db: asyncpg.Connection):
    for n in range(3):
        await product(app, db, name=f"Lamp {n}", price="5.00")

    second = await client.get("/", params={"search": "lamp", "page_size": "2", "page": "2"})

    assert second.status_code == 200 and "Lamp 2" in second.text and "Lamp 0" not in second.text


async def test_a_damaged_cursor_or_an_unknown_sort_is_a_clear_400(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await product(app, db, name="Lamp", price="5.00")
    page = await client.get("/", params={"page_size": "1"})
    await product(app, db, name="Lamp 2", price="5.00")
    cursor = re.search(r"after=([^\"&]+)", (await client.get("/", params={"page_size": "1"})).text)
    assert cursor and "after=" not in page.text

    damaged = await client.get("/", params={"after": cursor.group(1)[:-3] + "!!!"})
    other_sort = await client.get("/", params={"after": cursor.group(1), "sort": "price"})
    unknown = await client.get("/", params={"sort": "stock"})

    assert damaged.status_code == 400 and "This page link is not valid" in damaged.text
    assert other_sort.status_code == 400 and "another sort order" in other_sort.text
    assert unknown.status_code == 400 and "Sort by one of" in unknown.text


async def test_htmx_filtering_returns_only_the_results_and_the_notes_out_of_band(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await product(app, db, name="Brass lamp", price="40.00")

    response = await client.get("/", params={"search": "brass", "min_price": "x"}, headers=HTMX)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="results"')
    assert "<html" not in response.text and 'role="search"' not in response.text
    assert "Brass lamp" in response.text
    assert re.search(r'id="note-min_price" hx-swap-oob="true">Ignored “x”: price must be', response.text)
    assert '<p id="results-status" class="visually-hidden" role="status" hx-swap-oob="true">1 product found' in (
        response.text
    )


async def test_a_product_has_its_own_page(app: Litestar, client: Client, db: asyncpg.Connection):
    lamp = await product(app, db, name="Brass lamp", price="1234.50", stock=2)

    page = await client.get(f"/products/{lamp.id}")
    missing = await client.get(f"/products/{uuid4()}")

    assert page.status_code == 200
    assert '<h1 class="page-title">Brass lamp</h1>' in page.text and "$1,234.50" in page.text
    assert "2 in stock" in page.text and 'action="/cart/items"' in page.text
    assert missing.status_code == 404


async def test_no_products_at_all_shows_the_catalog_empty_state(client: Client):
    page = await client.get("/")
    assert "No products available. Add products to the catalog to get started." in page.text


# ---- Add to cart ----


async def test_htmx_add_returns_the_purchase_box_with_the_new_stock_and_the_badge_out_of_band(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, name="Brass lamp", stock=5)
    token = await shopper(app, client, db)

    response = await add(client, token, lamp.id, 2, htmx=True)

    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<div class="purchase" id="purchase-{lamp.id}"')
    assert "3 in stock" in response.text
    assert "Added 2 to your cart." in response.text
    assert '<span id="cart-badge" class="cart-badge" hx-swap-oob="true">2</span>' in response.text
    assert 'name="next" value="/?search=lamp"' in response.text  # the box still returns to the catalog page
    assert await stock_of(db, lamp.id) == 3
    assert badge((await client.get("/")).text) == "2"


async def test_plain_add_redirects_back_to_the_catalog_page_with_a_flash(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, name="Brass lamp", stock=5)
    token = await shopper(app, client, db)

    response = await add(client, token, lamp.id, 3)

    assert response.status_code == 303
    assert response.headers["location"] == "/?search=lamp"
    page = await client.get("/?search=lamp")
    assert "Added 3 × Brass lamp to your cart." in page.text
    assert badge(page.text) == "3"
    assert "2 in stock" in page.text


async def test_insufficient_stock_is_shown_in_the_product_box_and_changes_nothing(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, name="Brass lamp", stock=2)
    token = await shopper(app, client, db)

    response = await add(client, token, lamp.id, 5, htmx=True)

    assert response.status_code == 409
    assert 'role="alert">Only 2 left; you asked for 5.' in response.text
    assert 'value="5" aria-invalid="true"' in response.text
    assert '<span id="cart-badge" class="cart-badge" hx-swap-oob="true">0</span>' in response.text
    assert await stock_of(db, lamp.id) == 2

    plain = await add(client, token, lamp.id, 5)
    assert plain.status_code == 303
    assert "Brass lamp: Only 2 left; you asked for 5." in (await client.get("/?search=lamp")).text


async def test_asking_for_more_than_the_line_limit_of_a_product_with_less_stock_says_how_many_are_left(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, name="Brass lamp", stock=17)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id, 1)

    added = await add(client, token, lamp.id, 99_999, htmx=True)
    changed = await client.post(
        f"/cart/items/{lamp.id}", data={"quantity": "99999"}, headers={**HTMX, "X-CSRFToken": token}
    )

    assert added.status_code == 409 and 'role="alert">Only 16 left; you asked for 99,999.' in added.text
    assert field_error(changed.text, f"error-quantity-{lamp.id}") == "Only 16 more in stock."
    assert "10,000" not in added.text + changed.text
    assert await stock_of(db, lamp.id) == 16


async def test_a_bad_quantity_is_refused_in_the_product_box(app: Litestar, client: Client, db: asyncpg.Connection):
    lamp = await product(app, db, stock=2)
    token = await shopper(app, client, db)

    for quantity in ("0", "two", "\u00b2", "\u0663", str(2**64), "1e308", "NaN"):
        message = "Quantity must be a whole number from 1 to 10,000"
        response = await add(client, token, lamp.id, quantity, htmx=True)
        assert response.status_code == 422
        assert message in response.text


async def test_anonymous_add_goes_to_login_and_back_to_the_catalog_page(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=2)
    token = csrf_from((await client.get("/")).text)

    plain = await add(client, token, lamp.id)
    htmx = await add(client, token, lamp.id, htmx=True)

    assert plain.status_code == 303
    assert plain.headers["location"] == "/login?next=/%3Fsearch%3Dlamp"
    assert htmx.headers["hx-redirect"] == "/login?next=/%3Fsearch%3Dlamp"
    assert "Log in to add items to your cart." in (await client.get("/login?next=/%3Fsearch%3Dlamp")).text
    assert await stock_of(db, lamp.id) == 2

    await account(app, db, "alice")
    page = await client.get("/login")
    back = await client.post(
        "/login",
        data={
            "username": "alice",
            "password": "alice-password",
            "csrf_token": csrf_from(page.text),
            "next": "/?search=lamp",
        },
    )
    assert back.headers["location"] == "/?search=lamp"


async def log_in_after_add(client: Client, username: str, next_: str = "/?search=lamp", *, htmx: bool = False) -> Any:
    page = await client.get("/login?next=" + next_)
    form = {"username": username, "password": f"{username}-password", "csrf_token": csrf_from(page.text), "next": next_}
    return await client.post("/login", data=form, headers=HTMX if htmx else None)


async def cart_quantity(db: asyncpg.Connection, username: str, product_id: Any) -> int | None:
    return await db.fetchval(
        "SELECT ci.quantity FROM cart_item ci JOIN cart c ON c.id = ci.cart_id"
        " JOIN app_user u ON u.id = c.user_id WHERE u.username = $1 AND ci.product_id = $2",
        username,
        product_id,
    )


async def test_an_anonymous_add_completes_after_login_and_lands_back_with_a_message(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, name=unique_name("Brass lamp"), stock=5)
    await account(app, db, "alice")
    token = csrf_from((await client.get("/")).text)

    refused = await add(client, token, lamp.id, 2)
    assert refused.headers["location"] == "/login?next=/%3Fsearch%3Dlamp"
    assert await stock_of(db, lamp.id) == 5  # nothing reserved before the login

    back = await log_in_after_add(client, "alice")
    assert back.status_code == 303 and back.headers["location"] == "/?search=lamp"
    assert await stock_of(db, lamp.id) == 3  # reserved by the cart service, as any add
    assert await cart_quantity(db, "alice", lamp.id) == 2
    landed = await client.get("/?search=lamp")
    assert f"Added 2 × {lamp.name} to your cart." in landed.text
    assert badge(landed.text) == "2"

    # Taken once: logging out and in again adds nothing more.
    await client.post("/logout", data={"csrf_token": csrf_from(landed.text)})
    await log_in_after_add(client, "alice")
    assert await cart_quantity(db, "alice", lamp.id) == 2


async def test_a_pending_add_waits_through_a_failed_login_attempt(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=5)
    await account(app, db, "alice")
    await add(client, csrf_from((await client.get("/")).text), lamp.id, 1)
    page = await client.get("/login?next=/")
    wrong = {"username": "alice", "password": "not-hers", "csrf_token": csrf_from(page.text), "next": "/"}
    assert (await client.post("/login", data=wrong)).status_code == 401

    await log_in_after_add(client, "alice", "/")

    assert await cart_quantity(db, "alice", lamp.id) == 1


async def test_an_anonymous_htmx_add_completes_after_an_htmx_login(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=5)
    await account(app, db, "alice")
    token = csrf_from((await client.get(f"/products/{lamp.id}")).text)
    form = {"product_id": str(lamp.id), "quantity": "3", "next": f"/products/{lamp.id}"}

    refused = await client.post("/cart/items", data=form, headers={**HTMX, "X-CSRFToken": token})
    assert refused.headers["hx-redirect"] == f"/login?next=/products/{lamp.id}"

    back = await log_in_after_add(client, "alice", f"/products/{lamp.id}", htmx=True)
    assert back.headers["hx-redirect"] == f"/products/{lamp.id}"
    assert await cart_quantity(db, "alice", lamp.id) == 3
    assert f"Added 3 × {lamp.name} to your cart." in (await client.get(f"/products/{lamp.id}")).text


async def test_a_pending_add_refused_at_login_says_why_and_changes_nothing(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=3)
    await account(app, db, "alice")
    token = csrf_from((await client.get("/")).text)
    await add(client, token, lamp.id, 2)
    await db.execute("UPDATE product SET stock_quantity = 1 WHERE id = $1", lamp.id)  # sold meanwhile

    back = await log_in_after_add(client, "alice")

    assert back.status_code == 303 and back.headers["location"] == "/?search=lamp"
    assert await cart_quantity(db, "alice", lamp.id) is None
    assert await stock_of(db, lamp.id) == 1
    text = (await client.get("/?search=lamp")).text
    assert f"Not added to your cart. {lamp.name}: Only 1 left; you asked for 2." in text


async def test_an_anonymous_add_of_a_product_that_does_not_exist_says_so_after_login(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await account(app, db, "alice")
    token = csrf_from((await client.get("/login")).text)  # an empty catalog has no form
    await add(client, token, uuid4(), 1)

    back = await log_in_after_add(client, "alice")

    assert back.status_code == 303
    assert "Not added to your cart. This product is no longer available." in (await client.get("/")).text


async def test_a_tampered_or_stale_pending_add_is_ignored_and_the_login_still_works(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=5)
    await account(app, db, "alice")
    fresh = utc_now().isoformat()
    stale = (utc_now() - timedelta(hours=2)).isoformat()
    for tampered in (
        {"product_id": "not-a-uuid", "quantity": 1, "at": fresh},
        {"product_id": str(lamp.id), "quantity": 0, "at": fresh},
        {"product_id": str(lamp.id), "quantity": "1; DROP TABLE cart", "at": fresh},
        {"product_id": str(lamp.id), "quantity": True, "at": fresh},
        {"product_id": str(lamp.id), "quantity": 10**30, "at": fresh},
        {"product_id": str(lamp.id), "quantity": 1, "at": "yesterday"},
        {"product_id": str(lamp.id), "quantity": 1, "at": stale},
        {"product_id": str(lamp.id), "quantity": 1, "at": "2026-12-03T09:00:00"},  # no time zone
        {"product_id": str(lamp.id), "quantity": 1},
        [str(lamp.id), 1],
        "a string",
    ):
        client.cookies.clear()
        token = csrf_from((await client.get("/")).text)
        await add(client, token, lamp.id, 1)
        changed = await db.execute(
            "UPDATE session SET data = jsonb_set(data, '{_pending_add}', $1::jsonb) WHERE data ? '_pending_add'",
            json.dumps(tampered),
        )
        assert changed == "UPDATE 1", changed

        back = await log_in_after_add(client, "alice")

        assert back.status_code == 303 and back.headers["location"] == "/?search=lamp", tampered
        assert await cart_quantity(db, "alice", lamp.id) is None, tampered
        landed = (await client.get("/?search=lamp")).text
        assert "Added" not in landed and "Not added" not in landed, tampered
    assert await stock_of(db, lamp.id) == 5


async def test_the_login_after_an_anonymous_add_never_leaves_the_site(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=5)
    await account(app, db, "alice")
    token = csrf_from((await client.get("/")).text)
    form = {"product_id": str(lamp.id), "quantity": "1", "next": "//evil.example/"}
    refused = await client.post("/cart/items", data={**form, "csrf_token": token})
    assert refused.headers["location"] == "/login?next=/"

    back = await log_in_after_add(client, "alice", "https://evil.example/")

    assert back.headers["location"] == "/"
    assert await cart_quantity(db, "alice", lamp.id) == 1


async def test_an_anonymous_add_without_a_valid_csrf_token_is_not_kept_for_the_login(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=5)
    await account(app, db, "alice")
    await client.get("/")

    forged = await add(client, "forged-token", lamp.id, 1)
    assert forged.status_code == 403
    await log_in_after_add(client, "alice")

    assert await cart_quantity(db, "alice", lamp.id) is None
    assert await stock_of(db, lamp.id) == 5


# ---- The cart ----


async def test_the_cart_shows_lines_totals_and_how_long_the_reservation_holds(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, name="Brass lamp", price="1234.50", stock=5)
    rug = await product(app, db, name="Wool rug", price="20.00", stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id, 2)
    await add(client, token, rug.id, 1)

    page = await client.get("/cart")

    assert page.status_code == 200
    assert "Brass lamp" in page.text and "$1,234.50" in page.text and "$2,469.00" in page.text
    summary = element_by_id(page.text, "order-summary-totals")
    assert '<div class="totals-row"><dt>Subtotal</dt><dd>$2,489.00</dd></div>' in summary
    assert '<div class="totals-row totals-total"><dt>Total</dt><dd>$2,489.00</dd></div>' in summary
    assert page.text.count("totals-total") == 1  # one summary, not a total per box
    assert re.search(
        r'Your reservation holds until <time datetime="[^"]+\+00:00" data-local="clock">\d\d:\d\d UTC</time>\s*'
        r'\(in <span data-countdown="(1[78]\d\d)" data-countdown-style="clock">30 minutes</span>\)',
        page.text,
    )
    assert badge(page.text) == "3"


async def test_the_reservation_note_refreshes_itself_and_says_when_it_lapsed(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id)
    await db.execute("UPDATE cart SET last_activity_at = now() - interval '31 minutes'")

    note = await client.get("/cart", headers={**HTMX, "HX-Target": "reservation"})

    assert note.status_code == 200
    assert note.text.lstrip().startswith('<p id="reservation" class="reservation is-lapsed"')
    assert "Your reservation lapsed at" in note.text


async def test_htmx_quantity_change_swaps_the_cart_body_and_updates_the_badge(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, name="Brass lamp", price="10.00", stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id, 1)

    response = await client.post(
        f"/cart/items/{lamp.id}", data={"quantity": "4"}, headers={**HTMX, "X-CSRFToken": token}
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="cart-body"')
    assert "$40.00" in response.text
    assert '<dl id="order-summary-totals" class="totals" hx-swap-oob="true">' in response.text
    assert '<span id="cart-badge" class="cart-badge" hx-swap-oob="true">4</span>' in response.text
    assert await stock_of(db, lamp.id) == 1


async def test_a_quantity_beyond_the_stock_is_refused_beside_its_line(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, name="Brass lamp", stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id, 2)

    response = await client.post(
        f"/cart/items/{lamp.id}", data={"quantity": "9"}, headers={**HTMX, "X-CSRFToken": token}
    )

    assert response.status_code == 409
    assert field_error(response.text, f"error-quantity-{lamp.id}") == "Only 3 more in stock."
    assert 'value="9" aria-invalid="true"' in response.text
    assert await stock_of(db, lamp.id) == 3

    plain = await client.post(f"/cart/items/{lamp.id}", data={"quantity": "9", "next": "/cart", "csrf_token": token})
    assert plain.status_code == 303
    assert "Brass lamp: Only 3 more in stock." in (await client.get("/cart")).text


async def test_plain_quantity_change_redirects_back_to_the_cart_page_it_came_from(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, price="10.00", stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id, 1)

    response = await client.post(
        f"/cart/items/{lamp.id}", data={"quantity": "2", "next": "/cart?coupon=SAVE10", "csrf_token": token}
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/cart?coupon=SAVE10"
    page = await client.get("/cart")
    assert "Quantity updated." in page.text and "$20.00" in page.text and badge(page.text) == "2"


async def test_without_javascript_removal_asks_on_a_page_of_its_own(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, name="Brass lamp", stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id, 2)

    confirm = await client.get(f"/cart/items/{lamp.id}/remove", params={"next": "/cart"})
    assert confirm.status_code == 200
    assert "Remove from your cart?" in confirm.text and "Brass lamp" in confirm.text

    removed = await client.post(
        f"/cart/items/{lamp.id}/remove", data={"next": "/cart", "csrf_token": csrf_from(confirm.text)}
    )
    assert removed.status_code == 303
    page = await client.get("/cart")
    assert "Removed from your cart." in page.text and EMPTY_CART in page.text
    assert await stock_of(db, lamp.id) == 5


async def test_htmx_removal_of_the_last_line_turns_the_page_into_the_empty_state(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=5)
    rug = await product(app, db, stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id)
    await add(client, token, rug.id)
    headers = {**HTMX, "X-CSRFToken": token}

    first = await client.post(f"/cart/items/{lamp.id}/remove", data={"next": "/cart"}, headers=headers)
    last = await client.post(f"/cart/items/{rug.id}/remove", data={"next": "/cart"}, headers=headers)
    again = await client.post(f"/cart/items/{rug.id}/remove", data={"next": "/cart"}, headers=headers)

    assert first.status_code == 200 and first.text.lstrip().startswith('<section id="cart-body"')
    assert 'hx-swap-oob="true">1</span>' in first.text
    assert last.headers["hx-retarget"] == "#cart-page"
    assert EMPTY_CART in last.text and 'hx-swap-oob="true">0</span>' in last.text
    assert again.status_code == 200 and EMPTY_CART in again.text  # a double click removes nothing more


async def test_an_empty_cart_says_so(app: Litestar, client: Client, db: asyncpg.Connection):
    await shopper(app, client, db)
    page = await client.get("/cart")
    assert EMPTY_CART in page.text
    assert 'id="checkout-form"' not in page.text


async def test_the_cart_needs_a_login(client: Client):
    response = await client.get("/cart")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/cart"


# ---- Coupons ----


async def test_a_coupon_preview_shows_the_discount_and_carries_the_code_into_the_checkout_form(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, price="988.96", stock=5)
    await coupon(app, db, "SAVE10", "10")
    token = await shopper(app, client, db)
    await add(client, token, lamp.id)

    box = await client.get("/cart", params={"coupon": "save10"}, headers={**HTMX, "HX-Target": "coupon-box"})
    page = await client.get("/cart", params={"coupon": "save10"})

    assert box.text.lstrip().startswith('<section id="coupon-box"')
    assert "SAVE10 applied: 10% off." in box.text
    summary = element_by_id(box.text, "order-summary-totals")  # out of band: the page's one summary
    assert "<dt>Discount (SAVE10, 10%)</dt><dd>−$98.90</dd>" in summary
    assert "<dt>Total</dt><dd>$890.06</dd>" in summary
    assert "<dt>Total</dt><dd>$890.06</dd>" in element_by_id(page.text, "order-summary-totals")
    applied = '<input type="hidden" id="applied-coupon" name="coupon_code" value="SAVE10" form="checkout-form">'
    assert applied in box.text
    assert 'id="checkout-form"' in page.text and 'value="SAVE10" form="checkout-form"' in page.text


async def test_a_refused_coupon_says_why_beside_the_box(app: Litestar, client: Client, db: asyncpg.Connection):
    lamp = await product(app, db, stock=5)
    await coupon(app, db, "OLD", "10")
    await db.execute("UPDATE coupon SET expires_at = now() - interval '1 day' WHERE code = 'OLD'")
    token = await shopper(app, client, db)
    await add(client, token, lamp.id)
    headers = {**HTMX, "HX-Target": "coupon-box"}

    unknown = await client.get("/cart", params={"coupon": "NOPE"}, headers=headers)
    expired = await client.get("/cart", params={"coupon": "old"}, headers=headers)

    assert field_error(unknown.text, "error-coupon") == "Coupon &#39;NOPE&#39; not found"
    assert field_error(expired.text, "error-coupon") == "Coupon &#39;OLD&#39; has expired"
    assert 'name="coupon_code"' not in expired.text


async def test_a_quantity_change_sent_with_the_applied_coupon_keeps_its_discount_in_the_summary(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, price="100.00", stock=5)
    await coupon(app, db, "SAVE10", "10")
    token = await shopper(app, client, db)
    await add(client, token, lamp.id)

    response = await client.post(
        f"/cart/items/{lamp.id}",
        data={"quantity": "3", "coupon_code": "SAVE10"},
        headers={**HTMX, "X-CSRFToken": token},
    )

    summary = element_by_id(response.text, "order-summary-totals")
    assert "<dt>Subtotal</dt><dd>$300.00</dd>" in summary
    assert "<dt>Discount (SAVE10, 10%)</dt><dd>−$30.00</dd>" in summary
    assert "<dt>Total</dt><dd>$270.00</dd>" in summary


# ---- Checkout ----


async def test_address_errors_are_shown_beside_each_field(app: Litestar, client: Client, db: asyncpg.Connection):
    lamp = await product(app, db, stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id)
    form_token = checkout_token((await client.get("/cart")).text)
    form = {**ADDRESS, "street_line_1": "", "city": " ", "checkout_token": form_token}

    htmx = await client.post("/cart/checkout", data=form, headers={**HTMX, "X-CSRFToken": token})
    plain = await client.post("/cart/checkout", data={**form, "csrf_token": token})

    assert htmx.status_code == 422
    assert htmx.text.lstrip().startswith('<section id="checkout"')
    assert field_error(htmx.text, "error-street_line_1") == "Street address is required"
    assert field_error(htmx.text, "error-city") == "City is required"
    assert field_error(htmx.text, "error-postal_code") == ""
    assert 'value="62701"' in htmx.text and f'value="{form_token}"' in htmx.text
    assert plain.status_code == 422 and "<html" in plain.text and "City is required" in plain.text
    assert await db.fetchval("SELECT count(*) FROM customer_order") == 0


async def test_a_made_up_country_state_or_postal_code_is_refused_beside_its_field(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id)
    page = (await client.get("/cart")).text
    form = {**ADDRESS, "state": "ZZ", "postal_code": "🛒", "checkout_token": checkout_token(page)}

    wrong_state = await client.post("/cart/checkout", data=form, headers={**HTMX, "X-CSRFToken": token})
    wrong_country = await client.post(
        "/cart/checkout", data={**form, "country": "XX"}, headers={**HTMX, "X-CSRFToken": token}
    )

    assert wrong_state.status_code == 422
    assert field_error(wrong_state.text, "error-state") == "State or region must be a US state (for example IL)"
    assert field_error(wrong_state.text, "error-postal_code") == (
        "Postal code may contain only letters, digits, spaces and hyphens"
    )
    assert wrong_country.status_code == 422
    assert field_error(wrong_country.text, "error-country").startswith("Choose a country from the list")
    assert '<select id="field-country" name="country" required' in page
    assert '<option value="US" selected>United States</option>' in page
    assert '<option value="CA">Canada</option>' in page
    assert await db.fetchval("SELECT count(*) FROM customer_order") == 0


async def test_a_failed_verification_is_shown_beside_the_street_or_above_the_form(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id)
    headers = {**HTMX, "X-CSRFToken": token}

    invalid = await client.post("/cart/checkout", data={**ADDRESS, "street_line_1": "1 Invalid Rd"}, headers=headers)
    down = await client.post("/cart/checkout", data={**ADDRESS, "street_line_1": "1 Unavailable Rd"}, headers=headers)

    assert invalid.status_code == 422
    assert field_error(invalid.text, "error-street_line_1") == (
        "Address verification failed: Address not found or is invalid"
    )
    assert down.status_code == 503
    assert (
        'role="alert">Address verification failed: Address verification service is temporarily unavailable' in down.text
    )


async def test_placing_an_order_twice_with_one_form_places_one_order(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, name="Brass lamp", price="988.96", stock=5)
    await coupon(app, db, "SAVE10", "10")
    token = await shopper(app, client, db)
    await add(client, token, lamp.id)
    form = {**ADDRESS, "coupon_code": "SAVE10", "checkout_token": checkout_token((await client.get("/cart")).text)}

    first = await client.post("/cart/checkout", data={**form, "csrf_token": token})
    second = await client.post("/cart/checkout", data={**form, "csrf_token": token})

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await db.fetchval("SELECT count(*) FROM customer_order") == 1
    number = await db.fetchval("SELECT number FROM customer_order")
    confirmation = await client.get(first.headers["location"])
    assert f"Order #{number} placed" in confirmation.text
    assert (
        "Brass lamp" in confirmation.text and "123 MAIN ST" in confirmation.text and "STUB-62701" in confirmation.text
    )
    assert "<dt>Discount (SAVE10)</dt><dd>−$98.90</dd>" in confirmation.text
    assert "<dt>Total</dt><dd>$890.06</dd>" in confirmation.text
    assert "This order had already been placed; here it is." in confirmation.text
    assert badge(confirmation.text) == "0"
    # The form's token is an idempotency key like the API's, in the same records.
    assert await db.fetchval("SELECT key FROM idempotency_record") == form["checkout_token"]


async def test_a_form_resubmitted_over_htmx_is_sent_to_the_order_it_placed(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id)
    form = {**ADDRESS, "checkout_token": checkout_token((await client.get("/cart")).text)}

    plain = await client.post("/cart/checkout", data={**form, "csrf_token": token})
    htmx = await client.post("/cart/checkout", data=form, headers={**HTMX, "X-CSRFToken": token})

    assert plain.status_code == 303
    assert htmx.status_code == 204 and htmx.headers["hx-redirect"] == plain.headers["location"]
    assert await db.fetchval("SELECT count(*) FROM customer_order") == 1


async def test_a_used_form_sent_again_with_another_address_places_nothing_and_offers_a_new_form(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id)
    used = checkout_token((await client.get("/cart")).text)
    await client.post("/cart/checkout", data={**ADDRESS, "checkout_token": used, "csrf_token": token})
    await add(client, token, lamp.id)  # Back to the old page, another address, Place order again

    again = await client.post(
        "/cart/checkout", data={**ADDRESS, "city": "Chicago", "checkout_token": used, "csrf_token": token}
    )

    assert again.status_code == 422
    assert "This form has already placed an order with other details" in again.text
    assert checkout_token(again.text) != used
    assert await db.fetchval("SELECT count(*) FROM customer_order") == 1
    renewed = await client.post(
        "/cart/checkout",
        data={**ADDRESS, "city": "Chicago", "checkout_token": checkout_token(again.text), "csrf_token": token},
    )
    assert renewed.status_code == 303
    assert await db.fetchval("SELECT count(*) FROM customer_order") == 2


async def test_htmx_checkout_redirects_to_the_confirmation(app: Litestar, client: Client, db: asyncpg.Connection):
    lamp = await product(app, db, stock=5)
    token = await shopper(app, client, db)
    await add(client, token, lamp.id)

    response = await client.post(
        "/cart/checkout", data={**ADDRESS, "checkout_token": str(uuid4())}, headers={**HTMX, "X-CSRFToken": token}
    )

    order_id = await db.fetchval("SELECT id FROM customer_order")
    assert response.headers["hx-redirect"] == f"/orders/{order_id}"
    assert EMPTY_CART in (await client.get("/cart")).text


# ---- Orders ----


async def place_order(client: Client, token: str, product_id: Any) -> str:
    await add(client, token, product_id)
    response = await client.post(
        "/cart/checkout", data={**ADDRESS, "checkout_token": str(uuid4()), "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def test_customers_see_only_their_own_orders_newest_first(app: Litestar, client: Client, db: asyncpg.Connection):
    lamp = await product(app, db, stock=10)
    token = await shopper(app, client, db, "bob")
    bobs = await place_order(client, token, lamp.id)
    await client.post("/logout", data={"csrf_token": token})
    token = await shopper(app, client, db, "alice")
    first = await place_order(client, token, lamp.id)
    second = await place_order(client, token, lamp.id)

    history = await client.get("/orders")

    listed = re.findall(r'<a href="(/orders/[^"]+)">Order #', history.text)
    assert listed == [second, first]
    assert (await client.get(bobs)).status_code == 404
    assert 'name="customer"' not in history.text


async def test_admins_see_every_order_and_filter_by_customer(app: Litestar, client: Client, db: asyncpg.Connection):
    lamp = await product(app, db, stock=10)
    token = await shopper(app, client, db, "bob")
    bobs = await place_order(client, token, lamp.id)
    await client.post("/logout", data={"csrf_token": token})
    token = await shopper(app, client, db, "alice")
    alices = await place_order(client, token, lamp.id)
    await client.post("/logout", data={"csrf_token": token})
    await login(client, "admin", "admin-password")

    everyone = await client.get("/orders")
    bob_id = await db.fetchval("SELECT id FROM app_user WHERE username = 'bob'")
    only_bob = await client.get("/orders", params={"customer": str(bob_id)}, headers=HTMX)

    assert bobs in everyone.text and alices in everyone.text
    assert f'<option value="{bob_id}">bob</option>' in everyone.text
    assert only_bob.text.lstrip().startswith('<section id="orders-results"')
    assert bobs in only_bob.text and alices not in only_bob.text
    assert "by bob" in (await client.get(bobs)).text


async def test_no_orders_yet_says_so(app: Litestar, client: Client, db: asyncpg.Connection):
    await shopper(app, client, db)
    assert NO_ORDERS in (await client.get("/orders")).text


async def test_a_session_of_someone_else_never_shows_their_cart_count(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    lamp = await product(app, db, stock=5)
    token = await shopper(app, client, db, "alice")
    await add(client, token, lamp.id, 2)
    await client.post("/logout", data={"csrf_token": token})
    await shopper(app, client, db, "bob")
    assert badge((await client.get("/")).text) == "0"
