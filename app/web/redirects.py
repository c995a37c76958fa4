"""Where the browser goes after a form post: back to a page of this site, or to login and back.

A plain form gets a 303 (the browser then GETs the page: refresh never re-posts). An HTMX request
gets `HX-Redirect`, which htmx turns into a full page load, so flash messages show the same way.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect

from app.web.rendering import is_htmx


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never redirect a shopper to another site after login or a form post."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def see_other(request: Request[Any, Any, Any], url: str) -> Response[Any]:
    if is_htmx(request):
        return Response(None, status_code=204, headers={"HX-Redirect": url})
    return Redirect(url, status_code=303)


def to_login(request: Request[Any, Any, Any], back_to: str) -> Response[Any]:
    """To the login page, which returns the shopper to `back_to` (the page, not the form's action)."""
    return see_other(request, "/login?next=" + quote(safe_next(back_to)))
