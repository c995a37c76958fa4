"""Guards of v1 routes: the login check runs before any input is read, as in the original (401 before 400)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from app.services.authorization import require_login
from app.web.current_user import current_user


def login_required(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """401 `{"error": "Authentication required"}` for an anonymous caller (the services check roles)."""
    require_login(current_user(connection.scope))
