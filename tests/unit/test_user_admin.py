"""User administration with fakes: the last admin stays one, every bad field is reported, one user is read alone."""

from uuid import uuid4

import pytest

from app.domain.errors import ValidationError
from app.domain.users import LastAdmin, Role, User, UserNotFound
from app.services.users import UserAdminService
from tests.support.fakes import FakeDirectoryReader, FakeSessionRevoker, FakeStore, PlainHasher

TENANT = uuid4()


def account(store: FakeStore, username: str, role: Role, *, active: bool = True) -> User:
    user = User.register(tenant_id=TENANT, username=username, password_hash="plain:x", role=role)
    user.pull_events()
    user.is_active = active
    store.users[user.id] = user
    return user


class Shop:
    """The user admin service over an in-memory store."""

    def __init__(self) -> None:
        self.store = FakeStore()
        self.reader = FakeDirectoryReader(self.store)
        self.sessions = FakeSessionRevoker()
        self.service = UserAdminService(self.store, self.reader, PlainHasher(), self.sessions)


# ---- The last admin ----


def test_the_last_active_admin_cannot_become_a_customer() -> None:
    store = FakeStore()
    ada = account(store, "ada", Role.ADMIN)
    with pytest.raises(LastAdmin, match="ada is the last admin: make another user an admin first"):
        ada.change_role(Role.CUSTOMER, admin_ids={ada.id})
    assert ada.role is Role.ADMIN and ada.pull_events() == []


def test_an_admin_steps_down_while_another_admin_remains() -> None:
    store = FakeStore()
    ada, bea = account(store, "ada", Role.ADMIN), account(store, "bea", Role.ADMIN)
    ada.change_role(Role.CUSTOMER, admin_ids={ada.id, bea.id})
    assert ada.role is Role.CUSTOMER
    assert [e.event_type for e in ada.pull_events()] == ["UserRoleChanged"]


def test_an_inactive_admin_neither_counts_as_the_remaining_admin_nor_is_held_to_the_rule() -> None:
    store = FakeStore()
    ada, gone = account(store, "ada", Role.ADMIN), account(store, "gone", Role.ADMIN, active=False)
    with pytest.raises(LastAdmin):
        ada.change_role(Role.CUSTOMER, admin_ids={ada.id})  # `gone` cannot log in: not among the active admins
    gone.change_role(Role.CUSTOMER, admin_ids={ada.id})
    assert gone.role is Role.CUSTOMER


def test_keeping_a_role_or_promoting_a_customer_is_never_refused() -> None:
    store = FakeStore()
    ada, carol = account(store, "ada", Role.ADMIN), account(store, "carol", Role.CUSTOMER)
    ada.change_role(Role.ADMIN, admin_ids={ada.id})
    carol.change_role(Role.ADMIN, admin_ids={ada.id})
    assert (ada.role, carol.role) == (Role.ADMIN, Role.ADMIN)


async def test_the_service_refuses_to_demote_the_last_admin_and_changes_nothing() -> None:
    shop = Shop()
    ada = account(shop.store, "ada", Role.ADMIN)
    with pytest.raises(LastAdmin):
        await shop.service.change_role(ada.context(), ada.id, "customer")
    assert shop.store.users[ada.id].role is Role.ADMIN
    assert (shop.store.commits, shop.store.events, shop.sessions.rotated) == (0, [], [])


async def test_the_service_lets_one_of_two_admins_demote_the_other_and_then_refuses_the_last() -> None:
    shop = Shop()
    ada, bea = account(shop.store, "ada", Role.ADMIN), account(shop.store, "bea", Role.ADMIN)

    await shop.service.change_role(ada.context(), bea.id, "customer")
    with pytest.raises(LastAdmin):
        await shop.service.change_role(bea.context(), ada.id, "customer")  # bea acted before she was demoted

    assert (shop.store.users[ada.id].role, shop.store.users[bea.id].role) == (Role.ADMIN, Role.CUSTOMER)
    assert [e.event_type for e in shop.store.events] == ["UserRoleChanged"]
    assert shop.sessions.rotated == [bea.id]


# ---- Creating users ----


async def test_every_invalid_field_of_a_new_user_is_reported_together() -> None:
    shop = Shop()
    ada = account(shop.store, "ada", Role.ADMIN)
    with pytest.raises(ValidationError) as refused:
        await shop.service.create_user(ada.context(), username="no spaces", password="x", role="root")
    assert refused.value.errors == {
        "username": "Use up to 150 letters, digits and @.+-_ only",
        "role": "Role must be 'admin' or 'customer'",
        "password": "Password must be at least 4 characters",
    }
    assert (refused.value.field, refused.value.message) == ("username", "Use up to 150 letters, digits and @.+-_ only")
    assert shop.store.commits == 0


async def test_a_taken_username_is_refused_once_the_other_fields_are_valid() -> None:
    shop = Shop()
    ada = account(shop.store, "ada", Role.ADMIN)
    with pytest.raises(ValidationError) as refused:
        await shop.service.create_user(ada.context(), username=" ada ", password="long-enough", role="customer")
    assert refused.value.errors == {"username": "The username 'ada' is taken"}


async def test_a_new_user_is_created_with_a_hashed_password() -> None:
    shop = Shop()
    ada = account(shop.store, "ada", Role.ADMIN)
    dan = await shop.service.create_user(
        ada.context(), username=" dan ", password="dan-secret", role="customer", email=" dan@example.com "
    )
    stored = shop.store.users[dan.id]
    assert (stored.username, stored.role, stored.email, stored.password_hash) == (
        "dan",
        Role.CUSTOMER,
        "dan@example.com",
        "plain:dan-secret",
    )


# ---- Reading one user ----


async def test_one_user_is_read_by_id_without_listing_everyone() -> None:
    shop = Shop()
    ada, carol = account(shop.store, "ada", Role.ADMIN), account(shop.store, "carol", Role.CUSTOMER)
    found = await shop.service.get_user(ada.context(), carol.id)
    assert (found.id, found.username, found.role) == (carol.id, "carol", "customer")
    assert shop.reader.calls == ["get_user"]


async def test_an_unknown_user_or_one_of_another_tenant_is_not_found() -> None:
    shop = Shop()
    ada = account(shop.store, "ada", Role.ADMIN)
    elsewhere = User.register(tenant_id=uuid4(), username="zed", password_hash="plain:x", role=Role.CUSTOMER)
    shop.store.users[elsewhere.id] = elsewhere
    for user_id in (uuid4(), elsewhere.id):
        with pytest.raises(UserNotFound):
            await shop.service.get_user(ada.context(), user_id)
