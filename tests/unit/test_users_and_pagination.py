from uuid import uuid4

import pytest

from app.domain.pagination import Page, PageRequest
from app.domain.users import Capability, Role, UserContext, capabilities_for


def test_admins_hold_every_capability_and_customers_the_shopping_ones():
    assert capabilities_for(Role.ADMIN) == frozenset(Capability)
    assert {str(c) for c in capabilities_for(Role.CUSTOMER)} == {
        "products:view",
        "cart:view",
        "cart:modify",
        "cart:submit",
        "orders:view_own",
    }


def test_anonymous_visitors_may_only_browse():
    anonymous = UserContext.anonymous(uuid4())
    assert not anonymous.is_authenticated
    assert anonymous.can(Capability.PRODUCTS_VIEW)
    assert not anonymous.can(Capability.CART_MODIFY)


@pytest.mark.parametrize(
    ("page", "size", "expected"),
    [(None, None, (1, 20)), ("0", "500", (1, 100)), ("-4", "0", (1, 1)), ("x", "y", (1, 20)), ("3", "10", (3, 10))],
)
def test_page_requests_are_clamped_never_refused(page, size, expected):
    request = PageRequest.parse(page, size)
    assert (request.page, request.page_size) == expected


def test_page_arithmetic_follows_the_catalog_rules():
    assert Page(items=[], page=1, page_size=20, total_count=0).total_pages == 0
    page = Page(items=[], page=3, page_size=20, total_count=53)
    assert (page.total_pages, page.has_next, page.has_previous) == (3, False, True)
    beyond = Page(items=[], page=9, page_size=20, total_count=53)
    assert (beyond.has_next, beyond.has_previous) == (False, True)


def test_absurd_page_numbers_are_clamped_to_a_valid_offset():
    request = PageRequest.parse("99999999999999999999", "100")
    assert request.page == 10_000_000
    assert request.offset < 2**63


def test_text_postgresql_cannot_store_is_recognised_and_cleaned():
    from app.domain.parsing import is_storable, storable

    assert is_storable("café ☕")
    assert not is_storable("nul\x00byte") and not is_storable("lone \ud800 surrogate")
    assert storable("a\x00b\ud800c") == "abc"
