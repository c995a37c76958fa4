"""Typed settings, read from the environment once (see `.env.example` for every variable)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from uuid import UUID

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, str(default)))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None or not value.strip() else value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class AppSettings:
    environment: str = field(default_factory=lambda: _env("APP_ENV", "development"))
    """development | test | production: decides log format, cookie security and demo hints."""
    name: str = field(default_factory=lambda: _env("APP_NAME", "Emporium"))
    """Name on pages that belong to no shop; each shop shows its own (tenant) name in the header and titles."""
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    """Interface the web server binds to."""
    port: int = field(default_factory=lambda: _env_int("PORT", 8000))
    """Port the web server listens on."""
    web_processes: int = field(default_factory=lambda: _env_int("WEB_PROCESSES", 2))
    """Number of web server processes `make run` starts."""
    data_dir: Path = field(default_factory=lambda: Path(_env("DATA_DIR", str(PROJECT_ROOT / ".data"))))
    """Where the embedded PostgreSQL/Redis, metrics files and mail live."""
    csrf_trusted_origins: frozenset[str] = field(
        default_factory=lambda: frozenset(o.strip() for o in _env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip())
    )
    """Other origins (scheme://host[:port], comma-separated) allowed to send unsafe requests, e.g. a front end."""
    default_tenant_id: UUID = field(
        default_factory=lambda: UUID(_env("DEFAULT_TENANT_ID", "00000000-0000-4000-8000-000000000001"))
    )
    """The default shop: the data that predates tenants, `make seed` and `create-admin` without `--tenant`.

    Requests never fall back to it: each finds its shop by host name (see TenancySettings).
    """
    password_hash_threads: int = field(default_factory=lambda: _env_int("PASSWORD_HASH_THREADS", 2))
    """Threads per process that hash and verify passwords (argon2id); more logins than this wait in a queue."""
    template_auto_reload: bool = field(
        default_factory=lambda: _env_bool("TEMPLATE_AUTO_RELOAD", _env("APP_ENV", "development") == "development")
    )
    """Re-read a template whose file changed (a `stat` per template per render); on by default only in development."""

    @property
    def is_development(self) -> bool:
        return self.environment == "development"


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = field(default_factory=lambda: _env("DATABASE_URL", ""))
    """DSN of the application role (web and worker): not superuser, no BYPASSRLS, owns no table.

    Empty means `make run` / `make test` start an embedded server under DATA_DIR and create both roles.
    """
    migration_url: str = field(default_factory=lambda: _env("MIGRATION_DATABASE_URL", "") or _env("DATABASE_URL", ""))
    """DSN of the owner role that runs migrations and `app.cli tenant`; empty: DATABASE_URL (not for production)."""
    pool_min_size: int = field(default_factory=lambda: _env_int("DATABASE_POOL_MIN", 0))
    """Connections kept open when idle; 0 lets a process start while PostgreSQL is down (readiness says so)."""
    pool_max_size: int = field(default_factory=lambda: _env_int("DATABASE_POOL_MAX", 10))
    """Most connections one web process holds; the worker sizes its pool as WORKER_CONCURRENCY + 2 instead."""


@dataclass(frozen=True)
class RedisSettings:
    url: str = field(default_factory=lambda: _env("REDIS_URL", ""))
    """Redis URL; empty means an embedded redis-server under DATA_DIR."""
    connect_timeout_seconds: float = field(default_factory=lambda: _env_float("REDIS_CONNECT_TIMEOUT_SECONDS", 0.25))
    """Longest wait for a connection to Redis; then the call fails (Redis is never worth holding a sale for)."""
    command_timeout_seconds: float = field(default_factory=lambda: _env_float("REDIS_COMMAND_TIMEOUT_SECONDS", 0.5))
    """Longest wait for one Redis command's answer (a frozen Redis accepts connections but never answers)."""
    breaker_failures: int = field(default_factory=lambda: _env_int("REDIS_BREAKER_FAILURES", 3))
    """Failed Redis calls in a row that open the circuit: calls then fail at once, without waiting."""
    breaker_reset_seconds: float = field(default_factory=lambda: _env_float("REDIS_BREAKER_RESET_SECONDS", 5.0))
    """How long an open circuit refuses calls before one trial call checks whether Redis is back."""


@dataclass(frozen=True)
class SessionSettings:
    cookie_name: str = field(default_factory=lambda: _env("SESSION_COOKIE", "sessionid"))
    """Name of the session cookie."""
    idle_timeout_minutes: int = field(default_factory=lambda: _env_int("SESSION_IDLE_MINUTES", 60 * 24))
    """A session unused this long is gone (renewed on use, written at most once a minute)."""
    absolute_timeout_hours: int = field(default_factory=lambda: _env_int("SESSION_ABSOLUTE_HOURS", 24 * 7))
    """A session older than this is gone however busy it is."""


def _env_networks(name: str, default: str) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(n.strip(), strict=False) for n in _env(name, default).split(",") if n.strip())


@dataclass(frozen=True)
class MetricsSettings:
    allowed_networks: tuple[IPv4Network | IPv6Network, ...] = field(
        default_factory=lambda: _env_networks("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
    )
    """Client networks (CIDRs, comma-separated) that may read /metrics without a token; empty: none."""
    token: str = field(default_factory=lambda: _env("METRICS_TOKEN", ""))
    """Bearer token that opens /metrics from any address; empty: no token opens it."""


@dataclass(frozen=True)
class LogSettings:
    level: str = field(default_factory=lambda: _env("LOG_LEVEL", "INFO"))
    """Lowest level logged."""
    format: str = field(default_factory=lambda: _env("LOG_FORMAT", ""))
    """`console` or `json`; empty means console in development, JSON elsewhere."""


@dataclass(frozen=True)
class WorkerSettings:
    concurrency: int = field(default_factory=lambda: _env_int("WORKER_CONCURRENCY", 10))
    """Jobs one SAQ worker runs at once."""
    outbox_sweep_seconds: int = field(default_factory=lambda: _env_int("OUTBOX_SWEEP_SECONDS", 5))
    """How often the sweeper runs: 60 or more is once a minute, else 1-30 (31-59 become 30); best a divisor of 60."""
    outbox_grace_seconds: int = field(default_factory=lambda: _env_int("OUTBOX_GRACE_SECONDS", 3))
    """Age an unpublished outbox row must reach before the sweeper takes it (the relay's head start)."""
    delivery_timeout_seconds: int = field(default_factory=lambda: _env_int("DELIVERY_TIMEOUT_SECONDS", 30))
    """How long one event's delivery job may run; a job a dead worker left running is retried this long
    after it started (plus the stuck-job sweep, 5 s)."""
    queue_name: str = field(default_factory=lambda: _env("QUEUE_NAME", "emporium"))
    """SAQ queue name (tests use their own)."""


@dataclass(frozen=True)
class TenancySettings:
    base_domain: str = field(default_factory=lambda: _env("TENANT_BASE_DOMAIN", ""))
    """A shop also answers on `<slug>.<base domain>` (e.g. `shops.example.com`); empty: exact host names only."""
    directory_cache_seconds: float = field(default_factory=lambda: _env_float("TENANT_CACHE_SECONDS", 30.0))
    """How long a web process keeps the tenant directory: a new tenant or host name answers within this time."""


@dataclass(frozen=True)
class ShopSettings:
    cart_reservation_minutes: int = field(default_factory=lambda: _env_int("CART_RESERVATION_MINUTES", 30))
    """A cart idle this long loses its reservations (the expiry job releases the stock)."""
    expiry_sweep_seconds: int = field(default_factory=lambda: _env_int("CART_EXPIRY_SWEEP_SECONDS", 60))
    """How often the expiry job looks for stale carts: 60 or more is once a minute, else 1-30 (31-59 become 30)."""
    stock_locking: str = field(default_factory=lambda: _env("STOCK_LOCKING", "pessimistic"))
    """How reservations guard product rows: `pessimistic` (SELECT … FOR UPDATE) or `optimistic` (version + retry)."""
    stock_retry_attempts: int = field(default_factory=lambda: _env_int("STOCK_RETRY_ATTEMPTS", 6))
    """Optimistic only: tries of one operation before a lost race is answered 409 "try again"."""
    stock_retry_base_ms: float = field(default_factory=lambda: _env_float("STOCK_RETRY_BASE_MS", 2.0))
    """Optimistic only: the pause before retry n is random in [0, base · 2^(n-1)] ms (jitter)…"""
    stock_retry_max_ms: float = field(default_factory=lambda: _env_float("STOCK_RETRY_MAX_MS", 50.0))
    """…and never longer than this."""

    def __post_init__(self) -> None:
        if self.stock_locking not in {"pessimistic", "optimistic"}:
            raise ValueError(f"STOCK_LOCKING must be pessimistic or optimistic, not {self.stock_locking!r}")
        if self.stock_retry_attempts < 1:
            raise ValueError("STOCK_RETRY_ATTEMPTS must be at least 1")


@dataclass(frozen=True)
class EmailSettings:
    incident_recipients: tuple[str, ...] = field(
        default_factory=lambda: tuple(r.strip() for r in _env("INCIDENT_RECIPIENTS", "").split(",") if r.strip())
    )
    """Comma-separated addresses that receive incident e-mails; empty sends none (a warning is logged)."""
    incident_window_seconds: int = field(default_factory=lambda: _env_int("INCIDENT_WINDOW_SECONDS", 300))
    """Repeats of an incident (same error type and route) this soon after the first are counted, not mailed."""
    incident_mails_per_minute: int = field(default_factory=lambda: _env_int("INCIDENT_MAILS_PER_MINUTE", 10))
    """Most incident e-mails sent in one minute; the rest are logged (`incident_mail_capped`)."""
    sender: str = field(default_factory=lambda: _env("EMAIL_FROM", "Emporium <noreply@emporium.local>"))
    """From address of the shop's e-mails."""
    smtp_host: str = field(default_factory=lambda: _env("SMTP_HOST", ""))
    """SMTP server; empty means e-mails are written as .eml files under DATA_DIR/mail (development, tests)."""
    smtp_port: int = field(default_factory=lambda: _env_int("SMTP_PORT", 587))
    """SMTP port."""
    smtp_username: str = field(default_factory=lambda: _env("SMTP_USERNAME", ""))
    """SMTP login, if the server wants one."""
    smtp_password: str = field(default_factory=lambda: _env("SMTP_PASSWORD", ""))
    """SMTP password."""
    smtp_starttls: bool = field(default_factory=lambda: _env("SMTP_STARTTLS", "true").lower() in {"1", "true", "yes"})
    """Upgrade the SMTP connection with STARTTLS."""


def _env_list(name: str, default: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in _env(name, default).split(",") if item.strip())


@dataclass(frozen=True)
class RateLimitSettings:
    """Policies are `LIMIT/SECONDS` (moving window); `*_UNAVAILABLE` is open | closed | local (see rate-limiting.md)."""

    login_per_account: str = field(default_factory=lambda: _env("RATE_LIMIT_LOGIN_ACCOUNT", "5/300"))
    """Login attempts for one username from anywhere; a successful login starts the count afresh."""
    login_per_address: str = field(default_factory=lambda: _env("RATE_LIMIT_LOGIN_ADDRESS", "20/300"))
    """Login attempts from one client address, whatever the usernames (every attempt counts)."""
    login_when_unavailable: str = field(default_factory=lambda: _env("RATE_LIMIT_LOGIN_UNAVAILABLE", "local"))
    """Without Redis: `local` counts per web process, `closed` refuses logins, `open` stops counting."""
    writes_per_user: str = field(default_factory=lambda: _env("RATE_LIMIT_WRITES", "120/60"))
    """Unsafe requests (cart, checkout, admin) per logged-in user; an anonymous one counts per address."""
    writes_when_unavailable: str = field(default_factory=lambda: _env("RATE_LIMIT_WRITES_UNAVAILABLE", "open"))
    """Without Redis: `open` serves writes uncounted (a sale must not wait for Redis)."""
    reads_per_address: str = field(default_factory=lambda: _env("RATE_LIMIT_READS", "600/60"))
    """GET and HEAD requests of anonymous visitors per client address (logged-in users' reads are not limited)."""
    reads_when_unavailable: str = field(default_factory=lambda: _env("RATE_LIMIT_READS_UNAVAILABLE", "open"))
    """Without Redis: `open` serves reads uncounted."""
    trusted_proxies: tuple[str, ...] = field(default_factory=lambda: _env_list("TRUSTED_PROXIES", ""))
    """CIDRs of reverse proxies whose `Forwarded` / `X-Forwarded-For` are believed; empty: the peer is the client."""


@dataclass(frozen=True)
class ImageSettings:
    """Uploaded product images: where they are kept and what an upload may be (docs/patterns/file-uploads.md)."""

    storage: str = field(default_factory=lambda: _env("IMAGE_STORAGE", "local"))
    """`local` (a directory: one machine) or `s3` (an S3-compatible bucket: any number of machines)."""
    directory: str = field(default_factory=lambda: _env("IMAGE_DIR", ""))
    """Directory of the `local` store; empty: DATA_DIR/images."""
    s3_endpoint_url: str = field(default_factory=lambda: _env("S3_ENDPOINT_URL", ""))
    """Endpoint of the `s3` store, e.g. https://s3.eu-west-1.amazonaws.com or http://minio:9000."""
    s3_bucket: str = field(default_factory=lambda: _env("S3_BUCKET", ""))
    """Bucket of the `s3` store (it must exist; objects are addressed path-style)."""
    s3_region: str = field(default_factory=lambda: _env("S3_REGION", "us-east-1"))
    """Region the `s3` store's requests are signed for."""
    s3_access_key_id: str = field(default_factory=lambda: _env("S3_ACCESS_KEY_ID", ""))
    """Access key of the `s3` store."""
    s3_secret_access_key: str = field(default_factory=lambda: _env("S3_SECRET_ACCESS_KEY", ""))
    """Secret key of the `s3` store."""
    max_upload_bytes: int = field(default_factory=lambda: _env_int("IMAGE_MAX_UPLOAD_BYTES", 8 * 1024 * 1024))
    """Largest upload request body accepted; a larger one is refused with 413 before it is read whole."""
    max_pixels: int = field(default_factory=lambda: _env_int("IMAGE_MAX_PIXELS", 25_000_000))
    """Most pixels (width x height) an uploaded image may have: a decompression bomb is refused unread."""

    def local_directory(self, data_dir: Path) -> Path:
        return Path(self.directory) if self.directory else data_dir / "images"


@dataclass(frozen=True)
class Settings:
    app: AppSettings = field(default_factory=AppSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    redis: RedisSettings = field(default_factory=RedisSettings)
    session: SessionSettings = field(default_factory=SessionSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    log: LogSettings = field(default_factory=LogSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    shop: ShopSettings = field(default_factory=ShopSettings)
    tenancy: TenancySettings = field(default_factory=TenancySettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    rate_limits: RateLimitSettings = field(default_factory=RateLimitSettings)
    images: ImageSettings = field(default_factory=ImageSettings)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings()
