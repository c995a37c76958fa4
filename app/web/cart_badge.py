"""The header's cart badge without a query per page: the shopper's item count, kept in the session.

Every handler that changes or reads the cart stores the count the cart now has (`remember_cart`),
and every page's header reads it back (`cart_badge_count`, through `rendering.base_context`), so
rendering a page, and serving a static file, never queries the database for it.

A stored count can go out of date without this browser doing anything: the expiry job empties a
cart once its reservation lapses, and another browser or an API client may change it. So the
shopper pages (catalog, product, orders) call `refresh_cart_badge`, which re-reads the cart only
when the count is missing, its reservation has lapsed, or it is older than `RECHECK_SECONDS`: one
cart read every few minutes per shopper instead of one per page. Other pages (admin, login) show
the last count stored.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar import Request
from litestar.types import Scope

from app.domain.carts import Cart
from app.domain.users import Capability, UserContext
from app.services.carts import CartService
from app.web.current_user import USER_STATE_KEY
from app.web.sessions import SESSION_STATE_KEY, get_session

_SESSION_KEY = "cart_badge"
RECHECK_SECONDS = 300


def remember_cart(scope: Scope, cart: Cart, hold: timedelta) -> None:
    lapses_at = cart.reservation_expires_at(hold)
    remember_cart_count(scope, cart.user_id, cart.item_count, lapses_at.timestamp() if lapses_at else None)


def remember_cart_count(scope: Scope, user_id: UUID, count: int, lapses_at: float | None = None) -> None:
    get_session(scope)[_SESSION_KEY] = {
        "user_id": str(user_id),
        "count": count,
        "checked_at": time.time(),
        "lapses_at": lapses_at,
    }


def cart_badge_count(scope: Scope) -> int:
    """The last known number of items in the current user's cart (0 when unknown)."""
    entry = _entry(scope)
    return int(entry["count"]) if entry else 0


async def refresh_cart_badge(request: Request[Any, Any, Any], user: UserContext, carts: CartService) -> None:
    """Re-read the cart if the stored count is missing or may be out of date."""
    if not user.can(Capability.CART_VIEW):
        return
    entry = _entry(request.scope)
    now = time.time()
    if (
        entry is None
        or now - entry["checked_at"] > RECHECK_SECONDS
        or (entry["lapses_at"] is not None and now >= entry["lapses_at"])
    ):
        remember_cart(request.scope, await carts.get_cart(user), carts.reservation_hold)


def _entry(scope: Scope) -> dict[str, Any] | None:
    state = scope["state"]
    if SESSION_STATE_KEY not in state or USER_STATE_KEY not in state:
        return None  # a request that never reached the session layer (e.g. a failure before it)
    entry: dict[str, Any] | None = get_session(scope).get(_SESSION_KEY)
    user: UserContext = state[USER_STATE_KEY]
    # A session that changed hands (login as someone else without logging out) must not show their cart.
    if entry is None or user.user_id is None or entry.get("user_id") != str(user.user_id):
        return None
    return entry
