"""Both stock-locking strategies under the cart service, over fakes of every repository it uses.

A concurrent transaction is a function in `store.before_commit`: it commits its change just
before ours, so our versioned save finds the product moved. Randomness and sleep are injected:
no test waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from app.domain.errors import InsufficientStock, StaleVersion, StockContention
from app.domain.products import Product
from app.domain.users import Role, UserContext
from app.services.carts import CartService
from app.services.stock_locking import OptimisticLocking, PessimisticLocking, RetryPolicy, stock_locking
from tests.support.fakes import FakeStore, FakeUnitOfWork

HOLD = timedelta(minutes=30)


class Counts:
    def __init__(self) -> None:
        self.conflicts = self.retries = self.refusals = 0

    def conflict(self, strategy: str) -> None:
        self.conflicts += 1

    def retry(self, strategy: str) -> None:
        self.retries += 1

    def refusal(self, strategy: str) -> None:
        self.refusals += 1


class Pauses:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def shop(stock: int) -> tuple[FakeStore, Product, UserContext]:
    store = FakeStore()
    lamp = Product.create(tenant_id=store.tenant_id, name="Lamp", price="30.00", stock_quantity=stock)
    lamp.pull_events()
    store.products[lamp.id] = lamp
    shopper = UserContext(user_id=uuid4(), username="alice", role=Role.CUSTOMER, tenant_id=store.tenant_id)
    return store, lamp, shopper


def another_buyer_takes(quantity: int, lamp: Product):
    def commit(store: FakeStore) -> None:
        current = store.products[lamp.id]
        store.products[lamp.id] = replace(
            current, stock_quantity=current.stock_quantity - quantity, version=current.version + 1
        )

    return commit


Reads = list[tuple[list[UUID], list[UUID]]]


def recording_reads(store: FakeStore) -> tuple[Callable[[UserContext], FakeUnitOfWork], Reads]:
    """A unit-of-work factory over `store`, and for each unit of work: the products read locked, and unlocked."""
    reads: Reads = []

    def factory(actor: UserContext) -> FakeUnitOfWork:
        uow = store(actor)
        reads.append((uow.products.locked, uow.products.read_unlocked))
        return uow

    return factory, reads


def optimistic(attempts: int = 4, draw: float = 0.5) -> tuple[OptimisticLocking, Counts, Pauses]:
    counts, pauses = Counts(), Pauses()
    policy = RetryPolicy(attempts=attempts, base_delay=0.01, max_delay=0.03)
    return OptimisticLocking(policy, counts, draw=lambda: draw, sleep=pauses), counts, pauses


async def test_pessimistic_locking_reserves_in_one_unit_of_work_and_bumps_the_version_once():
    store, lamp, shopper = shop(stock=5)
    service = CartService(store, _NoTimer(), reservation_hold=HOLD, locking=PessimisticLocking())

    cart = await service.add_item(shopper, lamp.id, 2)

    assert [line.quantity for line in cart.items] == [2]
    assert store.products[lamp.id].stock_quantity == 3
    assert store.products[lamp.id].version == 2


async def test_pessimistic_reads_every_product_it_changes_with_a_row_lock():
    store, lamp, shopper = shop(stock=5)
    spying, reads = recording_reads(store)
    service = CartService(spying, _NoTimer(), reservation_hold=HOLD, locking=PessimisticLocking())
    await service.add_item(shopper, lamp.id, 1)
    await service.change_quantity(shopper, lamp.id, 3)
    await service.remove_item(shopper, lamp.id)

    assert reads == [([lamp.id], [])] * 3
    assert store.products[lamp.id].stock_quantity == 5


async def test_optimistic_reads_without_a_lock_and_commits_at_once_when_nobody_raced():
    store, lamp, shopper = shop(stock=5)
    locking, counts, pauses = optimistic()
    spying, reads = recording_reads(store)
    service = CartService(spying, _NoTimer(), reservation_hold=HOLD, locking=locking)
    await service.add_item(shopper, lamp.id, 2)

    assert reads == [([], [lamp.id])]
    assert store.products[lamp.id].stock_quantity == 3
    assert (counts.conflicts, counts.retries, pauses.seconds) == (0, 0, [])


async def test_optimistic_runs_the_operation_again_after_losing_a_race_and_sees_the_winners_stock():
    store, lamp, shopper = shop(stock=5)
    store.before_commit.append(another_buyer_takes(1, lamp))
    locking, counts, pauses = optimistic(draw=0.5)
    service = CartService(store, _NoTimer(), reservation_hold=HOLD, locking=locking)

    cart = await service.add_item(shopper, lamp.id, 2)

    assert [line.quantity for line in cart.items] == [2]
    assert store.products[lamp.id].stock_quantity == 2  # 5 - the other buyer's 1 - our 2
    assert (counts.conflicts, counts.retries, counts.refusals) == (1, 1, 0)
    assert pauses.seconds == [0.005]  # the draw (0.5) of the first back-off window (10 ms)


async def test_optimistic_gives_up_after_the_bound_with_try_again_and_changes_nothing():
    store, lamp, shopper = shop(stock=50)
    store.before_commit.extend(another_buyer_takes(1, lamp) for _ in range(4))
    locking, counts, pauses = optimistic(attempts=4, draw=1.0)
    service = CartService(store, _NoTimer(), reservation_hold=HOLD, locking=locking)

    with pytest.raises(StockContention, match="try again"):
        await service.add_item(shopper, lamp.id, 1)

    assert store.products[lamp.id].stock_quantity == 46  # only the four winners' units
    assert all(not cart.items for cart in store.carts.values())
    assert (counts.conflicts, counts.retries, counts.refusals) == (4, 3, 1)
    assert pauses.seconds == [0.01, 0.02, 0.03]  # doubling windows, capped at max_delay


async def test_optimistic_answers_sold_out_when_the_race_was_lost_for_the_last_unit():
    store, lamp, shopper = shop(stock=1)
    store.before_commit.append(another_buyer_takes(1, lamp))
    locking, counts, _ = optimistic()
    service = CartService(store, _NoTimer(), reservation_hold=HOLD, locking=locking)

    with pytest.raises(InsufficientStock):
        await service.add_item(shopper, lamp.id, 1)

    assert store.products[lamp.id].stock_quantity == 0
    assert (counts.conflicts, counts.refusals) == (1, 0)


async def test_optimistic_retries_only_a_products_version_conflict():
    locking, counts, _ = optimistic()
    calls = 0

    async def stale_cart() -> None:
        nonlocal calls
        calls += 1
        raise StaleVersion("cart", uuid4())

    with pytest.raises(StaleVersion):
        await locking.run(stale_cart)
    assert (calls, counts.conflicts) == (1, 0)


def test_back_off_is_drawn_from_a_doubling_window_with_a_cap():
    policy = RetryPolicy(attempts=6, base_delay=0.002, max_delay=0.05)
    assert [policy.delay(n, 1.0) for n in range(1, 7)] == [0.002, 0.004, 0.008, 0.016, 0.032, 0.05]
    assert policy.delay(3, 0.0) == 0.0
    assert policy.delay(3, 0.25) == 0.002


def test_the_setting_names_the_strategy():
    def build(name: str) -> object:
        return stock_locking(name, RetryPolicy(), Counts(), draw=lambda: 0.0, sleep=Pauses())

    assert isinstance(build("pessimistic"), PessimisticLocking)
    assert isinstance(build("optimistic"), OptimisticLocking)
    with pytest.raises(ValueError):
        build("hopeful")
    with pytest.raises(ValueError):
        OptimisticLocking(RetryPolicy(attempts=0), Counts(), draw=lambda: 0.0, sleep=Pauses())


class _NoTimer:
    def observe(self, operation: str, seconds: float, outcome: str) -> None:
        pass


def test_a_stock_locking_setting_that_names_no_strategy_stops_the_start(monkeypatch: pytest.MonkeyPatch):
    from app.settings import ShopSettings

    monkeypatch.delenv("STOCK_LOCKING", raising=False)
    assert ShopSettings().stock_locking == "pessimistic"
    monkeypatch.setenv("STOCK_LOCKING", "Optimistic ")
    with pytest.raises(ValueError, match="STOCK_LOCKING must be pessimistic or optimistic"):
        ShopSettings()
    monkeypatch.setenv("STOCK_LOCKING", "optimistic")
    monkeypatch.setenv("STOCK_RETRY_ATTEMPTS", "0")
    with pytest.raises(ValueError, match="STOCK_RETRY_ATTEMPTS"):
        ShopSettings()
