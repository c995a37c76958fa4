"""Finding a request's shop: host names without port or case, the base domain, the cached directory."""

from uuid import uuid4

import pytest

from app.domain.tenants import Tenant
from app.services.tenants import TenantDirectoryUnavailable, TenantResolver, host_name
from tests.support.fakes import FakeTenantDirectory

SHOP = Tenant(id=uuid4(), slug="shop", name="The Shop", hosts=("shop.example.com", "127.0.0.1"))
OUTLET = Tenant(id=uuid4(), slug="outlet", name="Outlet", hosts=("outlet.example.com",))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("Shop.Example.COM", "shop.example.com"),
        ("shop.example.com:8443", "shop.example.com"),
        ("shop.example.com.", "shop.example.com"),
        ("[::1]:8000", "::1"),
        ("  127.0.0.1:80 ", "127.0.0.1"),
        ("", ""),
    ],
)
def test_a_host_header_is_read_without_its_port_and_case(header: str, host: str):
    assert host_name(header) == host


async def test_exact_host_names_and_slugs_under_the_base_domain_name_their_shop():
    resolver = TenantResolver(FakeTenantDirectory([SHOP, OUTLET]), base_domain="Shops.Test.")

    assert await resolver.for_host("SHOP.example.com:8000") == SHOP
    assert await resolver.for_host("127.0.0.1:8000") == SHOP
    assert await resolver.for_host("outlet.shops.test") == OUTLET
    assert await resolver.for_slug("Outlet") == OUTLET
    for unknown in ("nowhere.example", "shops.test", "other.shops.test", "outlet.shops.test.evil.example", ""):
        assert await resolver.for_host(unknown) is None, unknown


async def test_without_a_base_domain_only_exact_host_names_count():
    resolver = TenantResolver(FakeTenantDirectory([OUTLET]))
    assert await resolver.for_host("outlet") is None
    assert await resolver.for_host("outlet.example.com") == OUTLET


async def test_the_directory_is_read_once_per_ttl_not_per_request():
    directory, clock = FakeTenantDirectory([SHOP]), Clock()
    resolver = TenantResolver(directory, ttl_seconds=30, clock=clock)
    for _ in range(100):
        await resolver.for_host("shop.example.com")
    assert directory.reads == 1

    directory.tenants.append(OUTLET)  # added by `app.cli tenant create` in another process
    clock.now += 29
    assert await resolver.for_host("outlet.example.com") is None
    clock.now += 2
    assert await resolver.for_host("outlet.example.com") == OUTLET
    assert directory.reads == 2


async def test_a_failed_reload_keeps_the_copy_in_hand_and_the_first_load_must_succeed():
    directory, clock = FakeTenantDirectory([SHOP]), Clock()
    resolver = TenantResolver(directory, ttl_seconds=30, clock=clock)
    directory.down = True
    with pytest.raises(TenantDirectoryUnavailable):
        await resolver.for_host("shop.example.com")

    directory.down = False
    assert await resolver.for_host("shop.example.com") == SHOP
    directory.down = True
    clock.now += 60
    assert await resolver.for_host("shop.example.com") == SHOP  # PostgreSQL restarting: shops still found
