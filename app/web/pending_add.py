"""An anonymous "Add to cart" kept in the shopper's server-side session until they log in.

The add form's product id and quantity are stored in the session (never in the URL) when the add is
refused for want of a login; `log_in` keeps the session's data under its new id, and the login
handler takes the pending add once and runs it through the cart service like any add. Taken values
are checked again (a UUID, a quantity the form would accept, not older than `PENDING_ADD_MINUTES`):
whatever does not pass is dropped without a word. See docs/patterns/htmx-pages.md, "An add that
needs a login".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from litestar.types import Scope

from app.domain.carts import requested_quantity
from app.domain.errors import DomainError
from app.domain.events import utc_now
from app.domain.parsing import optional_id
from app.web.sessions import get_session

PENDING_ADD_KEY = "_pending_add"
PENDING_ADD_MINUTES = 30
"""How long a login may take to complete the add; after that the shopper's intent is stale."""


@dataclass(frozen=True)
class PendingAdd:
    product_id: UUID
    quantity: int


def remember_pending_add(scope: Scope, product_id: UUID, quantity: int) -> None:
    """Keep one add (the latest replaces an earlier one) for the login that follows."""
    get_session(scope)[PENDING_ADD_KEY] = {
        "product_id": str(product_id),
        "quantity": quantity,
        "at": utc_now().isoformat(),
    }


def take_pending_add(scope: Scope) -> PendingAdd | None:
    """The pending add, removed from the session; None when there is none or it does not check out."""
    session = get_session(scope)
    if PENDING_ADD_KEY not in session:
        return None
    raw = session[PENDING_ADD_KEY]
    del session[PENDING_ADD_KEY]
    return _checked(raw)


def _checked(raw: Any) -> PendingAdd | None:
    if not isinstance(raw, dict):
        return None
    product_id = optional_id(raw.get("product_id"))
    quantity = raw.get("quantity")
    if product_id is None or not isinstance(quantity, int) or isinstance(quantity, bool):
        return None
    try:
        quantity = requested_quantity(str(quantity))
        at = datetime.fromisoformat(str(raw.get("at")))
    except (DomainError, ValueError):
        return None
    if at.tzinfo is None or not timedelta(0) <= utc_now() - at <= timedelta(minutes=PENDING_ADD_MINUTES):
        return None
    return PendingAdd(product_id, quantity)
