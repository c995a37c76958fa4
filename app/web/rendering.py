"""Rendering pages and HTMX partials from the same templates.

A full page and its HTMX partial are one template: the partial is a named block of the page
rendered alone (jinja2-fragments), so the two can never drift apart.
"""

from __future__ import annotations

from typing import Any

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request
from litestar.response import Template
from litestar.types import Scope

from app.settings import get_settings
from app.web.cart_badge import cart_badge_count
from app.web.csrf import csrf_token
from app.web.current_user import current_user, enabled_flags
from app.web.flash import pop_flashes
from app.web.tenancy import current_tenant
from app.web.user_agents import describe_user_agent


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"


def base_context(scope: Scope) -> dict[str, Any]:
    settings = get_settings()
    query = scope.get("query_string", b"").decode("latin-1")
    tenant = current_tenant(scope)
    return {
        "app_name": tenant.name if tenant is not None else settings.app.name,  # the header says which shop this is
        "is_development": settings.app.is_development,
        "current_user": current_user(scope) if "emporium_user" in scope["state"] else None,
        "enabled_flags": enabled_flags(scope),  # `{% if "new_checkout" in enabled_flags %}`
        "request_path": scope["path"] + (f"?{query}" if query else ""),
        "cart_count": cart_badge_count(scope),
    }


def render(
    request: Request[Any, Any, Any],
    template_name: str,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    """The whole page, or just `block` of it when HTMX asks.

    Templates see `partial` (true when only the block is rendered): a partial may carry
    out-of-band swaps for other parts of the page, which in a whole page would be duplicates.
    """
    full_context = {**base_context(request.scope), "partial": False, **context}
    if block is not None and is_htmx(request):
        return HTMXBlockTemplate(
            template_name=template_name,
            block_name=block,
            context={**full_context, "partial": True},
            status_code=status_code,
            headers=headers,
        )
    return Template(template_name=template_name, context=full_context, status_code=status_code, headers=headers)


def template_globals() -> dict[str, Any]:
    """Callables every template may use; each receives the render context."""
    return {
        "csrf_token": lambda ctx: csrf_token(ctx["request"].scope),
        "get_flashes": lambda ctx: pop_flashes(ctx["request"].scope),
    }


def format_money(value: Any) -> str:
    """`$1,234.50` (money is Decimal; this only formats)."""
    return f"${value:,.2f}"


def format_datetime(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def format_clock(value: Any) -> str:
    """`14:05 UTC`: a time later today, such as when a cart's reservation lapses."""
    return value.strftime("%H:%M UTC") if value else ""


def format_percent(value: Any) -> str:
    """`10%`, `12.5%` (a Decimal percentage without trailing zeros)."""
    return f"{value.normalize():f}%"


def template_filters() -> dict[str, Any]:
    return {
        "money": format_money,
        "datetime": format_datetime,
        "clock": format_clock,
        "percent": format_percent,
        "device": describe_user_agent,
    }


def page_url(path: str, params: dict[str, Any]) -> Any:
    """A callable n → URL of page n that keeps the other query parameters."""
    from urllib.parse import urlencode

    kept = {k: v for k, v in params.items() if v not in (None, "", False) and k != "page"}

    def url(number: int) -> str:
        return f"{path}?{urlencode({**kept, 'page': number})}"

    return url
