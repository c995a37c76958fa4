"""The composition root: builds adapters, wires them into services, mounts controllers.

`create_app()` has no side effects until the app starts: connections open in the lifespan.
Run it with `uvicorn --factory app.main:create_app`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

import structlog
from litestar import Litestar
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig
from litestar.types import ASGIApp
from redis.asyncio import Redis
from saq import Queue

from app.adapters.address_verification import StubAddressVerifier
from app.adapters.circuit_breaker import CircuitBreaker
from app.adapters.dashboard import RedisRecentErrors, SaqQueueHealth, SqlDashboardReader
from app.adapters.database import DATABASE_UNAVAILABLE, Database
from app.adapters.images import PillowImageCodec
from app.adapters.incidents import SaqIncidentReporter
from app.adapters.live_stock import RedisStockChannel
from app.adapters.object_storage import LocalDirectoryStorage, S3Storage, object_storage_from
from app.adapters.operation_metrics import PrometheusContentionCounter, PrometheusOperationTimer
from app.adapters.outbox import SaqEventPublisher
from app.adapters.passwords import Argon2PasswordHasher, hasher_for
from app.adapters.queue import build_queue
from app.adapters.rate_limits import local_rate_limiter, redis_rate_limiter
from app.adapters.readers import (
    SqlAuditReader,
    SqlCatalogReader,
    SqlCouponReader,
    SqlDirectoryReader,
    SqlOrderReader,
    SqlProductReportReader,
)
from app.adapters.redis_client import guarded_redis
from app.adapters.sessions import PostgresSessionStore
from app.adapters.tenants import SqlTenantDirectory
from app.adapters.unit_of_work import PiccoloUnitOfWorkFactory
from app.controllers.api.reference import ApiReferenceController
from app.controllers.api.v1 import api_v1_router
from app.controllers.api.v2 import api_v2_router
from app.controllers.health import HealthController
from app.controllers.pages.account import AccountController
from app.controllers.pages.admin import (
    AdminAuditController,
    AdminCouponsController,
    AdminDashboardController,
    AdminFlagsController,
    AdminGroupsController,
    AdminOrdersController,
    AdminProductsController,
    AdminReportController,
    AdminUsersController,
)
from app.controllers.pages.auth import AuthController
from app.controllers.pages.cart import CartController
from app.controllers.pages.catalog import CatalogController
from app.controllers.pages.images import ImagesController
from app.controllers.pages.live_stock import LiveStockController
from app.controllers.pages.orders import OrderController
from app.domain.images import THUMBNAIL_WIDTHS
from app.log_config import configure_logging_from
from app.services.account import AccountService
from app.services.audit import AuditService
from app.services.auth import AuthService
from app.services.carts import CartService
from app.services.catalog import CatalogService
from app.services.checkout import CheckoutService
from app.services.coupons import CouponService
from app.services.dashboard import DashboardService
from app.services.flags import FlagService
from app.services.health import HealthService
from app.services.idempotency import IdempotencyService
from app.services.live_stock import StockFanOut
from app.services.orders import OrderService
from app.services.product_images import ProductImageService
from app.services.products import ProductAdminService
from app.services.rate_limits import RateLimitPolicy
from app.services.reports import ReportService
from app.services.stock_locking import RetryPolicy, stock_locking
from app.services.tenants import TenantResolver
from app.services.users import UserAdminService
from app.settings import Settings, get_settings
from app.web.api_versions import UnversionedApiPaths
from app.web.client_address import trusted_networks
from app.web.compression import CompressionMiddleware
from app.web.csrf import CsrfMiddleware
from app.web.current_user import CurrentUserMiddleware, provide_user
from app.web.errors import EXCEPTION_HANDLERS, unavailable_handler
from app.web.metrics import MetricsAccess
from app.web.pictures import PICTURE_WIDTHS, picture_path
from app.web.rate_limits import RateLimitMiddleware, RateLimitPolicies, RateLimits
from app.web.rendering import template_filters, template_globals
from app.web.request_context import RequestContextMiddleware
from app.web.security_headers import SecurityHeadersMiddleware
from app.web.sessions import SessionMiddleware
from app.web.static_files import StaticAssets, static_files_router
from app.web.tenancy import TenantMiddleware

APP_DIR = Path(__file__).parent


@dataclass
class Container:
    """Everything the composition root built, for the lifespan and for tests."""

    settings: Settings
    database: Database
    redis: Redis
    redis_breaker: CircuitBreaker
    queue: Queue
    auth: AuthService
    carts: CartService
    checkout: CheckoutService
    orders: OrderService
    catalog: CatalogService
    products: ProductAdminService
    images: ProductImageService
    image_storage: LocalDirectoryStorage | S3Storage
    audit: AuditService
    coupons: CouponService
    reports: ReportService
    flags: FlagService
    users: UserAdminService
    idempotency: IdempotencyService
    sessions: PostgresSessionStore
    tenants: TenantResolver
    account: AccountService
    dashboard: DashboardService
    recent_errors: RedisRecentErrors
    live_stock: StockFanOut
    live_stock_redis: Redis
    """Its own client: a subscription waits on its connection for as long as it lasts (no command timeout)."""
    health: HealthService
    hasher: Argon2PasswordHasher

    async def close(self) -> None:
        """Release every connection; a dependency that is already gone must not block shutdown."""
        await self.live_stock.close()  # ends the open event streams first
        for close in (
            self.live_stock_redis.aclose,
            self.queue.disconnect,
            self.redis.aclose,
            self.database.disconnect,
            self.image_storage.close,
        ):
            try:
                await close()
            except Exception:
                structlog.get_logger(__name__).warning("shutdown_close_failed", resource=close.__qualname__)
        self.hasher.close()


def build_container(settings: Settings) -> Container:
    if not settings.database.url or not settings.redis.url:
        raise RuntimeError("DATABASE_URL and REDIS_URL must be set (make run / make test set them for you)")
    database = Database(
        settings.database.url,
        pool_min_size=settings.database.pool_min_size,
        pool_max_size=settings.database.pool_max_size,
    )
    # One breaker for the process's Redis server, shared by the plain client and the queue's.
    redis_breaker = CircuitBreaker(
        "redis",
        failures_to_open=settings.redis.breaker_failures,
        reset_seconds=settings.redis.breaker_reset_seconds,
    )
    timeouts = {
        "connect_timeout": settings.redis.connect_timeout_seconds,
        "command_timeout": settings.redis.command_timeout_seconds,
    }
    redis = guarded_redis(settings.redis.url, redis_breaker, **timeouts)
    live_stock_redis = guarded_redis(
        settings.redis.url, redis_breaker, connect_timeout=settings.redis.connect_timeout_seconds, command_timeout=None
    )
    queue = build_queue(settings.redis.url, settings.worker.queue_name, breaker=redis_breaker, **timeouts)
    uow = PiccoloUnitOfWorkFactory(
        database.engine,
        SaqEventPublisher(database.engine, queue, delivery_timeout=settings.worker.delivery_timeout_seconds),
    )
    timer = PrometheusOperationTimer()
    hasher = hasher_for(settings.app.environment, threads=settings.app.password_hash_threads)
    directory = SqlDirectoryReader(database.engine)
    recent_errors = RedisRecentErrors(redis)
    image_storage = object_storage_from(settings.images, settings.app.data_dir)
    sessions = PostgresSessionStore(
        database.engine,
        idle_seconds=settings.session.idle_timeout_minutes * 60,
        absolute_seconds=settings.session.absolute_timeout_hours * 3600,
    )
    return Container(
        settings=settings,
        database=database,
        redis=redis,
        redis_breaker=redis_breaker,
        queue=queue,
        auth=AuthService(uow, hasher),
        carts=CartService(
            uow,
            timer,
            reservation_hold=timedelta(minutes=settings.shop.cart_reservation_minutes),
            locking=stock_locking(
                settings.shop.stock_locking,
                RetryPolicy(
                    attempts=settings.shop.stock_retry_attempts,
                    base_delay=settings.shop.stock_retry_base_ms / 1000,
                    max_delay=settings.shop.stock_retry_max_ms / 1000,
                ),
                PrometheusContentionCounter(),
                draw=random.random,
                sleep=asyncio.sleep,
            ),
        ),
        checkout=CheckoutService(uow, StubAddressVerifier(), timer),
        orders=OrderService(SqlOrderReader(database.engine)),
        catalog=CatalogService(SqlCatalogReader(database.engine)),
        products=ProductAdminService(uow),
        images=ProductImageService(uow, image_storage, PillowImageCodec(max_pixels=settings.images.max_pixels)),
        image_storage=image_storage,
        audit=AuditService(SqlAuditReader(database.engine)),
        coupons=CouponService(uow, SqlCouponReader(database.engine)),
        reports=ReportService(SqlProductReportReader(database.engine)),
        flags=FlagService(uow, directory),
        users=UserAdminService(uow, directory, hasher, sessions),
        idempotency=IdempotencyService(uow),
        sessions=sessions,
        tenants=TenantResolver(
            SqlTenantDirectory(database.engine),
            base_domain=settings.tenancy.base_domain,
            ttl_seconds=settings.tenancy.directory_cache_seconds,
        ),
        account=AccountService(sessions),
        dashboard=DashboardService(
            SqlDashboardReader(database.engine),
            SqlAuditReader(database.engine),
            SaqQueueHealth(queue, database.engine),
            recent_errors,
        ),
        recent_errors=recent_errors,
        live_stock=StockFanOut(RedisStockChannel(live_stock_redis, namespace=settings.worker.queue_name)),
        live_stock_redis=live_stock_redis,
        # Redis is optional: without it the shop sells on (readiness warns); without PostgreSQL it cannot.
        health=HealthService({"postgresql": database.ping, "redis": redis.ping}, optional={"redis"}),
        hasher=hasher,
    )


def build_rate_limits(settings: Settings, redis: Redis) -> RateLimits:
    """The policies from settings, counted in Redis (shared by every process), in memory while it is down."""
    limits = settings.rate_limits
    login_fallback = limits.login_when_unavailable
    policies = RateLimitPolicies(
        login_per_account=RateLimitPolicy.parse("login-account", limits.login_per_account, login_fallback),
        login_per_address=RateLimitPolicy.parse("login-address", limits.login_per_address, login_fallback),
        writes=RateLimitPolicy.parse("writes", limits.writes_per_user, limits.writes_when_unavailable),
        reads=RateLimitPolicy.parse("reads", limits.reads_per_address, limits.reads_when_unavailable),
    )
    return RateLimits(
        policies, redis_rate_limiter(redis), local_rate_limiter(), trusted_networks(limits.trusted_proxies)
    )


@cache
def shop_static_assets() -> StaticAssets:
    """The shop's static files, read, hashed and bundled once per process (every app it builds shares them:
    a web process builds one, the test suite one per test)."""
    return StaticAssets(APP_DIR / "static")


def create_app(
    settings: Settings | None = None, *, web_app: Callable[[Settings], Litestar] | None = None
) -> Litestar:
    """The shop's web app: its routes (`build_web_app`, or `web_app`: the test suite passes one that
    reuses a built app) given the services of `build_container`."""
    settings = settings or get_settings()
    configure_logging_from(settings)
    app = (web_app or build_web_app)(settings)
    install_services(app, build_container(settings))
    return app


def build_web_app(settings: Settings) -> Litestar:
    """The routes, templates and Litestar middleware, without services: handlers and the lifespan find
    those in `app.state` (`install_services`).

    Building this is the costly part of an app: Litestar copies every handler and parses its signature
    (about 0.3 s for the shop's ~270). A web process builds it once; the test suite once per settings
    and worker, and gives it a fresh container for each test (tests/support/apps.py).
    """

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        container: Container = app.state.container
        await container.database.connect()
        await container.queue.connect()
        try:
            yield
        finally:
            await container.close()

    def service(pick: Callable[[Container], object]) -> Provide:
        """A handler's dependency: a service of the installed container (one attribute read per request)."""
        return Provide(lambda: pick(app.state.container), sync_to_thread=False)

    template_engine = TemplateConfig(directory=APP_DIR / "templates", engine=JinjaTemplateEngine)
    static_assets = shop_static_assets()  # `static_url()` in templates

    def register_template_helpers(engine: JinjaTemplateEngine) -> None:
        for name, function in template_globals().items():
            engine.register_template_callable(name, function)
        engine.engine.filters.update(template_filters())
        # Off outside development: the check stats every template file (base, page, macros) on each render.
        engine.engine.auto_reload = settings.app.template_auto_reload
        engine.engine.globals["image_widths"] = THUMBNAIL_WIDTHS
        engine.engine.globals["picture_widths"] = PICTURE_WIDTHS
        engine.engine.globals["picture_path"] = picture_path
        engine.engine.globals["image_upload_limit_mb"] = f"{settings.images.max_upload_bytes / 1_048_576:.3g}"
        engine.engine.globals["image_upload_limit_bytes"] = settings.images.max_upload_bytes
        engine.engine.globals["static_url"] = static_assets.url
        engine.engine.globals["static_data_url"] = static_assets.data_url
        # Show "café", not "caf\u00e9", in JSON rendered into pages (still HTML-safe: tojson escapes <>&').
        engine.engine.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}

    template_engine.engine_callback = register_template_helpers

    app = Litestar(
        route_handlers=[
            CatalogController,
            ImagesController,
            CartController,
            OrderController,
            AuthController,
            AccountController,
            AdminDashboardController,
            AdminProductsController,
            AdminReportController,
            AdminOrdersController,
            AdminAuditController,
            AdminCouponsController,
            AdminUsersController,
            AdminGroupsController,
            AdminFlagsController,
            HealthController,
            LiveStockController,
            api_v1_router(),
            api_v2_router(),
            ApiReferenceController,
            static_files_router(static_assets),
        ],
        dependencies={
            "user": Provide(provide_user),
            "auth": service(lambda c: c.auth),
            "carts": service(lambda c: c.carts),
            "checkout": service(lambda c: c.checkout),
            "orders": service(lambda c: c.orders),
            "catalog": service(lambda c: c.catalog),
            "products": service(lambda c: c.products),
            "images": service(lambda c: c.images),
            "audit": service(lambda c: c.audit),
            "coupons": service(lambda c: c.coupons),
            "reports": service(lambda c: c.reports),
            "flags": service(lambda c: c.flags),
            "user_admin": service(lambda c: c.users),
            "idempotency_keys": service(lambda c: c.idempotency),
            "dashboard": service(lambda c: c.dashboard),
            "health": service(lambda c: c.health),
            "rate_limits": Provide(lambda: app.state.rate_limits, sync_to_thread=False),
            "account": service(lambda c: c.account),
            "live_stock": service(lambda c: c.live_stock),
        },
        middleware=[
            RateLimitMiddleware,  # first: refused floods cost no more
            DefineMiddleware(
                CsrfMiddleware, trusted_origins=settings.app.csrf_trusted_origins, secure=_secure_cookies(settings)
            ),
        ],
        exception_handlers={**EXCEPTION_HANDLERS, **dict.fromkeys(DATABASE_UNAVAILABLE, unavailable_handler)},
        template_config=template_engine,
        # The largest request body of any form: an image upload (larger: 413, app.web.errors says why).
        request_max_body_size=settings.images.max_upload_bytes,
        lifespan=[lifespan],
        debug=False,
        logging_config=None,
    )
    app.state.routes = app.asgi_handler  # Litestar's own handler, which `install_services` wraps
    return app


def install_services(app: Litestar, container: Container) -> None:
    """Give an app from `build_web_app` its services, and the ASGI layers around Litestar that use them.

    Installing again replaces them all (tests do, between two tests); the lifespan opens the pools.
    """
    settings = container.settings
    app.state.container = container
    app.state.rate_limits = build_rate_limits(settings, container.redis)
    app.state.incident_reporter = SaqIncidentReporter(container.queue, container.recent_errors)
    app.state.metrics_access = MetricsAccess(settings.metrics.allowed_networks, settings.metrics.token)
    # These wrap Litestar's whole handler, not only routed requests, so 404/405 answers also get a
    # request id, a log line and the session's user (the header of an error page shows who is logged in).
    # Outermost first: compression, security headers, request id and log line, the shop (by host),
    # its session, the session's user; innermost, unversioned API paths routed to v1.
    handler: ASGIApp = CurrentUserMiddleware(
        UnversionedApiPaths(app.state.routes),
        auth=container.auth,
        flags=container.flags,
        shopless_tenant_id=settings.app.default_tenant_id,
    )
    handler = SessionMiddleware(
        handler, store=container.sessions, cookie_name=settings.session.cookie_name, secure=_secure_cookies(settings)
    )
    handler = TenantMiddleware(handler, resolver=container.tenants)
    handler = RequestContextMiddleware(handler)
    handler = SecurityHeadersMiddleware(handler)
    app.asgi_handler = CompressionMiddleware(handler)  # outermost: error pages and 404s are compressed too


def _secure_cookies(settings: Settings) -> bool:
    """Cookies only over HTTPS, except in development and tests (plain http://127.0.0.1)."""
    return not settings.app.is_development and settings.app.environment != "test"
