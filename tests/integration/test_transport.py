"""What goes over the wire: gzip for text, hashed static names cached for a year, HEAD, the favicon."""

from __future__ import annotations

import gzip
import html
import re
from urllib.parse import unquote

import asyncpg
import brotli
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.web.compression import accepts, accepts_gzip
from app.web.static_files import BUNDLES, without_comment_lines, without_css_comments
from tests.integration.test_shop_pages import product

Client = AsyncTestClient[Litestar]
GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}
BROTLI = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium sends


def hashed_url(html: str, name: str) -> str:
    stem, suffix = name.rsplit(".", 1)
    match = re.search(rf'"(/static/{re.escape(stem)}\.[0-9a-f]{{10}}\.{suffix})"', html)
    assert match, f"no hashed URL for {name}"
    return match.group(1)


async def test_pages_css_js_and_json_are_gzipped_for_clients_that_accept_it(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    for _ in range(5):
        await product(app, db)
    page = await client.get("/", headers=GZIP)
    css = await client.get(hashed_url(page.text, "css/emporium.css"), headers=GZIP)
    js = await client.get(hashed_url(page.text, "js/shop.js"), headers=GZIP)
    api = await client.get("/api/v1/products/", headers=GZIP)

    for response in (page, css, js, api):
        assert response.headers["content-encoding"] == "gzip", response.url
        assert "Accept-Encoding" in response.headers["vary"]
    assert "<html" in page.text and ":root" in css.text and len(api.json()["results"]) == 5  # decoded as sent
    assert css.num_bytes_downloaded < len(css.content) / 2


async def test_without_accept_encoding_gzip_the_body_is_sent_as_it_is(client: Client):
    page = await client.get("/", headers=PLAIN)

    assert "content-encoding" not in page.headers
    assert int(page.headers["content-length"]) == len(page.content)
    assert "Accept-Encoding" in page.headers["vary"]  # a cache must not hand this to a gzip client or back


async def test_small_bodies_and_images_are_not_compressed(client: Client):
    small = await client.get("/health/live", headers=GZIP)
    icon = await client.get("/favicon.ico", headers=GZIP)

    assert "content-encoding" not in small.headers and "content-encoding" not in icon.headers
    assert icon.headers["content-type"] == "image/vnd.microsoft.icon"


async def test_a_compressed_static_file_is_a_valid_gzip_stream_with_a_weak_etag(client: Client):
    url = "/static/js/shop.js"  # the plain name: revalidated after its five minutes, so it has an ETag
    plain = await client.get(url, headers=PLAIN)
    async with client.stream("GET", url, headers=GZIP) as streamed:
        raw = b"".join([chunk async for chunk in streamed.aiter_raw()])

    assert gzip.decompress(raw) == plain.content
    assert streamed.headers["etag"] == f"W/{plain.headers['etag']}"


async def test_immutable_answers_carry_no_validators_download_name_or_request_id(client: Client):
    """A browser never revalidates an `immutable` file within its year, nor saves it under a name, so
    `ETag`, `Last-Modified` and `Content-Disposition` (which Litestar's `File` adds) go unused on a
    hashed static file; its request id is in the access log, and a 200 of a fixed file has nothing
    to trace. ~150 bytes a response on HTTP/1.1 (docs/performance.md, third round). Errors keep the id."""
    page = await client.get("/", headers=PLAIN)
    url = hashed_url(page.text, "css/emporium.css")
    for method in ("GET", "HEAD"):
        for headers in (PLAIN, GZIP, BROTLI):
            response = await client.request(method, url, headers=headers)
            assert response.status_code == 200
            for name in ("etag", "last-modified", "content-disposition", "x-request-id", "server"):
                assert name not in response.headers, (method, headers, name)
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert response.headers["content-type"] == "text/css; charset=utf-8"
            assert response.headers["x-content-type-options"] == "nosniff"
    missing = await client.get("/static/css/emporium.0000000000.css")
    assert missing.status_code == 404 and missing.headers["x-request-id"]
    assert page.headers["x-request-id"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("", False),
        ("gzip;q=x", False),
    ],
)
def test_accept_encoding_is_read_with_its_quality_values(header: str, expected: bool):
    assert accepts_gzip(header) is expected


async def test_hashed_static_names_are_cached_for_a_year_and_plain_names_briefly(client: Client):
    page = await client.get("/")
    hashed = await client.get(hashed_url(page.text, "css/emporium.css"))
    plain = await client.get("/static/css/emporium.css")

    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["cache-control"] == "public, max-age=300"
    assert hashed.content == plain.content
    assert hashed.headers["content-type"] == "text/css; charset=utf-8"


async def test_a_made_up_hash_or_a_missing_file_is_a_404(client: Client):
    assert (await client.get("/static/css/emporium.0000000000.css")).status_code == 404
    assert (await client.get("/static/css/nothing.css")).status_code == 404


async def test_head_on_a_static_file_answers_its_headers_without_a_body(client: Client):
    get = await client.get("/static/js/forms.js", headers=PLAIN)
    head = await client.head("/static/js/forms.js", headers=PLAIN)

    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["content-type"] == get.headers["content-type"]
    assert "content-encoding" not in head.headers and head.headers["vary"] == "Accept-Encoding"


async def test_head_answers_what_a_gzipped_get_would_send_when_the_client_accepts_gzip(client: Client):
    get = await client.get("/static/js/forms.js", headers=GZIP)
    head = await client.head("/static/js/forms.js", headers=GZIP)

    assert head.status_code == 200 and head.content == b""
    assert get.headers["content-encoding"] == head.headers["content-encoding"] == "gzip"
    for name in ("content-type", "vary", "etag", "cache-control"):
        assert head.headers.get(name) == get.headers.get(name), name
    assert "content-length" not in head.headers  # the compressed length is not known without compressing


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "outlet.localhost", "nowhere.example"])
async def test_the_favicon_answers_on_every_host(client: Client, host: str):
    for method in ("GET", "HEAD"):
        response = await client.request(method, f"http://{host}/favicon.ico")
        assert response.status_code == 200, (method, host)
    assert response.headers["cache-control"].startswith("public")


async def test_pages_link_the_hashed_stylesheet_and_script_and_carry_the_icon(client: Client):
    page = (await client.get("/")).text

    for name in ("css/emporium.css", "js/shop.js"):
        hashed_url(page, name)
    assert '"/static/css/emporium.css"' not in page
    # The icon is in the page (one request fewer on a first view), the same SVG as the file.
    match = re.search(r'<link rel="icon" href="data:image/svg\+xml,([^"]+)" type="image/svg\+xml">', page)
    assert match, "no inline icon"
    svg = (await client.get("/static/img/favicon.svg", headers=PLAIN)).text
    assert unquote(html.unescape(match.group(1))) == " ".join(svg.split()).replace('"', "'")


async def test_hashed_static_files_go_as_brotli_to_clients_that_accept_it(client: Client):
    page = await client.get("/", headers=BROTLI)
    url = hashed_url(page.text, "js/shop.js")
    plain = await client.get(url, headers=PLAIN)
    gzipped = await client.get(url, headers=GZIP)
    sent = []
    for _ in range(2):  # compressed the first time, from memory the second: the same bytes
        async with client.stream("GET", url, headers=BROTLI) as streamed:
            sent.append((b"".join([chunk async for chunk in streamed.aiter_raw()]), streamed.headers))

    (raw, headers), (again, _) = sent
    assert headers["content-encoding"] == "br" and "Accept-Encoding" in headers["vary"]
    assert brotli.decompress(raw) == plain.content and again == raw
    assert int(headers["content-length"]) == len(raw) < gzipped.num_bytes_downloaded
    assert "etag" not in headers  # immutable: never revalidated (above)
    assert headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_pages_go_as_streamed_brotli_5_to_clients_that_accept_it_and_gzip_to_others(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    for _ in range(5):
        await product(app, db)
    async with client.stream("GET", "/", headers=BROTLI) as streamed:
        raw = b"".join([chunk async for chunk in streamed.aiter_raw()])
    plain = await client.get("/", headers=PLAIN)
    gzipped = await client.get("/", headers=GZIP)

    assert streamed.headers["content-encoding"] == "br" and "Accept-Encoding" in streamed.headers["vary"]
    assert gzipped.headers["content-encoding"] == "gzip"
    text = brotli.decompress(raw).decode()
    card = '<li class="product-card"'
    assert "<html" in text and text.count(card) == plain.text.count(card) == 5
    assert len(raw) < gzipped.num_bytes_downloaded  # quality 5 (docs/adr/0013)
    api = await client.get("/api/v1/products/", headers=BROTLI)
    assert api.headers["content-encoding"] == "br" and len(api.json()["results"]) == 5


async def test_plain_static_names_and_large_files_are_streamed_brotli_5_not_kept_at_11(client: Client):
    plain_name = await client.get("/static/vendor/htmx-2.0.11.min.js", headers=BROTLI)  # cached briefly, not immutable
    page = await client.get("/api/docs", headers=BROTLI)
    url = hashed_url(page.text, "vendor/swagger-ui-bundle-5.35.0.js")
    swagger = await client.get(url, headers=BROTLI)
    gzipped = await client.get(url, headers=GZIP)

    assert plain_name.headers["content-encoding"] == "br" and "etag" in plain_name.headers
    # Above BROTLI_MAXIMUM_SIZE (seconds at quality 11): compressed as it streams, like a page.
    assert swagger.headers["content-encoding"] == "br" and "content-length" not in swagger.headers
    assert gzipped.headers["content-encoding"] == "gzip"
    assert swagger.text == gzipped.text and "SwaggerUIBundle" in swagger.text


async def test_head_on_a_hashed_static_file_answers_what_a_brotli_get_would_send(client: Client):
    page = await client.get("/", headers=PLAIN)
    url = hashed_url(page.text, "css/emporium.css")
    get = await client.get(url, headers=BROTLI)
    head = await client.head(url, headers=BROTLI)

    assert head.status_code == 200 and head.content == b""
    assert get.headers["content-encoding"] == head.headers["content-encoding"] == "br"
    for name in ("content-type", "vary", "etag", "cache-control"):
        assert head.headers.get(name) == get.headers.get(name), name


@pytest.mark.parametrize(
    ("header", "expected"),
    [("gzip, deflate, br, zstd", True), ("br;q=0.5", True), ("br;q=0", False), ("gzip", False), ("*", True)],
)
def test_brotli_is_accepted_by_its_name_or_a_star_without_q_0(header: str, expected: bool):
    assert accepts(header, "br") is expected


async def test_the_script_bundle_is_htmx_its_sse_extension_and_the_shops_scripts_in_order(client: Client):
    page = await client.get("/", headers=PLAIN)
    bundle = (await client.get(hashed_url(page.text, "js/shop.js"), headers=PLAIN)).text
    parts = {}
    for name in BUNDLES["js/shop.js"]:
        text = (await client.get(f"/static/{name}", headers=PLAIN)).text.rstrip()
        # Ours go without their whole-line comments (each kept a comment at least, and code after it).
        parts[name] = text if name.startswith("vendor/") else without_comment_lines(text.encode()).decode()
        assert parts[name] in bundle, name
        assert name.startswith("vendor/") or len(parts[name]) < len(text), name

    positions = [bundle.index(text) for text in parts.values()]
    assert positions == sorted(positions)  # htmx before its extension, both before the scripts that use them
    assert bundle.startswith(parts["vendor/htmx-2.0.11.min.js"])
    # Each of ours runs in its own function, so its "use strict" directive still applies to it alone.
    assert f"(function () {{\n{parts['js/forms.js']}\n}})();" in bundle
    assert '"use strict";' in parts["js/forms.js"]
    assert page.text.count("<script ") == 1  # one script for the whole page


def test_a_served_stylesheet_loses_its_comments_and_indentation_not_its_strings():
    css = b"""/* The card. */
.card {
  color: red; /* why */
  content: "/* kept */";
}

.a::before { content: 'it\\'s /* too'; }
"""
    assert without_css_comments(css) == b""".card {
color: red;
content: "/* kept */";
}
.a::before { content: 'it\\'s /* too'; }
"""


def test_a_bundled_script_loses_its_comment_lines_but_not_code_strings_or_template_literals():
    script = b"""// What it does.
"use strict";
const url = "http://example.com"; // trailing: kept
const text = `first
// inside a template literal: kept
`;
  // indented: gone
run();"""
    assert without_comment_lines(script) == b""""use strict";
const url = "http://example.com"; // trailing: kept
const text = `first
// inside a template literal: kept
`;
run();"""
