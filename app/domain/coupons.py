"""The Coupon aggregate: a code worth a percentage off, until it expires, once per customer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from uuid import UUID, uuid4

from app.domain.aggregate import Aggregate
from app.domain.errors import Conflict, NotFound, ValidationError
from app.domain.events import CouponCreated, utc_now
from app.domain.money import round_half_up
from app.domain.parsing import storable
from app.domain.validation import validate_fields

MAX_CODE_LENGTH = 50


class CouponNotFound(NotFound):
    code = "coupon_not_found"

    def __init__(self, code: str) -> None:
        super().__init__(f"Coupon '{code}' not found")


class CouponExpired(ValidationError):
    code = "coupon_expired"

    def __init__(self, code: str) -> None:
        super().__init__("coupon_code", f"Coupon '{code}' has expired")


class CouponAlreadyUsed(ValidationError):
    code = "coupon_already_used"

    def __init__(self, code: str) -> None:
        super().__init__("coupon_code", f"Coupon '{code}' has already been used by this account")


class DuplicateCouponCode(Conflict):
    code = "duplicate_coupon_code"

    def __init__(self, code: str) -> None:
        super().__init__(f"Coupon '{code}' already exists")


def normalise_code(raw: object) -> str:
    """The code as stored (upper case), or "" for anything that cannot be one (then nothing matches)."""
    return storable(raw).strip().upper() if isinstance(raw, str) else ""


def _parse_code(raw: object) -> str:
    code = normalise_code(raw)
    if not code:
        raise ValidationError("code", "Coupon code cannot be empty")
    if len(code) > MAX_CODE_LENGTH or not all(c.isalnum() or c in "-_" for c in code):
        raise ValidationError("code", f"Use up to {MAX_CODE_LENGTH} letters, digits, - and _")
    return code


def _parse_percent(raw: object) -> Decimal:
    try:
        percent = Decimal(str(raw).strip()) if not isinstance(raw, bool) and raw is not None else None
    except InvalidOperation:
        percent = None
    if percent is None or not percent.is_finite():
        raise ValidationError("discount_percent", "Discount must be a number, such as 10 or 12.5")
    if not Decimal(0) < percent <= Decimal(100):
        raise ValidationError("discount_percent", "Discount must be from 0.01 to 100 %")
    if percent != percent.quantize(Decimal("0.01")):
        raise ValidationError("discount_percent", "Discount can have at most two decimal places")
    return percent.quantize(Decimal("0.01"))


def _parse_expiry(raw: object, now: datetime) -> datetime:
    if not isinstance(raw, datetime) or raw.tzinfo is None:
        raise ValidationError("expires_at", "Expiry must be a date and time with a time zone")
    if raw <= now:
        raise ValidationError("expires_at", "Expiry must be in the future")
    return raw


@dataclass(kw_only=True)
class Coupon(Aggregate):
    code: str
    discount_percent: Decimal
    expires_at: datetime
    created_at: datetime = field(default_factory=utc_now)

    @classmethod
    def create(cls, *, tenant_id: UUID, code: object, discount_percent: object, expires_at: object) -> Coupon:
        now = utc_now()
        values = validate_fields(
            code=lambda: _parse_code(code),
            discount_percent=lambda: _parse_percent(discount_percent),
            expires_at=lambda: _parse_expiry(expires_at, now),
        )
        coupon = cls(id=uuid4(), tenant_id=tenant_id, created_at=now, **values)
        coupon.record(
            CouponCreated(
                aggregate_id=coupon.id,
                code=coupon.code,
                discount_percent=coupon.discount_percent,
                expires_at=coupon.expires_at,
            )
        )
        return coupon

    def is_expired(self, now: datetime) -> bool:
        return now > self.expires_at

    def discount_for(self, subtotal: Decimal) -> Decimal:
        """subtotal × percent / 100, rounded half-up to cents."""
        return round_half_up(subtotal * self.discount_percent / Decimal(100))

    def check_usable(self, now: datetime, *, already_used: bool) -> None:
        if already_used:
            raise CouponAlreadyUsed(self.code)
        if self.is_expired(now):
            raise CouponExpired(self.code)
