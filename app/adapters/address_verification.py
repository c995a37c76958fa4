"""Address verification adapters. Only a stub exists; app/main.py uses it in every environment.

Street line 1 containing "invalid", "undeliverable" or "unavailable" (any case) fails that way;
anything else is verified, upper-cased, with verification id `STUB-<postal code>`. A real
provider would be a new adapter behind the same port (`AddressVerifier` in app/services/ports.py)."""

from __future__ import annotations

from app.domain.addresses import (
    AddressVerificationFailed,
    UnverifiedAddress,
    VerificationOutcome,
    VerifiedAddress,
)


class StubAddressVerifier:
    async def verify(self, address: UnverifiedAddress) -> VerifiedAddress:
        street = address.street_line_1.lower()
        if "invalid" in street:
            raise AddressVerificationFailed(VerificationOutcome.INVALID)
        if "undeliverable" in street:
            raise AddressVerificationFailed(VerificationOutcome.UNDELIVERABLE)
        if "unavailable" in street:
            raise AddressVerificationFailed(VerificationOutcome.SERVICE_UNAVAILABLE)
        return VerifiedAddress(
            street_line_1=address.street_line_1.upper(),
            street_line_2=address.street_line_2.upper() or None,
            city=address.city.upper(),
            state=address.state.upper(),
            postal_code=address.postal_code.upper(),
            country=address.country.upper(),
            verification_id=f"STUB-{address.postal_code}",
        )
