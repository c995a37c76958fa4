"""How API v1 words its errors: domain errors mapped to v1's statuses, and v1's own refusals.

The statuses come from the one table (app.web.refusals) with v1's overrides: every business error
is a 400 (insufficient stock included), 401, 403 and 404 are kept for who-is-asking and not-found.
The wording is v1's own where it differs from the domain's. Framework errors (unknown route, wrong
method, CSRF, a crash) are answered by app.web.errors in v1's shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from litestar import MediaType, Request, Response

from app.domain.addresses import AddressVerificationFailed
from app.domain.carts import EmptyCart
from app.domain.coupons import CouponAlreadyUsed, CouponExpired
from app.domain.errors import (
    DomainError,
    DuplicateProductName,
    InvalidCredentials,
    PermissionDenied,
    ProductAlreadyDeleted,
    ProductNotDeleted,
    ValidationError,
)
from app.domain.parsing import NumberOutOfRange
from app.services.idempotency import AlreadyAnswered
from app.web.idempotency import IdempotencyKeyProblem, already_answered_handler
from app.web.refusals import V1_STATUSES, status_of


class ApiError(Exception):
    """A refusal v1 makes itself, before (or instead of) calling a service, with its exact body."""

    def __init__(self, status_code: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status_code = status_code
        self.body = body


def bad_request(message: str) -> ApiError:
    return ApiError(400, {"error": message})


def reworded(error: ValidationError, wording: Mapping[str, str]) -> ValidationError:
    """The same refusal of the same field in v1's words, where they differ from the domain's (the HTML pages')."""
    return ValidationError(error.field, wording.get(error.message, error.message))


V1_COUPON_WORDING = {
    "Discount must be a number, such as 10 or 12.5": "discount_percent must be a valid number",
    "Discount must be from 0.01 to 100 %": "discount_percent must be between 0 (exclusive) and 100 (inclusive)",
    "Discount can have at most two decimal places": "discount_percent can have at most two decimal places",
    "Expiry must be a date and time with a time zone": "expires_at must be a date and time with a time zone",
    "Expiry must be in the future": "expires_at must be in the future",
}
"""api-v1.md §8.2 names the fields in its messages; the coupon form (the domain) says it in the form's words."""


@contextmanager
def reported_without_field(wording: Mapping[str, str] | None = None) -> Iterator[None]:
    """v1's coupon, flag and group views answered a refused input with `{"error"}` alone, naming no field."""
    try:
        yield
    except ValidationError as error:
        raise bad_request((wording or {}).get(error.message, error.message)) from None


@contextmanager
def refusal_named(action: str) -> Iterator[None]:
    """A permission refusal that names v1's operation where the service's use case has another name."""
    try:
        yield
    except PermissionDenied as denied:
        raise PermissionDenied(action, denied.reason) from None


def _number_wording(error: NumberOutOfRange) -> str:
    """v1's separate messages for a quantity too small and too large (the pages state the range at once)."""
    if error.value is not None and error.value > error.maximum:
        return f"Quantity must be at most {error.maximum}"
    return "Quantity must be greater than 0"


_V1_WORDING: dict[type[Any], Callable[[Any], str]] = {
    NumberOutOfRange: _number_wording,
    InvalidCredentials: lambda error: "Invalid credentials",
    PermissionDenied: lambda error: f"Permission denied for '{error.action}': {error.reason}",
    ProductAlreadyDeleted: lambda error: f"Product '{error.product_id}' is already deleted",
    ProductNotDeleted: lambda error: f"Product '{error.product_id}' is not deleted",
}
"""Messages v1 words differently from the domain (whose wording the HTML pages show)."""

_REPORTED_WITHOUT_FIELD = (EmptyCart, CouponAlreadyUsed, CouponExpired, DuplicateProductName)
"""Domain validation errors that v1 reported as plain business errors: `{"error"}` with no `field`."""


def body_of(error: DomainError) -> dict[str, Any]:
    wording = _V1_WORDING.get(type(error))
    body: dict[str, Any] = {"error": wording(error) if wording else error.message}
    if isinstance(error, AddressVerificationFailed):
        body["field"] = error.field  # present even when null (api-v1.md §7.7)
    elif isinstance(error, ValidationError) and not isinstance(error, _REPORTED_WITHOUT_FIELD):
        body["field"] = error.field
    return body


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return Response(body_of(exc), status_code=status_of(exc, V1_STATUSES), media_type=MediaType.JSON)


def api_error_handler(request: Request[Any, Any, Any], exc: ApiError) -> Response[Any]:
    return Response(exc.body, status_code=exc.status_code, media_type=MediaType.JSON)


def idempotency_key_handler(request: Request[Any, Any, Any], exc: IdempotencyKeyProblem) -> Response[Any]:
    return Response({"error": exc.detail}, status_code=400, media_type=MediaType.JSON)


V1_EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error_handler,
    ApiError: api_error_handler,
    AlreadyAnswered: already_answered_handler,  # the optional Idempotency-Key of cart submit
    IdempotencyKeyProblem: idempotency_key_handler,
}
