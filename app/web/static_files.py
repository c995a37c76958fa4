"""Static files: a name no file could have (a NUL, a part longer than a file name may be) is a 404 at once.

Without this guard the file system itself refuses such a name (`ValueError`, `OSError: File name too
long`), and that surfaced as a 500.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler

MAX_NAME_LENGTH = 255
"""The longest file name most file systems allow (bytes, in UTF-8)."""


def plain_file_names(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    for part in connection.scope["path"].split("/"):
        if "\x00" in part or not part.isprintable() or len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_LENGTH:
            raise NotFoundException()
