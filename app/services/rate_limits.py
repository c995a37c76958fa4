"""The rate-limit port: a policy, the decision on one request, and the limiter that counts (adapters implement it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class WhenUnavailable(StrEnum):
    """What a policy does while its counters (Redis) cannot be reached."""

    OPEN = "open"
    """Admit uncounted: what a shop does for browsing and buying."""
    CLOSED = "closed"
    """Refuse (503): nothing is served that the limit cannot be checked for."""
    LOCAL = "local"
    """Count in this process only: the limit still holds per process, so N processes admit up to N times it."""


@dataclass(frozen=True)
class RateLimitPolicy:
    name: str
    """Names the policy in headers (`RateLimit-Policy: "login-account";q=5;w=300`), keys and metrics."""
    limit: int
    window_seconds: int
    when_unavailable: WhenUnavailable = WhenUnavailable.OPEN

    @classmethod
    def parse(cls, name: str, text: str, when_unavailable: str = "open") -> RateLimitPolicy:
        """`"5/300"`: five requests in any 300 seconds."""
        limit, _, window = text.partition("/")
        try:
            policy = cls(name, int(limit), int(window), WhenUnavailable(when_unavailable.strip().lower()))
        except ValueError:
            raise ValueError(
                f"rate limit {name!r}: expected LIMIT/SECONDS and open|closed|local, got {text!r}, {when_unavailable!r}"
            ) from None
        if policy.limit < 1 or policy.window_seconds < 1:
            raise ValueError(f"rate limit {name!r}: limit and window must be positive, got {text!r}")
        return policy


@dataclass(frozen=True)
class RateLimitDecision:
    policy: RateLimitPolicy
    allowed: bool
    remaining: int
    """Requests still admitted in the current window, after this one."""
    reset_seconds: int
    """Seconds until the window has room again (at least 1 when refused)."""


class RateLimitUnavailable(Exception):
    """The counters could not be reached; the policy's `when_unavailable` decides."""


class RateLimiter(Protocol):
    async def hit(self, policy: RateLimitPolicy, key: str) -> RateLimitDecision:
        """Count one request for `key` under `policy`, atomically across every process sharing the counters.

        A refused request is not counted. Raises RateLimitUnavailable when the counters cannot be reached.
        """
        ...

    async def reset(self, policy: RateLimitPolicy, key: str) -> None:
        """Forget `key`'s requests under `policy` (a successful login clears its account's failures)."""
        ...
