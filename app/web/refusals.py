"""Domain errors → HTTP statuses and the words shown for them: the one table every interface answers from.

Each interface renders its own body from a `Refusal` (an error page, a form with the reasons
beside its fields, API v1's JSON); an interface whose clients know other statuses passes its
overrides (`FORM_STATUSES` for forms, `V1_STATUSES` for API v1, `V2_STATUSES` for API v2). The most
specific class listed for an error wins, whether it comes from the table or from the overrides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.addresses import AddressVerificationFailed, VerificationOutcome
from app.domain.carts import EmptyCart
from app.domain.errors import (
    AuthenticationRequired,
    Conflict,
    DomainError,
    InvalidCredentials,
    NotFound,
    PermissionDenied,
    StockContention,
    ValidationError,
)

Status = int | Callable[[Any], int]
"""A status, or how to choose one from the error itself."""


def _address_status(error: AddressVerificationFailed) -> int:
    """An address refused is input to correct; the verification service being down is ours, for a while."""
    return 503 if error.outcome is VerificationOutcome.SERVICE_UNAVAILABLE else 422


STATUSES: Mapping[type[DomainError], Status] = {
    DomainError: 400,
    AuthenticationRequired: 401,
    InvalidCredentials: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    AddressVerificationFailed: _address_status,
}
"""Every interface's statuses, unless it overrides some. A refused input (ValidationError) is a plain 400."""

V1_STATUSES: Mapping[type[DomainError], Status] = {
    Conflict: 400,
    AddressVerificationFailed: 400,
    StockContention: 409,
}
"""API v1 answers every business refusal with 400 (insufficient stock and an unverifiable address included);
a lost race for stock is no refusal of the request but "try again": 409, as everywhere."""

V2_STATUSES: Mapping[type[DomainError], Status] = {ValidationError: 422, EmptyCart: 409}
"""API v2 (RFC 9457 problems): invalid input is 422; an empty cart is a conflict with the cart's state, 409."""

FORM_STATUSES: Mapping[type[DomainError], Status] = {ValidationError: 422}
"""A form sent back with the reasons beside its fields: 422, input to correct and send again."""

TITLES = {
    400: "Bad request",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Please check your input",
    429: "Slow down",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}
"""A heading for each status, in words for a person."""


@dataclass(frozen=True)
class Refusal:
    """How a domain error is answered, whatever the interface: its status, a heading and the reason."""

    status: int
    title: str
    message: str


def status_of(error: DomainError, overrides: Mapping[type[DomainError], Status] | None = None) -> int:
    table = {**STATUSES, **(overrides or {})}
    status = next(table[kind] for kind in type(error).__mro__ if kind in table)
    return status if isinstance(status, int) else status(error)


def refusal_of(error: DomainError, overrides: Mapping[type[DomainError], Status] | None = None) -> Refusal:
    status = status_of(error, overrides)
    return Refusal(status, title_of(status), error.message)


def title_of(status: int) -> str:
    return TITLES.get(status, "Error")
