"""Flash messages: set before a redirect, shown once by the next page."""

from __future__ import annotations

from typing import Literal

from litestar.types import Scope

from app.domain.parsing import storable
from app.web.sessions import get_session

Category = Literal["success", "info", "error"]


def flash(scope: Scope, category: Category, message: str) -> None:
    """Keep the message for the next page; what the session row cannot hold (a NUL echoed from a URL) is left out."""
    session = get_session(scope)
    session["_flashes"] = [*session.get("_flashes", []), [category, storable(message)]]


def pop_flashes(scope: Scope) -> list[tuple[str, str]]:
    session = get_session(scope)
    if "_flashes" not in session:
        return []
    flashes = session["_flashes"]
    del session["_flashes"]
    return [(category, message) for category, message in flashes]
