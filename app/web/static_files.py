"""Static files: content-hashed names cached for a year, plain names for a few minutes, and the favicon.

`StaticAssets` hashes every file under app/static once, when the app is built: a template asks
`static_url('css/emporium.css')` and gets `/static/css/emporium.<hash>.css`, which never changes
while the file stays the same, so browsers may keep it (`immutable`) and a changed file gets a new
name. The plain name still answers, with a short cache, for anything that links it directly.

`BUNDLES` are files made of others at start: `js/shop.js` is htmx, its SSE extension and the shop's
small scripts in one response (one request instead of six on a first view, one brotli window: issue
11's 40 KB first view). The shop's own files are each wrapped in a function, so their `"use strict"`
stays theirs and their top-level names stay in their file; the vendored ones go in as they are.
The parts still answer under their own names.

A name no file could have (a NUL, a part longer than a file name may be) is a 404 at once: without
that guard the file system itself refuses such a name (`ValueError`, `OSError: File name too long`),
and that surfaced as a 500.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from litestar import Router, get, head
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath
from litestar.response import File

MAX_NAME_LENGTH = 255
"""The longest file name most file systems allow (bytes, in UTF-8)."""
HASHED_CACHE = "public, max-age=31536000, immutable"
PLAIN_CACHE = "public, max-age=300"
"""Five minutes: a page that links a plain name sees a changed file soon, and a reload revalidates (ETag)."""
FAVICON = "img/favicon.ico"
BUNDLES: dict[str, tuple[str, ...]] = {
    "js/shop.js": (
        "vendor/htmx-2.0.11.min.js",
        "vendor/htmx-ext-sse-2.2.4.min.js",
        "js/countdown.js",
        "js/local-times.js",
        "js/forms.js",
        "js/failures.js",
    ),
}
"""A bundle's name and its parts, in order; `vendor/` parts are taken as they are, the others wrapped."""


def bundle(directory: Path, parts: tuple[str, ...]) -> bytes:
    """The parts joined, each of ours as `(function () { … })();` (a directive prologue survives that)."""
    pieces = []
    for part in parts:
        text = (directory / part).read_bytes().rstrip()
        if part.startswith("vendor/"):
            pieces.append(text if text.endswith(b";") else text + b";")
        else:
            pieces.append(b"(function () {\n" + text + b"\n})();")
    return b"\n".join(pieces) + b"\n"


def plain_file_names(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    for part in connection.scope["path"].split("/"):
        if "\x00" in part or not part.isprintable() or len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_LENGTH:
            raise NotFoundException()


def hashed_name(name: str, content: bytes) -> str:
    """`css/emporium.css` → `css/emporium.1a2b3c4d5e.css` (the first 10 hex digits of its SHA-256)."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(content).hexdigest()[:10]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


class StaticAssets:
    """The files under one directory, by plain and by hashed name; read once, at start."""

    def __init__(self, directory: Path, bundles: dict[str, tuple[str, ...]] | None = None) -> None:
        self.directory = directory
        self._hashed: dict[str, str] = {}  # plain name → hashed name
        self._plain: dict[str, str] = {}  # hashed name → plain name
        self._bundles: dict[str, Path] = {}  # plain name → where it was written, for files made of others
        for file in sorted(p for p in directory.rglob("*") if p.is_file()):
            name = file.relative_to(directory).as_posix()
            self._add(name, file.read_bytes())
        # Written out once, so a bundle is served as a file like the others (HEAD, ETag, Last-Modified).
        self._bundle_dir = tempfile.TemporaryDirectory(prefix="emporium-static-")
        for name, parts in (BUNDLES if bundles is None else bundles).items():
            if name in self._hashed:
                raise ValueError(f"bundle {name!r} would hide the file of that name under {directory}")
            content = bundle(directory, parts)
            path = Path(self._bundle_dir.name) / name.replace("/", "-")
            path.write_bytes(content)
            newest = max((directory / part).stat().st_mtime for part in parts)
            os.utime(path, (newest, newest))  # the same Last-Modified and ETag in every web process
            self._bundles[name] = path
            self._add(name, content)

    def _add(self, name: str, content: bytes) -> None:
        hashed = hashed_name(name, content)
        self._hashed[name] = hashed
        self._plain[hashed] = name

    def url(self, name: str) -> str:
        """The hashed URL of a file; a name that is not there is a mistake in a template, so it raises."""
        try:
            return f"/static/{self._hashed[name]}"
        except KeyError:
            raise LookupError(f"no static file {name!r} under {self.directory}") from None

    @cache  # noqa: B019 (one StaticAssets per app, alive as long as it)
    def data_url(self, name: str) -> str:
        """A small SVG as a `data:` URL, for the page to carry it instead of one more request (the favicon).

        Double quotes become single ones (the same SVG) and what a URL may not hold is %-escaped, so
        the URL sits in an HTML attribute as it is: 175 bytes of favicon.svg make a 213-character URL.
        """
        path = self.directory / name
        if path.suffix != ".svg" or not path.is_file():
            raise LookupError(f"no SVG file {name!r} under {self.directory}")
        svg = " ".join(path.read_text(encoding="utf-8").split()).replace('"', "'")
        return "data:image/svg+xml," + quote(svg, safe=" /:=;,'()")

    def response(self, requested: str) -> File:
        """The file a request names, by hashed name (cached a year) or plain name (cached briefly)."""
        if requested in self._plain:
            name, cache = self._plain[requested], HASHED_CACHE
        elif requested in self._hashed:
            name, cache = requested, PLAIN_CACHE
        else:
            raise NotFoundException()
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return File(
            path=self._bundles.get(name) or self.directory / name,
            filename=PurePosixPath(name).name,
            media_type=media_type,
            content_disposition_type="inline",
            headers={"cache-control": cache},
        )


def static_files_router(assets: StaticAssets) -> Router:
    """GET and HEAD under /static/, and /favicon.ico (browsers ask for it on every host)."""

    @get("/static/{file_path:path}", name="static", sync_to_thread=False)
    def static_file(file_path: FromPath[str]) -> File:
        return assets.response(file_path.lstrip("/"))

    @head("/static/{file_path:path}", name="static-head", sync_to_thread=False)
    def static_file_head(file_path: FromPath[str]) -> File:
        return assets.response(file_path.lstrip("/"))

    @get(["/favicon.ico"], name="favicon", sync_to_thread=False)
    def favicon() -> File:
        return assets.response(FAVICON)

    @head(["/favicon.ico"], name="favicon-head", sync_to_thread=False)
    def favicon_head() -> File:
        return assets.response(FAVICON)

    return Router(
        path="/",
        route_handlers=[static_file, static_file_head, favicon, favicon_head],
        include_in_schema=False,
        guards=[plain_file_names],
    )
