"""How API v1 reads requests: JSON bodies, its `int()` quirk, booleans, decimals and ids.

These are the original's wire rules (Django REST framework's parser and the views' own
conversions), kept here so the services only ever see clean values.
"""

from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from litestar import Request

from app.controllers.api.v1.errors import ApiError, bad_request
from app.domain.money import CENT, MAX_PRICE
from app.domain.pagination import PageRequest
from app.domain.parsing import ascii_int, is_storable, optional_id

JSON_MEDIA_TYPE = "application/json"
TRUE_VALUES = frozenset({"true", "1", "yes"})
INVALID_UUID = "Invalid UUID: badly formed hexadecimal UUID string"


def _reject_constant(name: str) -> Any:
    """`json.loads` accepts NaN and ±Infinity, which JSON does not; DRF's strict parser refuses them."""
    raise ValueError("Out of range float values are not JSON compliant")


async def read_payload(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The JSON object in the body (`{}` when there is none); the `payload` dependency of v1 handlers.

    Only JSON is parsed: another content type → 415, malformed JSON → 400, both in DRF's
    `{"detail": …}` wording. An empty body counts as `{}` whatever its content type, as in DRF.
    """
    body = await request.body()
    if not body:
        return {}
    content_type = request.headers.get("content-type", "")
    media_type, params = request.content_type
    if media_type.lower() != JSON_MEDIA_TYPE:
        raise ApiError(415, {"detail": f'Unsupported media type "{content_type}" in request.'})
    try:
        text = codecs.decode(body, params.get("charset", "utf-8"))
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, LookupError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError: ValueErrors
        raise ApiError(400, {"detail": f"JSON parse error - {error}"}) from None
    if not isinstance(data, dict):
        # The original crashed (500) on a JSON array or scalar; v1 here refuses it plainly.
        raise bad_request("Invalid input: the request body must be a JSON object")
    if not _storable(data):
        raise bad_request("Invalid input: text must not contain NUL characters or unpaired surrogates")
    return data


def _storable(data: Any) -> bool:
    """Whether every string in the JSON value (keys too) could be stored as PostgreSQL text.

    JSON can escape a NUL (`\\u0000`) or a lone surrogate (`\\ud800`), but no text column can hold
    either, and such a value would fail deep in the database driver. (A loop, not recursion:
    the nesting depth is the client's choice.)
    """
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and not is_storable(value):
            return False
    return True


def to_int(raw: Any) -> int:
    """Python's `int()` on the JSON value, as the original did: 3, "3" and 3.9 (→ 3) pass; "2.5" does not.

    Text is read in ASCII digits only (`int()` also takes "٣"; v1 here refuses it in `int()`'s words).
    """
    if isinstance(raw, str):
        value = ascii_int(raw)
        if value is None:
            raise bad_request(f"Invalid input: invalid literal for int() with base 10: {raw[:100]!r}")
        return value
    try:
        return int(raw)
    except (TypeError, ValueError, OverflowError) as error:
        raise bad_request(f"Invalid input: {error}") from None


def to_bool(raw: str | None) -> bool:
    """Only `true`, `1` and `yes` (any case) are true; any other present value is false."""
    return raw is not None and raw.lower() in TRUE_VALUES


def to_decimal(raw: object) -> Decimal | None:
    """A finite decimal, or None when the value is absent or cannot be read as one."""
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def to_price_bound(raw: str | None, rounding: str) -> Decimal | None:
    """A price filter in whole cents, or None when unreadable (v1 then ignores it).

    Prices have two places, so rounding a minimum up (ROUND_CEILING) or a maximum down
    (ROUND_FLOOR) selects exactly the same products, and clamping to just past the largest price
    keeps absurd values (`1e999999`) to a number PostgreSQL accepts.
    """
    value = to_decimal(raw)
    if value is None:
        return None
    beyond = MAX_PRICE + CENT
    return max(-beyond, min(beyond, value)).quantize(CENT, rounding=rounding)


def to_optional_bool(raw: str | None) -> bool | None:
    """An absent parameter is "not set"; any present value is true or false as `to_bool` reads it."""
    return None if raw is None else to_bool(raw)


def to_optional_int(raw: str | None) -> int | None:
    """A whole number in a query parameter; None when absent or not one (v1 then ignores it)."""
    return None if raw is None else ascii_int(raw)


def page_request(page: str | None, page_size: str | None) -> tuple[PageRequest, int]:
    """The page to read, and the page number v1 echoes (§2.2): the one asked for, however far past the end.

    PageRequest keeps page numbers to those a SQL OFFSET can reach; every page beyond is past the
    end of any list, so reading the last reachable one gives the same empty result.
    """
    request = PageRequest.parse(page, page_size)
    asked = to_optional_int(page)
    return request, max(request.page, asked if asked is not None else 1)


def to_uuid(raw: object) -> UUID | None:
    """The id, or None when it is not a UUID (v1 then answers "not found" with the id as sent)."""
    return optional_id(raw)


def as_sent(raw: object) -> str:
    """How v1 echoes a value in a message: as the client sent it, `''` when it was missing."""
    if raw is None:
        return ""
    return raw if isinstance(raw, str) else str(raw)


def parse_uuid(raw: object) -> UUID:
    """v1's `UUID(value)` on an id in the path or the body: anything else is a 400.

    The admin views of v1 parse their ids before the role check, so a customer sending a bad id
    gets this 400, not a 403 (api-v1.md §1.3).
    """
    parsed = to_uuid(raw)
    if parsed is None:
        raise bad_request(INVALID_UUID)
    return parsed


def parse_timestamp(raw: object) -> datetime | None:
    """An ISO-8601 date and time (`Z` allowed), or None when unreadable.

    A value without an offset is returned naive, for the domain to refuse. One whose instant lies
    outside the years Python and PostgreSQL can hold in UTC (e.g. `9999-12-31T23:00:00-05:00`)
    counts as unreadable.
    """
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
        if value.tzinfo is not None:
            value.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return value
