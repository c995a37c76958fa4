"""Which handlers an `/api/…` path reaches: unversioned paths are v1's, versioned and reference paths stay."""

from __future__ import annotations

import pytest

from app.web.api_versions import default_version_path


@pytest.mark.parametrize(
    ("path", "routed"),
    [
        ("/api/products/", "/api/v1/products/"),
        ("/api/auth/login", "/api/v1/auth/login"),
        ("/api/", "/api/v1/"),
        ("/api/v1/products/", "/api/v1/products/"),
        ("/api/v2/products", "/api/v2/products"),
        ("/api/v3/products", "/api/v3/products"),  # an unknown version stays one: its 404 lists the supported
        ("/api/v2", "/api/v2"),
        ("/api/docs", "/api/docs"),
        ("/api/vip/", "/api/v1/vip/"),  # "v" and digits only name a version
        ("/api", "/api"),
        ("/apis/products", "/apis/products"),
        ("/products/", "/products/"),
    ],
)
def test_an_unversioned_api_path_stands_for_the_same_path_under_v1(path: str, routed: str) -> None:
    assert default_version_path(path) == routed
