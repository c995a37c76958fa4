"""Shipping addresses: what the shopper typed, and what the verification service vouched for."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from app.domain.countries import COUNTRIES, SUBDIVISIONS
from app.domain.errors import DomainError, ValidationError
from app.domain.parsing import is_storable
from app.domain.validation import validate_fields

_LIMITS = {"street_line_1": 200, "street_line_2": 200, "city": 100, "state": 100, "postal_code": 20, "country": 2}
_LABELS = {
    "street_line_1": "Street address",
    "street_line_2": "Apartment, suite, etc.",
    "city": "City",
    "state": "State or region",
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


_SUBDIVISION_WORDS = {"US": "a US state (for example IL)", "CA": "a Canadian province or territory (for example ON)"}
_POSTAL_CODE = re.compile(r"[A-Z0-9][A-Z0-9 -]*", re.ASCII)
_POSTAL_CODES = {
    "US": (
        re.compile(r"\d{5}(-\d{4})?", re.ASCII),
        "Postal code must be a ZIP code: 5 digits (62701) or ZIP+4 (62701-1234)",
    ),
    "CA": (re.compile(r"[A-Z]\d[A-Z] ?\d[A-Z]\d", re.ASCII), "Postal code must be a Canadian one, such as K1A 0B1"),
}


def _country(raw: Any) -> str:
    code = _text(raw or "US", "country", required=True).upper()
    if code not in COUNTRIES:
        raise ValidationError("country", "Choose a country from the list (an ISO 3166 two-letter code such as US)")
    return code


def _state(raw: Any, country: str | None) -> str:
    """Required and one of the list where the country has one (US, CA): its code or its name."""
    subdivisions = SUBDIVISIONS.get(country or "")
    value = _text(raw, "state", required=subdivisions is not None)
    if subdivisions is None:
        return value
    by_name = {name.casefold(): code for code, name in subdivisions.items()}
    code = value.upper() if value.upper() in subdivisions else by_name.get(value.casefold())
    if code is None:
        raise ValidationError("state", f"State or region must be {_SUBDIVISION_WORDS[country or '']}")
    return code


def _postal_code(raw: Any, country: str | None) -> str:
    value = _text(raw, "postal_code", required=True)  # as typed: the verifier standardises it
    if not _POSTAL_CODE.fullmatch(value.upper()):
        raise ValidationError("postal_code", "Postal code may contain only letters, digits, spaces and hyphens")
    pattern, message = _POSTAL_CODES.get(country or "", (None, ""))
    if pattern is not None and not pattern.fullmatch(value.upper()):
        raise ValidationError("postal_code", message)
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
        """From a form or JSON object; every field at fault is reported at once.

        The country is an ISO 3166-1 alpha-2 code (default US); the state and postal code are checked
        against it once it is known (a wrong country leaves them to the shape checks alone).
        """
        if not isinstance(data, dict):
            raise ValidationError("shipping_address", "shipping_address is required")
        try:
            country: str | None = _country(data.get("country"))
        except ValidationError:
            country = None
        values = validate_fields(
            **{
                field: (lambda f=field: _text(data.get(f), f, required=f != "street_line_2"))
                for field in ("street_line_1", "street_line_2", "city")
            },
            state=lambda: _state(data.get("state"), country),
            postal_code=lambda: _postal_code(data.get("postal_code"), country),
            country=lambda: _country(data.get("country")),
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
