"""What goes over the wire: gzip for text, hashed static names cached for a year, HEAD, the favicon."""

from __future__ import annotations

import gzip
import re

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.web.compression import accepts_gzip
from tests.integration.test_shop_pages import product

Client = AsyncTestClient[Litestar]
GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}


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
    js = await client.get(hashed_url(page.text, "js/forms.js"), headers=GZIP)
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
    page = await client.get("/", headers=PLAIN)
    url = hashed_url(page.text, "vendor/htmx-2.0.11.min.js")
    plain = await client.get(url, headers=PLAIN)
    async with client.stream("GET", url, headers=GZIP) as streamed:
        raw = b"".join([chunk async for chunk in streamed.aiter_raw()])

    assert gzip.decompress(raw) == plain.content
    assert streamed.headers["etag"] == f"W/{plain.headers['etag']}"


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


async def test_pages_link_the_hashed_stylesheet_scripts_and_icon(client: Client):
    page = (await client.get("/")).text

    for name in ("css/emporium.css", "vendor/htmx-2.0.11.min.js", "js/forms.js", "img/favicon.svg"):
        hashed_url(page, name)
    assert '"/static/css/emporium.css"' not in page
