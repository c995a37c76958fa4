"""In-memory fakes of the service ports, for unit tests of the services (never used by the app)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Self
from uuid import UUID

from app.domain.carts import Cart
from app.domain.errors import StaleVersion
from app.domain.events import DomainEvent
from app.domain.images import ImageRefused, NormalisedImage
from app.domain.incidents import Incident, IncidentWindow
from app.domain.pagination import Count, Page, PageRequest
from app.domain.products import Product
from app.domain.tenants import Tenant
from app.domain.users import Role, User, UserContext
from app.services.read_models import Browse, CatalogFilter, ManagedUserView, ProductView, StoredObject
from app.services.tenants import TenantDirectoryUnavailable


class FakeProductRepository:
    def __init__(self, rows: dict[UUID, Product]) -> None:
        self._rows = rows
        self.seen: list[Product] = []
        self.locked: list[UUID] = []
        self.read_unlocked: list[UUID] = []

    async def get(self, product_id: UUID) -> Product | None:
        product = copy.deepcopy(self._rows.get(product_id))
        if product is not None:
            self.seen.append(product)
        return product

    get_for_update = get

    async def get_many_for_stock_change(self, product_ids: Sequence[UUID], *, lock_rows: bool) -> dict[UUID, Product]:
        """As the real one: in id order; `locked` and `read_unlocked` tell the test which way each was read."""
        found = {}
        for product_id in sorted(set(product_ids)):
            product = await self.get(product_id)
            if product is not None:
                (self.locked if lock_rows else self.read_unlocked).append(product_id)
                found[product_id] = product
        return found

    async def live_name_taken(self, name: str, *, excluding: UUID | None = None) -> bool:
        return any(p.name == name and not p.is_deleted and p.id != excluding for p in self._rows.values())

    def add(self, product: Product) -> None:
        self.seen.append(product)


class FakeUserRepository:
    def __init__(self, rows: dict[UUID, User]) -> None:
        self._rows = rows
        self.seen: list[User] = []

    async def get(self, user_id: UUID) -> User | None:
        for seen in self.seen:
            if seen.id == user_id:
                return seen  # one object per row within a unit of work, as the real repository does
        user = copy.deepcopy(self._rows.get(user_id))
        if user is not None:
            self.seen.append(user)
        return user

    async def get_by_username(self, username: str) -> User | None:
        for user in self._rows.values():
            if user.username == username:
                return await self.get(user.id)
        return None

    async def admins_for_update(self) -> list[User]:
        admins = sorted((u for u in self._rows.values() if u.role is Role.ADMIN and u.is_active), key=lambda u: u.id)
        return [user for admin in admins if (user := await self.get(admin.id)) is not None]

    def add(self, user: User) -> None:
        self.seen.append(user)


class FakeCartRepository:
    """Carts by id; one object per cart within a unit of work. Row locks are not modelled (one test task)."""

    def __init__(self, rows: dict[UUID, Cart], tenant_id: UUID) -> None:
        self._rows = rows
        self._tenant_id = tenant_id
        self.seen: dict[UUID, Cart] = {}

    async def for_user(self, user_id: UUID, *, lock: bool = True) -> Cart:
        found = next((c for c in self._rows.values() if c.user_id == user_id), None)
        if found is None:
            found = Cart.open_for(tenant_id=self._tenant_id, user_id=user_id)
            self._rows[found.id] = found
        cart = await self.get_for_update(found.id)
        assert cart is not None
        return cart

    async def get_for_update(self, cart_id: UUID) -> Cart | None:
        if cart_id not in self.seen and cart_id in self._rows:
            self.seen[cart_id] = copy.deepcopy(self._rows[cart_id])
        return self.seen.get(cart_id)

    async def stale_cart_ids(self, idle_before: datetime, limit: int) -> list[UUID]:
        stale = sorted((c for c in self._rows.values() if c.items and c.last_activity_at < idle_before),
                       key=lambda c: c.last_activity_at)  # fmt: skip
        return [c.id for c in stale[:limit]]

    async def stale_cart_ids_holding(self, product_id: UUID, idle_before: datetime) -> list[UUID]:
        return [i for i in await self.stale_cart_ids(idle_before, 50) if self._rows[i].line_for(product_id)]

    async def product_in_any_cart(self, product_id: UUID) -> bool:
        return any(c.line_for(product_id) for c in self._rows.values())

    def add(self, cart: Cart) -> None:
        self._rows[cart.id] = cart


class FakeGroupRepository:
    def __init__(self, memberships: dict[UUID, set[UUID]]) -> None:
        self._memberships = memberships

    async def ids_of_user(self, user_id: UUID) -> frozenset[UUID]:
        return frozenset(g for g, members in self._memberships.items() if user_id in members)


class FakeUnitOfWork:
    """Commits by copying what the repositories handed out back into the shared dicts."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self.products = FakeProductRepository(store.products)
        self.users = FakeUserRepository(store.users)
        self.carts = FakeCartRepository(store.carts, store.tenant_id)
        self.groups = FakeGroupRepository(store.memberships)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self) -> None:
        """Saves as the real one does: a product whose stored version moved since it was read is refused
        (StaleVersion, nothing saved), as `UPDATE … WHERE version = …` finding no row is."""
        if self._store.before_commit:
            self._store.before_commit.pop(0)(self._store)  # another transaction committed first
        for product in self.products.seen:
            stored = self._store.products.get(product.id)
            if stored is not None and stored is not product and stored.version != product.version:
                raise StaleVersion("product", product.id)
        for product in self.products.seen:
            self._store.events.extend(product.pull_events())
            stored = self._store.products.get(product.id)
            if stored is not None and stored != product:
                product.version += 1
            self._store.products[product.id] = product
        for cart in self.carts.seen.values():
            self._store.events.extend(cart.pull_events())
            self._store.carts[cart.id] = cart
        for user in self.users.seen:
            self._store.events.extend(user.pull_events())
            self._store.users[user.id] = user
        self._store.commits += 1


class FakeStore:
    def __init__(self) -> None:
        self.products: dict[UUID, Product] = {}
        self.users: dict[UUID, User] = {}
        self.carts: dict[UUID, Cart] = {}
        self.tenant_id = UUID(int=1)
        self.before_commit: list[Callable[[FakeStore], None]] = []
        """Each commit first runs (and drops) the next of these: what a concurrent transaction committed meanwhile."""
        self.events: list[DomainEvent] = []
        self.memberships: dict[UUID, set[UUID]] = {}
        self.commits = 0

    def __call__(self, actor: UserContext) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)


class PlainHasher:
    """Not a hash: a reversible marker, so unit tests run in microseconds."""

    unknown_user_hash = "plain-unknown"

    async def hash(self, password: str) -> str:
        return f"plain:{password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == f"plain:{password}"

    def needs_rehash(self, password_hash: str) -> bool:
        return False


class FakeDirectoryReader:
    """Users as the admin pages read them, straight from the store; `calls` names each query asked."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self.calls: list[str] = []

    async def list_users(self, tenant_id: UUID) -> list[ManagedUserView]:
        self.calls.append("list_users")
        users = (u for u in self._store.users.values() if u.tenant_id == tenant_id)
        return [self._view(u) for u in sorted(users, key=lambda u: u.username)]

    async def get_user(self, tenant_id: UUID, user_id: UUID) -> ManagedUserView | None:
        self.calls.append("get_user")
        user = self._store.users.get(user_id)
        return self._view(user) if user is not None and user.tenant_id == tenant_id else None

    def _view(self, user: User) -> ManagedUserView:
        groups = tuple(sorted(g for g, members in self._store.memberships.items() if user.id in members))
        return ManagedUserView(
            id=user.id,
            username=user.username,
            email=user.email,
            role=user.role.value,
            group_ids=groups,
            group_names=tuple(str(g) for g in groups),
            created_at=user.created_at,
            version=user.version,
        )


class FakeSessionRevoker:
    def __init__(self) -> None:
        self.rotated: list[UUID] = []

    async def rotate_sessions_of(self, tenant_id: UUID, user_id: UUID) -> int:
        self.rotated.append(user_id)
        return 1


class FakeIncidentThrottle:
    """The incident throttle's rules in memory, on a clock the test moves (`now`)."""

    def __init__(self, *, window_seconds: int, mails_per_minute: int) -> None:
        self.window_seconds = window_seconds
        self._cap = mails_per_minute
        self.now = 0.0
        self._windows: dict[str, tuple[float, IncidentWindow]] = {}  # fingerprint -> (end, window so far)
        self._mails: dict[int, int] = {}

    async def record(self, incident: Incident) -> bool:
        key = incident.fingerprint
        if key in self._windows:
            end, window = self._windows[key]
            self._windows[key] = (end, replace(window, occurrences=window.occurrences + 1))
            return False
        self._windows[key] = (self.now + self.window_seconds, IncidentWindow(incident, 1, first_mailed=False))
        return True

    async def mark_mailed(self, incident: Incident) -> None:
        end, window = self._windows[incident.fingerprint]
        self._windows[incident.fingerprint] = (end, replace(window, first_mailed=True))

    async def take_mail_slot(self) -> bool:
        minute = int(self.now // 60)
        self._mails[minute] = self._mails.get(minute, 0) + 1
        return self._mails[minute] <= self._cap

    async def ended_windows(self) -> list[IncidentWindow]:
        ended = [key for key, (end, _) in self._windows.items() if end <= self.now]
        return [self._windows.pop(key)[1] for key in ended]


class FakeMailer:
    def __init__(self) -> None:
        self.subjects: list[str] = []
        self.bodies: list[str] = []
        self.fail_next = False

    async def send(self, *, recipients: Sequence[str], subject: str, body: str) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("SMTP server unreachable")
        self.subjects.append(subject)
        self.bodies.append(body)


class FakeTenantDirectory:
    """The tenant directory in memory; counts its reads, and fails them while `down`."""

    def __init__(self, tenants: list[Tenant]) -> None:
        self.tenants = tenants
        self.reads = 0
        self.down = False

    async def all_tenants(self) -> list[Tenant]:
        if self.down:
            raise TenantDirectoryUnavailable("ConnectionRefusedError")
        self.reads += 1
        return list(self.tenants)


class FakeCatalogReader:
    """The catalog's reads over a list of ProductViews, ordered as the SQL reader orders them."""

    def __init__(self, products: Sequence[ProductView] = (), tenant_id: UUID | None = None) -> None:
        self.products = list(products)
        self.tenant_id = tenant_id
        self.calls: list[Browse] = []

    def _matching(self, tenant_id: UUID, filters: CatalogFilter) -> list[ProductView]:
        assert self.tenant_id is None or tenant_id == self.tenant_id
        term = filters.search.strip().lower()
        return [
            p
            for p in self.products
            if (filters.include_deleted or p.deleted_at is None)
            and term in p.name.lower()
            and (filters.min_price is None or p.price >= filters.min_price)
            and (filters.max_price is None or p.price <= filters.max_price)
            and (not filters.in_stock_only or p.stock_quantity > 0)
        ]

    async def list_products(self, tenant_id: UUID, filters: CatalogFilter, page: PageRequest) -> Page[ProductView]:
        rows = sorted(self._matching(tenant_id, filters), key=lambda p: (p.name, p.id))
        return Page(rows[page.offset : page.offset + page.page_size], page.page, page.page_size, len(rows))

    async def browse_products(
        self, tenant_id: UUID, filters: CatalogFilter, browse: Browse
    ) -> tuple[list[ProductView], Count | None]:
        self.calls.append(browse)
        sort, after, cap = browse.sort, browse.after, browse.count_up_to
        matching = self._matching(tenant_id, filters)

        def key(p: ProductView) -> tuple[object, str]:
            return getattr(p, sort.field), str(p.id)  # str order is code point order, as COLLATE "C"

        rows = sorted(matching, key=key, reverse=sort.descending)
        if after is not None:
            mark = (after.key, str(after.id))
            rows = [p for p in rows if (key(p) < mark if sort.descending else key(p) > mark)]  # type: ignore[operator]
        count = None if cap is None else Count(min(len(matching), cap), capped=len(matching) > cap)
        return rows[browse.skip : browse.skip + browse.limit], count

    async def get_product(self, tenant_id: UUID, product_id: UUID) -> ProductView | None:
        return next((p for p in self.products if p.id == product_id), None)


class FakeObjectStorage:
    """Objects in a dict, by key."""

    def __init__(self) -> None:
        self.objects: dict[str, StoredObject] = {}

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = StoredObject(data=data, content_type=content_type)

    async def get(self, key: str) -> StoredObject | None:
        return self.objects.get(key)

    async def delete(self, key: str) -> None:
        self.objects.pop(key, None)


class FakeImageCodec:
    """Takes bytes starting with b"IMG" as a 400 x 300 PNG; refuses anything else. Thumbnails name their width."""

    async def normalise(self, data: bytes) -> NormalisedImage:
        if not data.startswith(b"IMG"):
            raise ImageRefused("This file is not a JPEG, PNG or WebP image.")
        return NormalisedImage(data=b"clean:" + data, extension="png", width=400, height=300)

    async def thumbnail(self, data: bytes, width: int, extension: str = "webp") -> bytes:
        return f"thumbnail {width} {extension} of ".encode() + data
