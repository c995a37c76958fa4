"""The one table from domain errors to statuses, and the overrides of forms and API v1."""

from __future__ import annotations

from uuid import uuid4

import pytest

from app.domain.addresses import AddressVerificationFailed, VerificationOutcome
from app.domain.carts import EmptyCart
from app.domain.errors import (
    AuthenticationRequired,
    DomainError,
    InsufficientStock,
    InvalidCredentials,
    PermissionDenied,
    ProductNotFound,
    StockContention,
    ValidationError,
)
from app.domain.parsing import NumberOutOfRange
from app.web.refusals import FORM_STATUSES, V1_STATUSES, refusal_of, status_of

STOCK = InsufficientStock(uuid4(), "Lamp", 3, 1)

CASES = [
    # error, pages, forms, API v1
    (DomainError("odd"), 400, 400, 400),
    (ValidationError("name", "Name is required"), 400, 422, 400),
    (NumberOutOfRange("quantity", "Quantity", 1, 10_000, None), 400, 422, 400),
    (EmptyCart(), 400, 422, 400),
    (AuthenticationRequired(), 401, 401, 401),
    (InvalidCredentials(), 401, 401, 401),
    (PermissionDenied("list_coupons", "Admin access required"), 403, 403, 403),
    (ProductNotFound("x"), 404, 404, 404),
    (STOCK, 409, 409, 400),
    (AddressVerificationFailed(VerificationOutcome.INVALID), 422, 422, 400),
    (AddressVerificationFailed(VerificationOutcome.SERVICE_UNAVAILABLE), 503, 503, 400),
]


@pytest.mark.parametrize(("error", "page", "form", "v1"), CASES, ids=lambda value: type(value).__name__)
def test_each_interface_reads_its_status_from_the_one_table(error: DomainError, page: int, form: int, v1: int):
    assert (status_of(error), status_of(error, FORM_STATUSES), status_of(error, V1_STATUSES)) == (page, form, v1)


def test_a_refusal_carries_the_errors_own_words_and_a_heading_for_its_status():
    refusal = refusal_of(STOCK)
    assert (refusal.status, refusal.title, refusal.message) == (409, "Conflict", STOCK.message)


def test_a_lost_race_for_stock_is_409_try_again_on_every_interface_api_v1_included():
    contention = StockContention(uuid4())
    assert [status_of(contention), status_of(contention, FORM_STATUSES), status_of(contention, V1_STATUSES)] == [
        409,
        409,
        409,
    ]
    assert "try again" in refusal_of(contention).message
