"""What a repository remembers of an aggregate it loaded, and how the unit of work tells it changed."""

from __future__ import annotations

from uuid import uuid4

from app.adapters.repositories import TrackedRepository
from app.domain.carts import Cart
from app.domain.flags import UserGroup
from app.domain.products import Product

TENANT = uuid4()


def _loaded(aggregate: object) -> tuple[TrackedRepository, object]:
    repository = TrackedRepository()
    return repository, repository._track(aggregate)


def _cart_with_a_line() -> tuple[Cart, Product]:
    cart = Cart.open_for(tenant_id=TENANT, user_id=uuid4())
    lamp = Product.create(tenant_id=TENANT, name="Lamp", price="10.00", stock_quantity=5)
    cart.add_item(lamp, 1)
    cart.pull_events()
    return cart, lamp


def test_an_untouched_aggregate_is_not_changed() -> None:
    cart, _ = _cart_with_a_line()
    repository, _ = _loaded(cart)

    assert repository.changed() == []


def test_a_line_changed_in_place_is_a_change_and_the_snapshot_keeps_the_line_as_loaded() -> None:
    cart, lamp = _cart_with_a_line()
    repository, _ = _loaded(cart)

    cart.change_quantity(lamp, 3)  # the line object itself is updated

    assert repository.changed() == [cart]
    assert [line.quantity for line in repository.snapshot_of(cart)["items"]] == [1]
    assert cart.items[0].quantity == 3


def test_a_member_added_to_a_groups_set_in_place_is_a_change() -> None:
    group = UserGroup.create(tenant_id=TENANT, name="Regulars")
    group.pull_events()
    repository, _ = _loaded(group)

    group.add_member(uuid4())

    assert repository.changed() == [group]
    assert repository.snapshot_of(group)["member_ids"] == set()
