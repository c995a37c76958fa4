"""Conditional requests (RFC 9110 §13): strong ETags from an aggregate's version, If-Match and If-None-Match.

An ETag is the version in quotes (`"7"`). `If-Match` compares strongly: a weak tag (`W/"7"`)
never matches, `*` matches any current version. `If-None-Match` compares weakly, as GETs do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from litestar import Request, Response

from app.domain.errors import StaleVersion
from app.web.problems import problem_response

Body = TypeVar("Body")


class PreconditionRequired(Exception):
    """A write that must say which version it changes sent no If-Match."""


class PreconditionFailed(Exception):
    """If-Match names no current version; `etag` is the current one."""

    def __init__(self, etag: str) -> None:
        super().__init__(etag)
        self.etag = etag


def etag(version: int) -> str:
    return f'"{version}"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def matched_version(request: Request[Any, Any, Any], current_version: int) -> int:
    """The version If-Match names when it is the current one; 428 without If-Match, 412 when stale."""
    header = request.headers.get("if-match")
    if header is None:
        raise PreconditionRequired()
    tags = _tags(header)
    if "*" in tags or etag(current_version) in tags:  # strong comparison: W/"…" is never equal
        return current_version
    raise PreconditionFailed(etag(current_version))


def not_modified(request: Request[Any, Any, Any], version: int) -> bool:
    """Whether If-None-Match already names this version (weak comparison: W/"7" matches "7")."""
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    tags = [tag.removeprefix("W/") for tag in _tags(header)]
    return "*" in tags or etag(version) in tags


def not_modified_response(version: int) -> Response[Any]:
    return Response(None, status_code=304, headers={"ETag": etag(version)})


def tagged(body: Body, version: int) -> Response[Body]:
    """The resource with its strong ETag."""
    return Response(body, headers={"ETag": etag(version)})


def fresh(request: Request[Any, Any, Any], version: int, render: Callable[[], Body]) -> Response[Body]:
    """A GET's answer: 304 when If-None-Match already names `version`, else `render()` with its ETag."""
    if not_modified(request, version):
        return not_modified_response(version)
    return tagged(render(), version)


@asynccontextmanager
async def stale_is_precondition_failed(current_version: Callable[[], Awaitable[int]]) -> AsyncIterator[None]:
    """Someone changed the resource between the If-Match check and the write (the write's version check
    raised StaleVersion): 412 with the ETag of what won."""
    try:
        yield
    except StaleVersion:
        raise PreconditionFailed(etag(await current_version())) from None


def precondition_required_handler(request: Request[Any, Any, Any], exc: PreconditionRequired) -> Response[Any]:
    return problem_response(428, "Send If-Match with the ETag of the version you are changing.")


def precondition_failed_handler(request: Request[Any, Any, Any], exc: PreconditionFailed) -> Response[Any]:
    return problem_response(
        412,
        "The resource changed since the version you sent in If-Match; fetch it again and re-apply your change.",
        headers={"ETag": exc.etag},
    )
