"""Security headers on every kind of response: a page, the JSON API, 404s and refusals; subresources get nosniff."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def assert_hardened(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    policy = headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe" not in policy
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    for name, value in EXPECTED.items():
        assert headers[name] == value, name
    assert "camera=()" in headers["permissions-policy"]
    assert "strict-transport-security" not in headers  # plain HTTP: HSTS means nothing here


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),  # a page
        ("/api/v1/products/", 200),  # the JSON API
        ("/static/img/favicon.svg", 200),  # an SVG is a document type: it could hold script
        ("/no-such-page", 404),  # a page that does not exist
        ("/api/v1/no-such-resource/", 404),  # the API's 404
        ("/cart", 303),  # a redirect to the login
        ("/health/live", 200),
    ],
)
async def test_every_kind_of_response_carries_the_security_headers(client: Client, path: str, status: int):
    response = await client.get(path)

    assert response.status_code == status
    assert_hardened(response)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/css/emporium.css", "text/css"),
        ("/static/js/forms.js", "text/javascript"),
        ("/favicon.ico", "image/vnd.microsoft.icon"),
    ],
)
async def test_a_stylesheet_script_or_raster_picture_gets_only_nosniff(client: Client, path: str, content_type: str):
    response = await client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] in {content_type, "application/javascript", "image/x-icon"}
    assert response.headers["x-content-type-options"] == "nosniff"
    for document_only in ("content-security-policy", "x-frame-options", "referrer-policy", "permissions-policy"):
        assert document_only not in response.headers, document_only


async def test_a_refused_form_post_carries_them_too(client: Client):
    response = await client.post("/login", data={"username": "x", "password": "y"})  # no CSRF token

    assert response.status_code == 403
    assert_hardened(response)


async def test_hsts_is_sent_only_when_the_request_came_over_https(app: Litestar):
    async with AsyncTestClient(app=app, base_url="https://shop.example") as client:
        response = await client.get("/health/live")

    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
