"""API v2's list pages: `limit` and `cursor` as every list endpoint takes them, and the `Link: rel="next"` header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.params import Parameter

from app.domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Cursor, Slice, Sort

Row = TypeVar("Row")
Item = TypeVar("Item")
Body = TypeVar("Body")

Limit = Annotated[
    int,
    Parameter(
        ge=1, le=MAX_PAGE_SIZE, description=f"Items per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."
    ),
]
CursorParameter = Annotated[
    str | None, Parameter(description="`next_cursor` of the previous page (absent: the first page).", max_length=2048)
]

NEXT_PAGE_HEADERS = [
    ResponseHeader(
        name="Link",
        description='`<path?query&cursor=…>; rel="next"`: the next page (absent on the last one).',
        required=False,
        documentation_only=True,
    )
]
"""The `Link` header as the OpenAPI document describes it for every list."""


def decode_cursor(raw: str | None, sort: Sort) -> Cursor | None:
    """The page's starting point; a damaged, foreign or other sort's cursor is a 422 naming `cursor`."""
    return Cursor.decode(raw, sort, field="cursor") if raw is not None else None


def page_response(request: Request[Any, Any, Any], body: Any, next_cursor: Cursor | None) -> Response[Any]:
    """The page, with `Link: <same path and query, next cursor>; rel="next"` when there is a next page."""
    if next_cursor is None:
        return Response(body)
    kept = [(name, value) for name, value in request.query_params.multi_items() if name != "cursor"]
    query = urlencode([*kept, ("cursor", next_cursor.encode())])
    return Response(body, headers={"Link": f'<{request.url.path}?{query}>; rel="next"'})


def page_of(
    request: Request[Any, Any, Any],
    page: Slice[Row],
    item: Callable[[Row], Item],
    body: Callable[..., Body],
) -> Response[Body]:
    """A service's page as every v2 list answers it: `body(items=…, next_cursor=…)`, each row made an
    `item`, and the next page's `Link` header."""
    next_cursor = page.next_cursor.encode() if page.next_cursor else None
    answer = body(items=[item(row) for row in page.items], next_cursor=next_cursor)
    return page_response(request, answer, page.next_cursor)
