"""The header's cart badge: a count kept in the session, re-read only when it may be out of date."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest

from app.domain.carts import Cart, CartItem
from app.domain.events import utc_now
from app.domain.users import Role, UserContext
from app.web import cart_badge
from app.web.cart_badge import cart_badge_count, refresh_cart_badge, remember_cart
from app.web.current_user import USER_STATE_KEY
from app.web.sessions import SESSION_STATE_KEY, Session

HOLD = timedelta(minutes=30)
TENANT = uuid4()


def customer() -> UserContext:
    return UserContext(user_id=uuid4(), username="alice", role=Role.CUSTOMER, tenant_id=TENANT)


def cart_of(user: UserContext, quantity: int) -> Cart:
    assert user.user_id is not None
    cart = Cart.open_for(tenant_id=TENANT, user_id=user.user_id)
    line = CartItem(
        id=uuid4(),
        product_id=uuid4(),
        product_name="Lamp",
        unit_price=Decimal("1.00"),
        quantity=quantity,
        added_at=utc_now(),
    )
    cart.items.append(line)
    return cart


class FakeCarts:
    reservation_hold = HOLD

    def __init__(self, cart: Cart) -> None:
        self.cart = cart
        self.reads = 0

    async def get_cart(self, user: UserContext) -> Cart:
        self.reads += 1
        return self.cart


def request_of(user: UserContext) -> Any:
    return SimpleNamespace(scope={"state": {SESSION_STATE_KEY: Session(None), USER_STATE_KEY: user}})


async def test_a_stored_count_is_shown_without_reading_the_cart():
    alice = customer()
    request, carts = request_of(alice), FakeCarts(cart_of(alice, 3))
    remember_cart(request.scope, cart_of(alice, 2), HOLD)

    await refresh_cart_badge(request, alice, carts)

    assert cart_badge_count(request.scope) == 2
    assert carts.reads == 0


async def test_a_missing_count_is_read_once():
    alice = customer()
    request, carts = request_of(alice), FakeCarts(cart_of(alice, 3))

    await refresh_cart_badge(request, alice, carts)
    await refresh_cart_badge(request, alice, carts)

    assert cart_badge_count(request.scope) == 3
    assert carts.reads == 1


@pytest.mark.parametrize(
    ("hold_minutes", "minutes_later"),
    [(2, 3), (30, 6)],
    ids=["the reservation lapsed", "older than the recheck interval"],
)
async def test_a_count_that_may_be_stale_is_read_again(
    monkeypatch: pytest.MonkeyPatch, hold_minutes: int, minutes_later: int
):
    alice = customer()
    request, carts = request_of(alice), FakeCarts(cart_of(alice, 5))
    remember_cart(request.scope, cart_of(alice, 2), timedelta(minutes=hold_minutes))
    now = cart_badge.time.time()
    monkeypatch.setattr(cart_badge.time, "time", lambda: now + minutes_later * 60)

    await refresh_cart_badge(request, alice, carts)

    assert cart_badge_count(request.scope) == 5


async def test_anonymous_visitors_have_no_badge_to_read():
    visitor = UserContext.anonymous(TENANT)
    request, carts = request_of(visitor), FakeCarts(cart_of(customer(), 1))

    await refresh_cart_badge(request, visitor, carts)

    assert cart_badge_count(request.scope) == 0
    assert carts.reads == 0


def test_the_count_of_another_user_in_the_same_session_is_never_shown():
    alice, bob = customer(), customer()
    request = request_of(alice)
    remember_cart(request.scope, cart_of(alice, 4), HOLD)
    request.scope["state"][USER_STATE_KEY] = bob

    assert cart_badge_count(request.scope) == 0
