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
            pieces.append(b"(function () {\n" + without_comment_lines(text) + b"\n})();")
    return b"\n".join(pieces) + b"\n"


def without_comment_lines(script: bytes) -> bytes:
    """A script of ours without its whole-line `//` comments (what it says to its reader, not the browser).

    Only lines that are a comment and nothing else go, and none inside a template literal (a line
    is in one when the code lines before it hold an odd number of backticks: a backtick in a string
    or a trailing comment only makes it keep more); code lines are kept byte for byte,
    trailing comments too. About a quarter of the shop's small scripts, ~1 KB of the bundle after brotli.
    """
    kept, in_template = [], False
    for line in script.decode("utf-8").splitlines():
        if not in_template and line.lstrip().startswith("//"):
            continue  # a backtick in a comment opens nothing
        kept.append(line)
        if line.count("`") % 2:
            in_template = not in_template
    return "\n".join(kept).encode("utf-8")


def without_css_comments(css: bytes) -> bytes:
    """A stylesheet of ours as served: its comments, indentation and blank lines left out.

    The comments explain the rules to whoever edits the file (a quarter of emporium.css, about 1 KB
    of each first view after brotli); the browser does not read them. Quoted strings are kept as
    they are (a `/*` inside one is text); nothing else is rewritten, so every rule means the same.
    """
    text, out, i = css.decode("utf-8"), [], 0
    while i < len(text):
        char = text[i]
        if char in "\"'":
            end = i + 1
            while end < len(text) and text[end] != char:
                end += 2 if text[end] == "\\" else 1
            out.append(text[i : end + 1])
            i = end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
        else:
            out.append(char)
            i += 1
    lines = (line.strip() for line in "".join(out).splitlines())
    return ("\n".join(line for line in lines if line) + "\n").encode("utf-8")


async def plain_file_names(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
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
        self._bundles: dict[str, Path] = {}  # plain name → where it was written, for files served not as stored
        # Written out once, so a bundle or a served stylesheet is a file like the others (HEAD, ETag).
        self._bundle_dir = tempfile.TemporaryDirectory(prefix="emporium-static-")
        for file in sorted(p for p in directory.rglob("*") if p.is_file()):
            name = file.relative_to(directory).as_posix()
            content = file.read_bytes()
            if file.suffix == ".css" and not name.startswith("vendor/"):
                content = without_css_comments(content)
                self._bundles[name] = self._write(name, content, file.stat().st_mtime)
            self._add(name, content)
        for name, parts in (BUNDLES if bundles is None else bundles).items():
            if name in self._hashed:
                raise ValueError(f"bundle {name!r} would hide the file of that name under {directory}")
            content = bundle(directory, parts)
            newest = max((directory / part).stat().st_mtime for part in parts)
            self._bundles[name] = self._write(name, content, newest)
            self._add(name, content)

    def _write(self, name: str, content: bytes, mtime: float) -> Path:
        path = Path(self._bundle_dir.name) / name.replace("/", "-")
        path.write_bytes(content)
        os.utime(path, (mtime, mtime))  # the same Last-Modified and ETag in every web process
        return path

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
