"""Services with in-memory fakes: authorization first, rules enforced, events raised."""

from uuid import uuid4

import pytest

from app.domain.errors import AuthenticationRequired, DuplicateProductName, InvalidCredentials, PermissionDenied
from app.domain.users import Role, UserContext
from app.services.auth import AuthService
from app.services.products import ProductAdminService
from tests.support.fakes import FakeStore, PlainHasher

TENANT = uuid4()
ADMIN = UserContext(user_id=uuid4(), username="admin", role=Role.ADMIN, tenant_id=TENANT)
CUSTOMER = UserContext(user_id=uuid4(), username="alice", role=Role.CUSTOMER, tenant_id=TENANT)


async def test_admin_creates_a_product_and_its_event_is_committed():
    store = FakeStore()
    product = await ProductAdminService(store).create_product(ADMIN, name="Lamp", price="30", stock_quantity="4")
    assert store.products[product.id].name == "Lamp"
    assert [e.event_type for e in store.events] == ["ProductCreated"]


async def test_customers_and_anonymous_visitors_cannot_create_products():
    store = FakeStore()
    service = ProductAdminService(store)
    with pytest.raises(PermissionDenied, match="Only administrators can create products"):
        await service.create_product(CUSTOMER, name="Lamp", price="30", stock_quantity=4)
    with pytest.raises(AuthenticationRequired):
        await service.create_product(UserContext.anonymous(TENANT), name="Lamp", price="30", stock_quantity=4)
    assert store.commits == 0


async def test_a_live_name_cannot_be_used_twice():
    store = FakeStore()
    service = ProductAdminService(store)
    await service.create_product(ADMIN, name="Lamp", price="30", stock_quantity=4)
    with pytest.raises(DuplicateProductName):
        await service.create_product(ADMIN, name="Lamp", price="31", stock_quantity=1)


async def test_authentication_fails_the_same_way_for_unknown_users_and_wrong_passwords():
    store = FakeStore()
    auth = AuthService(store, PlainHasher())
    await auth.ensure_user(TENANT, "bob", "secret", Role.CUSTOMER)
    assert (await auth.authenticate(TENANT, "bob", "secret")).username == "bob"
    for username, password in [("bob", "wrong"), ("nobody", "secret")]:
        with pytest.raises(InvalidCredentials) as refused:
            await auth.authenticate(TENANT, username, password)
        assert refused.value.message == "Invalid username or password"


async def test_ensure_user_is_idempotent():
    store = FakeStore()
    auth = AuthService(store, PlainHasher())
    assert await auth.ensure_user(TENANT, "admin", "admin", Role.ADMIN) is True
    assert await auth.ensure_user(TENANT, "admin", "other", Role.ADMIN) is False
    assert len(store.users) == 1
