"""Rate limits on every request: which policy applies, the 429 it ends in, and the IETF RateLimit header fields.

Policies (settings → RateLimitPolicy): anonymous reads per client address, writes per user (per
address when anonymous), login attempts per account and per address (counted by the login
handlers through `login_attempt`). Health, metrics and static files are never limited.
Responses of limited routes carry `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-
ratelimit-headers-11); a refusal raises RateLimitExceeded, answered in app.web.errors.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.domain.errors import InvalidCredentials
from app.services.rate_limits import (
    RateLimitDecision,
    RateLimiter,
    RateLimitPolicy,
    RateLimitUnavailable,
    WhenUnavailable,
)
from app.web.client_address import IPNetwork, client_address
from app.web.current_user import current_user
from app.web.metrics import LOGIN_FAILURES_TOTAL, RATE_LIMIT_UNAVAILABLE_TOTAL, RATE_LIMITED_REQUESTS_TOTAL
from app.web.response_headers import encoded, set_headers

log = structlog.get_logger(__name__)

EXEMPT_PATHS = re.compile(r"^/(static/|images/|health/|metrics/?$|favicon\.ico$|api/(v1/)?(health|metrics)/?$)")
"""Never limited: probes and scrapes must answer however busy the shop is; static files and images are cached."""
LOGIN_PATHS = frozenset({"/login", "/api/v1/auth/login", "/api/auth/login", "/api/v2/session"})
"""Their POSTs (log in) are counted by the handler (`login_attempt`), which knows the account.

Scope paths lose the trailing slash."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNAVAILABLE_LOG_EVERY_SECONDS = 10.0
"""While Redis is down every request would log the same warning; one per policy per this interval is enough."""
_DECISIONS_KEY = "emporium_rate_limits"


class RateLimitExceeded(Exception):
    def __init__(self, decision: RateLimitDecision) -> None:
        super().__init__(decision.policy.name)
        self.decision = decision

    @property
    def retry_after(self) -> int:
        return self.decision.reset_seconds

    @property
    def is_login(self) -> bool:
        return self.decision.policy.name.startswith("login")


class RateLimitCheckUnavailable(Exception):
    """A policy that fails closed could not be checked: the request is refused with 503."""

    retry_after = 30

    def __init__(self, policy: RateLimitPolicy) -> None:
        super().__init__(policy.name)
        self.policy = policy


@dataclass(frozen=True)
class RateLimitPolicies:
    login_per_account: RateLimitPolicy
    login_per_address: RateLimitPolicy
    writes: RateLimitPolicy
    reads: RateLimitPolicy


def policy_field(decisions: Sequence[RateLimitDecision]) -> str:
    """`RateLimit-Policy: "login-account";q=5;w=300, …` (one item per policy applied)."""
    return ", ".join(f'"{d.policy.name}";q={d.policy.limit};w={d.policy.window_seconds}' for d in decisions)


def limit_field(decisions: Sequence[RateLimitDecision]) -> str:
    """`RateLimit: "login-account";r=0;t=240, …`: what remains and the seconds until there is room again."""
    return ", ".join(f'"{d.policy.name}";r={d.remaining};t={d.reset_seconds}' for d in decisions)


def rate_limit_fields(scope: Scope) -> dict[str, str]:
    """The RateLimit header fields of the policies applied to this request so far (none: no fields)."""
    decisions: list[RateLimitDecision] = scope["state"].get(_DECISIONS_KEY, [])
    if not decisions:
        return {}
    return {"RateLimit-Policy": policy_field(decisions), "RateLimit": limit_field(decisions)}


def wait_in_words(seconds: int) -> str:
    """How a person reads a wait: "45 s", "4 min" (rounded up, so the wait is never longer than said)."""
    if seconds < 60:
        return f"{max(1, seconds)} s"
    return f"{-(-seconds // 60)} min"


class RateLimits:
    """Applies the policies with the shared limiter, falling back per policy while it is unavailable."""

    def __init__(
        self,
        policies: RateLimitPolicies,
        limiter: RateLimiter,
        local_limiter: RateLimiter,
        trusted_proxies: Sequence[IPNetwork],
    ) -> None:
        self.policies = policies
        self._limiter = limiter
        self._local = local_limiter
        self.trusted_proxies = tuple(trusted_proxies)
        self._last_unavailable_log: dict[str, float] = {}

    def address(self, scope: Scope) -> str:
        return client_address(scope, self.trusted_proxies)

    async def enforce(self, scope: Scope, policy: RateLimitPolicy, key: str) -> None:
        """Count the request; raise RateLimitExceeded (429) or RateLimitCheckUnavailable (503) to refuse it."""
        decision = await self._decide(policy, key)
        if decision is None:
            return
        scope["state"].setdefault(_DECISIONS_KEY, []).append(decision)
        if not decision.allowed:
            RATE_LIMITED_REQUESTS_TOTAL.labels(policy.name).inc()
            log.info("rate_limited", policy=policy.name, retry_after=decision.reset_seconds)
            raise RateLimitExceeded(decision)

    async def forget(self, policy: RateLimitPolicy, key: str) -> None:
        for limiter in (self._limiter, self._local):
            with suppress(RateLimitUnavailable):  # its count then runs out with its window
                await limiter.reset(policy, key)

    @asynccontextmanager
    async def login_attempt(self, scope: Scope, username: object) -> AsyncIterator[None]:
        """Around checking a password: each attempt counts before the check, a success clears its account's count.

        Counting before the check is what makes the limit exact across processes (concurrent
        guesses cannot all pass a "not yet over?" test) and spares argon2 the refused ones.
        """
        account = self._account_key(scope, username)
        await self.enforce(scope, self.policies.login_per_address, self.address(scope))
        if account is not None:
            await self.enforce(scope, self.policies.login_per_account, account)
        try:
            yield
        except InvalidCredentials:
            LOGIN_FAILURES_TOTAL.inc()
            raise
        if account is not None:
            # The owner proved the password: their earlier typos no longer count against the account.
            await self.forget(self.policies.login_per_account, account)

    @staticmethod
    def _account_key(scope: Scope, username: object) -> str | None:
        if not isinstance(username, str) or not username.strip():
            return None  # refused as incomplete before any password is checked
        return f"{current_user(scope).tenant_id}:{username.strip().casefold()}"

    async def _decide(self, policy: RateLimitPolicy, key: str) -> RateLimitDecision | None:
        try:
            return await self._limiter.hit(policy, key)
        except RateLimitUnavailable as error:
            outcome = policy.when_unavailable
            RATE_LIMIT_UNAVAILABLE_TOTAL.labels(policy.name, outcome.value).inc()
            self._log_unavailable(policy, outcome, error)
            if outcome is WhenUnavailable.CLOSED:
                raise RateLimitCheckUnavailable(policy) from None
            if outcome is WhenUnavailable.LOCAL:
                return await self._local.hit(policy, key)
            return None

    def _log_unavailable(self, policy: RateLimitPolicy, outcome: WhenUnavailable, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_unavailable_log.get(policy.name, -UNAVAILABLE_LOG_EVERY_SECONDS) >= (
            UNAVAILABLE_LOG_EVERY_SECONDS
        ):
            self._last_unavailable_log[policy.name] = now
            log.warning("rate_limit_unavailable", policy=policy.name, outcome=outcome.value, error=str(error))


class RateLimitMiddleware:
    """Counts each request under its policy and adds the RateLimit fields of every policy applied to it.

    The limits are the app's (`app.state.rate_limits`, set with its services by `app.main.install_services`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or EXEMPT_PATHS.match(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_with_fields(message: Message) -> None:
            if message["type"] == "http.response.start" and (fields := rate_limit_fields(scope)):
                set_headers(message, encoded(fields))
            await send(message)

        await self._count(scope, scope["app"].state.rate_limits)
        await self.app(scope, receive, send_with_fields)

    async def _count(self, scope: Scope, rate_limits: RateLimits) -> None:
        method: str = scope["method"]  # type: ignore[typeddict-item]  # HTTP scopes only (see __call__)
        policies = rate_limits.policies
        user = current_user(scope)
        if method in SAFE_METHODS:
            if not user.is_authenticated:
                await rate_limits.enforce(scope, policies.reads, rate_limits.address(scope))
        elif method != "POST" or scope["path"].rstrip("/") not in LOGIN_PATHS:
            key = f"user:{user.user_id}" if user.is_authenticated else f"address:{rate_limits.address(scope)}"
            await rate_limits.enforce(scope, policies.writes, key)
