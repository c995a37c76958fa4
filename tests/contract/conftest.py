"""Contract fixtures: the integration fixtures (the real app on PostgreSQL and Redis) and ways to arrange data.

Each test logs in through the API itself, as the original's client does, and arranges what it
needs through the app's services (as the system actor) or, for coupons, with SQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.domain.events import utc_now
from app.domain.users import UserContext
from app.settings import get_settings
from tests.integration import conftest as integration
from tests.integration.conftest import ensure_user, on_app_loop
from tests.support.factories import unique_name

# The integration fixtures, shared: the real app on a clean PostgreSQL and Redis, and its test client.
db = integration.db
redis_client = integration.redis_client
app = integration.app
client = integration.client

Client = AsyncTestClient[Litestar]

ADDRESS = {
    "street_line_1": "123 Main St",
    "street_line_2": "Apt 4",
    "city": "Springfield",
    "state": "il",
    "postal_code": "62701",
    "country": "us",
}


async def log_in(client: Client, username: str, password: str) -> dict[str, str]:
    """Log in like the original's client: post the credentials, then fetch the rotated CSRF token.

    Returns the headers every later unsafe call sends.
    """
    response = await client.post("/api/v1/auth/login/", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    session = await client.get("/api/v1/auth/session/")
    return {"X-CSRFToken": session.json()["csrf_token"]}


@pytest.fixture
async def customer(app: Litestar, client: Client) -> dict[str, str]:
    """Alice, a logged-in customer; the value is the CSRF header for her unsafe calls."""
    await ensure_user(app, "alice", "alice-password", "customer")
    return await log_in(client, "alice", "alice-password")


@pytest.fixture
async def admin(app: Litestar, client: Client) -> dict[str, str]:
    await ensure_user(app, "boss", "boss-password", "admin")
    return await log_in(client, "boss", "boss-password")


async def become(app: Litestar, client: Client, username: str, role: str = "customer") -> dict[str, str]:
    """Log in as `username` (password `<username>-password`, created with `role` if new), logging out first.

    Returns the CSRF header for the new session's unsafe calls.
    """
    await ensure_user(app, username, f"{username}-password", role)
    session = (await client.get("/api/v1/auth/session/")).json()
    if session["authenticated"]:
        await client.post("/api/v1/auth/logout/", headers={"X-CSRFToken": session["csrf_token"]})
    return await log_in(client, username, f"{username}-password")


def system() -> UserContext:
    """The actor that arranges test data: admin rights, no user id."""
    return UserContext.system(get_settings().app.default_tenant_id)


async def add_product(app: Litestar, *, name: str | None = None, price: str = "10.00", stock: int = 5) -> str:
    """A product in the catalog (created by the system actor); returns its id as the wire shows it."""
    product = await on_app_loop(
        app,
        app.state.container.products.create_product,
        system(),
        name=name or unique_name(),
        price=price,
        stock_quantity=stock,
    )
    return str(product.id)


async def delete_product(app: Litestar, product_id: str) -> None:
    await on_app_loop(app, app.state.container.products.delete_product, system(), UUID(product_id))


async def add_group(app: Litestar, name: str | None = None, *, members: tuple[str, ...] = ()) -> str:
    """A user group (with these user ids as members); returns its id as the wire shows it."""
    flags = app.state.container.flags
    group = await on_app_loop(app, flags.create_group, system(), name=name or unique_name("group").replace(" ", "_"))
    for member in members:
        await on_app_loop(app, flags.add_member, system(), group.id, UUID(member))
    return str(group.id)


async def add_flag(app: Litestar, name: str, *, enabled: bool = True, targets: tuple[str, ...] = ()) -> None:
    flags = app.state.container.flags
    await on_app_loop(app, flags.create_flag, system(), name=name, enabled=enabled, description="")
    if targets:
        await on_app_loop(app, flags.set_targets, system(), name, {UUID(target) for target in targets})


async def user_id_of(db: asyncpg.Connection, username: str) -> str:
    return str(await db.fetchval("SELECT id FROM app_user WHERE username = $1", username))


async def add_coupon(
    db: asyncpg.Connection, code: str, percent: str = "10.00", *, expires_at: datetime | None = None
) -> UUID:
    coupon_id = uuid4()
    await db.execute(
        "INSERT INTO coupon (id, tenant_id, code, discount_percent, expires_at, created_at, version) "
        "VALUES ($1, $2, $3, $4, $5, $6, 1)",
        coupon_id,
        get_settings().app.default_tenant_id,
        code,
        Decimal(percent),
        expires_at or utc_now() + timedelta(days=30),
        utc_now(),
    )
    return coupon_id


async def fill_cart(client: Client, headers: dict[str, str], product_id: str, quantity: int = 1) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/cart/items/", json={"product_id": product_id, "quantity": quantity}, headers=headers
    )
    assert response.status_code == 200, response.text
    cart: dict[str, Any] = response.json()
    return cart
