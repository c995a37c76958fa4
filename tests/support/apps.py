"""The shop's app for a test: routes built once per settings and process, services fresh for each test.

Building the routes is most of what `create_app` costs (Litestar copies every handler and parses its
signature: ~0.3 s), and it is the same for every test with the same settings. What a test must not
inherit is in the container: the pools, the tenant cache, the Redis breaker, the in-memory rate
limiter. So each test gets a new container installed in a shared, already built app
(`app.main.install_services`), exactly as a web process installs its one.
"""

from __future__ import annotations

from functools import lru_cache

from litestar import Litestar

from app.main import build_web_app, create_app
from app.settings import Settings


def app_with_fresh_services(settings: Settings) -> Litestar:
    """The app for `settings` with a new container (its pools open when the test client starts it)."""
    return create_app(settings, web_app=_web_app)


@lru_cache(maxsize=4)
def _web_app(settings: Settings) -> Litestar:
    """Settings are frozen and compared by value: a test that changes one gets an app of its own."""
    return build_web_app(settings)
