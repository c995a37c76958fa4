"""Where the browser goes after a form post: back to a page of this site, or to login and back.

A plain form gets a 303 (the browser then GETs the page: refresh never re-posts). An HTMX request
gets `HX-Redirect`, which htmx turns into a full page load, so flash messages show the same way.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.response import Redirect

from app.web.flash import flash, pop_flashes
from app.web.rendering import is_htmx
from app.web.sessions import get_session

SIGNED_IN_HEADER = "X-Signed-In"
"""Sent by every HTMX request of a page rendered for a signed-in person (base.html's `hx-headers`)."""
SESSION_ENDED = "Your session ended. Log in to carry on where you were."


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never redirect a shopper to another site after login or a form post."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def current_page(request: Request[Any, Any, Any]) -> str:
    """The page the person is looking at: a GET's own URL; for a form post, the page that posted it.

    Sending someone back to a POST's URL after logging in would answer 405, so a post returns to the
    page named by htmx's `HX-Current-URL` or the browser's `Referer`, when it is a page of this site.
    """
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    for header in ("HX-Current-URL", "Referer"):
        origin = urlsplit(request.headers.get(header, ""))
        if origin.netloc == request.url.netloc and origin.path:
            return origin.path + (f"?{origin.query}" if origin.query else "")
    return "/"


def see_other(request: Request[Any, Any, Any], url: str) -> Response[Any]:
    if is_htmx(request):
        return Response(None, status_code=204, headers={"HX-Redirect": url})
    return Redirect(url, status_code=303)


def session_ended(request: Request[Any, Any, Any]) -> bool:
    """An HTMX request from a signed-in page whose session is gone (logged out or ended in another tab, expired)."""
    return request.headers.get(SIGNED_IN_HEADER) == "true" and "user_id" not in get_session(request.scope)


def to_login(request: Request[Any, Any, Any], back_to: str) -> Response[Any]:
    """To the login page, which returns the shopper to `back_to` (the page, not the form's action).

    When the session ended under an open page, the login page says so instead of the action's own note.
    """
    if is_htmx(request) and session_ended(request):
        pop_flashes(request.scope)
        flash(request.scope, "info", SESSION_ENDED)
    return see_other(request, "/login?next=" + quote(safe_next(back_to)))
