"""Test data for the browser tests, made through the shop's own services on the e2e database.

Playwright's sync API keeps an event loop running in the test's thread, so each call runs its
coroutine to completion on a fresh loop in a worker thread.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ProductSpec:
    name: str
    price: str
    stock: int


@dataclass(frozen=True)
class CreatedProduct:
    id: uuid.UUID
    name: str
    price: Decimal
    stock: int


def tag() -> str:
    """A word no other test's product contains, to search for this test's products alone."""
    return uuid.uuid4().hex[:8]


def _run(work: Callable[[Any], Awaitable[T]]) -> T:
    async def with_services() -> T:
        from app.main import build_container
        from app.settings import get_settings

        container = build_container(get_settings())
        await container.database.connect()
        await container.queue.connect()
        try:
            return await work(container)
        finally:
            await container.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, with_services()).result()


def _system() -> Any:
    from app.domain.users import UserContext
    from app.settings import get_settings

    return UserContext.system(get_settings().app.default_tenant_id)


def new_customer() -> tuple[str, str]:
    """A customer of their own (an empty cart, no coupon used yet): (username, password)."""
    from app.domain.users import Role

    username, password = f"shopper-{tag()}", "shopper-password"

    async def work(services: Any) -> None:
        await services.auth.ensure_user(_system().tenant_id, username, password, Role.CUSTOMER)

    _run(work)
    return username, password


def new_products(*specs: ProductSpec) -> list[CreatedProduct]:
    async def work(services: Any) -> list[CreatedProduct]:
        created = []
        for spec in specs:
            product = await services.products.create_product(
                _system(), name=spec.name, price=spec.price, stock_quantity=spec.stock
            )
            created.append(CreatedProduct(product.id, product.name, product.price, product.stock_quantity))
        return created

    return _run(work)


def new_coupon(percent: str) -> str:
    """A coupon valid for a day; returns its code."""
    from app.domain.events import utc_now

    code = f"E2E{tag().upper()}"

    async def work(services: Any) -> None:
        await services.coupons.create_coupon(
            _system(), code=code, discount_percent=percent, expires_at=utc_now() + timedelta(days=1)
        )

    _run(work)
    return code


def new_group(name: str) -> uuid.UUID:
    """A user group with that name and a description; returns its id."""

    async def work(services: Any) -> uuid.UUID:
        group = await services.flags.create_group(_system(), name=name, description="Shoppers who try new things")
        return group.id

    return _run(work)


def new_flag(name: str) -> None:
    """A feature flag, switched off, with a description."""

    async def work(services: Any) -> None:
        await services.flags.create_flag(_system(), name=name, description="Try the new checkout")

    _run(work)


def user_id(username: str) -> uuid.UUID:
    """The id of the default shop's account with that username."""

    async def work(services: Any) -> uuid.UUID:
        return next(user.id for user in await services.users.list_users(_system()) if user.username == username)

    return _run(work)


def new_picture(product_id: uuid.UUID, image: bytes) -> None:
    """Make `image` (JPEG, PNG or WebP bytes) the product's picture; the worker makes its thumbnails."""

    async def work(services: Any) -> None:
        await services.images.upload_image(_system(), product_id, image)

    _run(work)


def expire_cart_now(username: str, queue_name: str) -> None:
    """Make the shopper's cart idle past its hold (moved back in the database, as the expiry tests do)
    and enqueue the reservation-expiry job on `queue_name` (the e2e worker's), so the running worker
    expires it now rather than at its next scheduled sweep."""
    import os

    import asyncpg

    from app.adapters.queue import build_queue
    from app.settings import get_settings

    async def work(services: Any) -> None:
        hold = get_settings().shop.cart_reservation_minutes
        connection = await asyncpg.connect(os.environ["MIGRATION_DATABASE_URL"])  # the owner: past row security
        try:
            moved = await connection.execute(
                "UPDATE cart SET last_activity_at = now() - make_interval(mins => $2 + 1)"
                " WHERE user_id = (SELECT id FROM app_user WHERE username = $1)",
                username,
                hold,
            )
        finally:
            await connection.close()
        assert moved == "UPDATE 1", moved
        queue = build_queue(get_settings().redis.url, queue_name)
        await queue.connect()
        try:
            await queue.enqueue("expire_reservations_job", timeout=60)
        finally:
            await queue.disconnect()

    _run(work)
