"""Shipping addresses: what the shopper typed, and what the verification service vouched for."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from app.domain.errors import DomainError, ValidationError
from app.domain.parsing import is_storable
from app.domain.validation import validate_fields

_LIMITS = {"street_line_1": 200, "street_line_2": 200, "city": 100, "state": 100, "postal_code": 20, "country": 2}
_LABELS = {
    "street_line_1": "Street address",
    "street_line_2": "Apartment, suite, etc.",
    "city": "City",
    "state": "State",
    "postal_code": "Postal code",
    "country": "Country",
}


def _text(raw: Any, field: str, *, required: bool) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise ValidationError(field, f"{_LABELS[field]} must be text")
    value = raw.strip()
    if not is_storable(value):
        raise ValidationError(field, f"{_LABELS[field]} contains characters that cannot be stored")
    if required and not value:
        raise ValidationError(field, f"{_LABELS[field]} is required")
    if len(value) > _LIMITS[field]:
        raise ValidationError(field, f"{_LABELS[field]} must be at most {_LIMITS[field]} characters")
    return value


@dataclass(frozen=True)
class UnverifiedAddress:
    street_line_1: str
    street_line_2: str
    city: str
    state: str
    postal_code: str
    country: str = "US"

    @classmethod
    def parse(cls, data: Any) -> UnverifiedAddress:
        """From a form or JSON object; every missing or over-long field is reported at once."""
        if not isinstance(data, dict):
            raise ValidationError("shipping_address", "shipping_address is required")
        values = validate_fields(
            **{
                field: (lambda f=field: _text(data.get(f), f, required=f != "street_line_2"))
                for field in ("street_line_1", "street_line_2", "city", "state", "postal_code")
            },
            country=lambda: _text(data.get("country") or "US", "country", required=True).upper(),
        )
        return cls(**values)


@dataclass(frozen=True)
class VerifiedAddress:
    """Standardised by the verification service; only this kind can go on an order."""

    street_line_1: str
    street_line_2: str | None
    city: str
    state: str
    postal_code: str
    country: str
    verification_id: str


class VerificationOutcome(enum.StrEnum):
    INVALID = "invalid"
    UNDELIVERABLE = "undeliverable"
    SERVICE_UNAVAILABLE = "service_unavailable"


_REASONS = {
    VerificationOutcome.INVALID: "Address not found or is invalid",
    VerificationOutcome.UNDELIVERABLE: "Address exists but cannot receive deliveries",
    VerificationOutcome.SERVICE_UNAVAILABLE: "Address verification service is temporarily unavailable",
}


class AddressVerificationFailed(DomainError):
    """The address was refused, or could not be checked (fail-closed: no order without a verified address)."""

    code = "address_verification_failed"

    def __init__(self, outcome: VerificationOutcome) -> None:
        super().__init__(f"Address verification failed: {_REASONS[outcome]}")
        self.outcome = outcome
        self.field = "street_line_1" if outcome is VerificationOutcome.INVALID else None
