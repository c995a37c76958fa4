"""API v1's wire types: each body of the original's contract as a msgspec Struct (api-v1.md §2-§9).

The Structs are what the handlers return, so the OpenAPI document (`/api/v1/openapi.json`) is
generated from the code that runs. A Struct encodes its fields in the order they are declared:
that order is v1's key order, and must not change (the contract tests compare whole bodies).
Values keep v1's quirks: ids, money and timestamps are strings built by `serializers` (money with
two places, except the two `"0"`s; timestamps with `+00:00`), not msgspec's own encodings.

Request bodies are still read by v1's own rules (`parsing.read_payload` and the `to_*` helpers:
`int("3")`, unknown fields ignored, `{"error": …}` refusals), never by Litestar, whose refusals
have another shape. Their Structs here only *document* what a v1 client sends: a handler names its
own with `opt=request_body(…)`, and `openapi.py` puts it into the v1 document. Each states the
values v1 takes as meant; v1 tolerates more than that, and every field's description says how.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar.openapi import ResponseSpec
from litestar.params import PathParameter

REQUEST_BODY = "v1_request_body"
"""The handler `opt` key naming the Struct that documents the request body (openapi.py reads it)."""


def request_body(struct: type[msgspec.Struct]) -> dict[str, Any]:
    """`opt=` of a handler whose JSON body `struct` documents."""
    return {REQUEST_BODY: struct}


UuidPath = Annotated[str, PathParameter(format="uuid", description="An id (UUID); anything else is a 400")]
"""A path id v1 parses before anything else (`parsing.parse_uuid`), refusing a malformed one with 400."""

UUID_TEXT = Annotated[str, msgspec.Meta(extra_json_schema={"format": "uuid"})]
TIMESTAMP = Annotated[
    str, msgspec.Meta(description="ISO 8601 in UTC with `+00:00`, e.g. 2026-11-26T03:17:09.523573+00:00")
]
MONEY = Annotated[
    str, msgspec.Meta(description="A decimal string with two places, e.g. 10.00", pattern=r"^-?\d+(\.\d+)?$")
]


# --- Errors (§1.2) --------------------------------------------------------------------------------


class V1Error(msgspec.Struct, frozen=True):
    """v1's refusal: `error` is the message the client shows; `field`, when present, names the input refused."""

    error: str
    field: str | msgspec.UnsetType | None = msgspec.UNSET


class V1Detail(msgspec.Struct, frozen=True):
    """Django REST framework's wording, kept for the framework's refusals (CSRF, unreadable JSON, unknown path)."""

    detail: str


class V1ServerError(msgspec.Struct, frozen=True):
    error: Literal["Internal server error"]
    request_id: str
    """Names the server's log line of the failure."""


_REFUSALS: dict[int, tuple[Any, str]] = {
    400: (V1Error | V1Detail, "Refused input or a business rule (v1 answers every such refusal with 400)"),
    401: (V1Error, "Log in first (on login: wrong username or password)"),
    403: (V1Error | V1Detail, "Not allowed for your role, or the CSRF token is missing or wrong"),
    404: (V1Error | V1Detail, "No such resource"),
    429: (V1Detail, "Too many login attempts (Retry-After)"),
    500: (V1ServerError, "The server failed (none is expected but the debug trigger's)"),
}


def refusals(*statuses: int) -> dict[int, ResponseSpec]:
    """The error responses an operation documents, in their real `{"error"}`/`{"detail"}` shapes."""
    return {
        status: ResponseSpec(_REFUSALS[status][0], description=_REFUSALS[status][1], generate_examples=False)
        for status in statuses
    }


# --- Auth (§3) ------------------------------------------------------------------------------------


class V1User(msgspec.Struct, frozen=True):
    id: UUID_TEXT
    username: str
    role: Literal["admin", "customer"]
    capabilities: list[str]
    """The twelve v1 capabilities this user has (§3.1), in that table's order."""
    enabled_flags: list[str]
    """Names of the feature flags on for this user, by name."""


class V1LoggedIn(msgspec.Struct, frozen=True):
    user: V1User


class V1LoggedOut(msgspec.Struct, frozen=True):
    message: Literal["Logged out successfully"]


class V1Session(msgspec.Struct, frozen=True, kw_only=True):
    """`user` only when logged in; `csrf_token` goes back as `X-CSRFToken` on unsafe calls of the session."""

    authenticated: bool
    user: V1User | msgspec.UnsetType = msgspec.UNSET
    csrf_token: str


class V1Credentials(msgspec.Struct, frozen=True):
    username: Annotated[str, msgspec.Meta(min_length=1, description="Surrounding whitespace is ignored")]
    password: Annotated[str, msgspec.Meta(min_length=1)]


# --- Products and the report (§6) ---------------------------------------------------------------


class V1Product(msgspec.Struct, frozen=True):
    id: UUID_TEXT
    name: str
    price: MONEY
    stock_quantity: int
    """Units not reserved in any cart."""
    created_at: TIMESTAMP
    deleted_at: TIMESTAMP | None


class V1ProductPage(msgspec.Struct, frozen=True):
    """The pagination envelope (§2.2): `page` echoes the page asked for, however far past the end."""

    results: list[V1Product]
    page: int
    page_size: int
    total_count: int
    total_pages: int
    has_next: bool
    has_previous: bool


class V1ReportItem(msgspec.Struct, frozen=True):
    product_id: UUID_TEXT
    name: str
    price: MONEY
    stock_quantity: int
    is_deleted: bool
    total_sold: int
    currently_reserved: int


class V1ReportPage(msgspec.Struct, frozen=True):
    results: list[V1ReportItem]
    page: int
    page_size: int
    total_count: int
    total_pages: int
    has_next: bool
    has_previous: bool


class V1NewProduct(msgspec.Struct, frozen=True):
    name: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^[^\u0000]*[^\s\u0000][^\u0000]*$",
            max_length=200,
            description="Unique among live products; surrounding whitespace is ignored",
        ),
    ]
    price: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^[0-9]{1,10}(\.[0-9]{1,2})?$",
            description="A decimal string, at most two places (v1 also reads a JSON number); missing reads as 0",
        ),
    ]
    stock_quantity: Annotated[
        int,
        msgspec.Meta(ge=0, le=2147483647, description='v1 reads it with int(): "5" and 5.9 are read as 5'),
    ] = 0


# --- Cart, checkout, orders (§7) ----------------------------------------------------------------


class V1CartItem(msgspec.Struct, frozen=True):
    id: UUID_TEXT
    product_id: UUID_TEXT
    product_name: str
    unit_price: MONEY
    quantity: int


class V1Cart(msgspec.Struct, frozen=True):
    id: UUID_TEXT
    user_id: UUID_TEXT
    items: list[V1CartItem]
    created_at: TIMESTAMP
    total: Annotated[str, msgspec.Meta(description='Two places, but "0" for an empty cart')]
    item_count: int


QUANTITY = Annotated[
    int,
    msgspec.Meta(ge=1, le=10_000, description='v1 reads it with int(): "3" and 3.9 are read as 3'),
]


class V1NewCartItem(msgspec.Struct, frozen=True):
    product_id: Annotated[str, msgspec.Meta(description="A product's id; anything else is not found (404)")]
    quantity: QUANTITY
    """Added to the line's quantity when the product is already in the cart."""


class V1Quantity(msgspec.Struct, frozen=True):
    quantity: QUANTITY


class V1Address(msgspec.Struct, frozen=True):
    street_line_1: str
    street_line_2: str | None
    city: str
    state: str
    postal_code: str
    country: str
    verification_id: str


class V1AddressVerified(msgspec.Struct, frozen=True):
    verified: Literal[True]
    status: Literal["verified"]
    standardized_address: V1Address


class V1AddressRefused(msgspec.Struct, frozen=True):
    """The 400 of verify-address: its own shape, with no `error` key (§7.5)."""

    verified: Literal[False]
    status: Literal["invalid"]
    error_message: str
    field: str | None


_ADDRESS_REFUSED_BODY: Any = V1AddressRefused | V1Error | V1Detail
ADDRESS_REFUSED = ResponseSpec(
    _ADDRESS_REFUSED_BODY,
    description="The address is refused (in its own shape), or the body cannot be read",
    generate_examples=False,
)
"""The 400 of verify-address."""


class V1AddressInput(msgspec.Struct, frozen=True):
    street_line_1: str
    city: str
    state: str
    postal_code: str
    street_line_2: str | None = None
    country: str = "US"


class V1CouponCheck(msgspec.Struct, frozen=True):
    coupon_code: str
    cart_total: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^[0-9]{1,10}(\.[0-9]{1,2})?$",
            description="The total to take the discount from (the cart is not read); missing or unreadable reads as 0",
        ),
    ] = "0"


class V1CouponPreview(msgspec.Struct, frozen=True):
    discount_percent: MONEY
    discount_amount: MONEY


class V1Submission(msgspec.Struct, frozen=True):
    shipping_address: V1AddressInput
    """Verified again, as verify-address does."""
    coupon_code: str | None = None


class V1OrderItem(msgspec.Struct, frozen=True):
    id: UUID_TEXT
    order_id: UUID_TEXT
    product_id: UUID_TEXT
    product_name: str
    unit_price: MONEY
    quantity: int


class V1Order(msgspec.Struct, frozen=True):
    id: UUID_TEXT
    user_id: UUID_TEXT
    items: list[V1OrderItem]
    shipping_address: V1Address
    submitted_at: TIMESTAMP
    coupon_id: UUID_TEXT | None
    coupon_code: str | None
    coupon_discount: Annotated[str, msgspec.Meta(description='Two places, but "0" without a coupon')]
    subtotal: MONEY
    total: MONEY


class V1Orders(msgspec.Struct, frozen=True):
    results: list[V1Order]


# --- Administration (§8) ------------------------------------------------------------------------


class V1Coupon(msgspec.Struct, frozen=True):
    id: UUID_TEXT
    code: str
    discount_percent: Annotated[
        str, msgspec.Meta(description='Two places ("10.00"); the create response echoes it as sent ("10", "12.5")')
    ]
    expires_at: Annotated[str, msgspec.Meta(description="ISO 8601 in UTC; the create response echoes the offset sent")]
    created_at: TIMESTAMP


class V1Coupons(msgspec.Struct, frozen=True):
    results: list[V1Coupon]


class V1NewCoupon(msgspec.Struct, frozen=True):
    code: Annotated[
        str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,50}$", description="Upper-cased; unique whatever its case")
    ]
    discount_percent: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^(100(\.00?)?|[0-9]{1,2}(\.[0-9]{1,2})?)$",
            description="Over 0, at most 100, two places at most (v1 also reads a JSON number)",
        ),
    ]
    expires_at: Annotated[
        str, msgspec.Meta(extra_json_schema={"format": "date-time"}, description="With an offset; in the future")
    ]


class V1Flag(msgspec.Struct, frozen=True):
    name: str
    enabled: bool
    description: str
    created_at: TIMESTAMP
    updated_at: TIMESTAMP
    target_group_ids: list[UUID_TEXT]
    """Empty: on for everyone when enabled; else only for the members of these groups."""


class V1Flags(msgspec.Struct, frozen=True):
    results: list[V1Flag]


NAME = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.:-]{1,100}$", description="Unique")]


class V1NewFlag(msgspec.Struct, frozen=True):
    name: NAME
    enabled: bool = False
    description: Annotated[str, msgspec.Meta(max_length=500)] | None = ""


class V1FlagChanges(msgspec.Struct, frozen=True):
    """An absent or null field keeps its value."""

    enabled: bool | None = None
    description: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class V1FlagTargets(msgspec.Struct, frozen=True):
    group_ids: list[UUID_TEXT] = []
    """Replaces the targets; `[]` targets everyone again."""


class V1GroupRef(msgspec.Struct, frozen=True):
    group_id: UUID_TEXT


class V1Group(msgspec.Struct, frozen=True):
    id: UUID_TEXT
    name: str
    description: str


class V1Groups(msgspec.Struct, frozen=True):
    results: list[V1Group]


class V1NewGroup(msgspec.Struct, frozen=True):
    name: NAME
    description: Annotated[str, msgspec.Meta(max_length=500)] | None = ""


class V1GroupMembers(msgspec.Struct, frozen=True):
    user_ids: list[UUID_TEXT]


class V1UserRef(msgspec.Struct, frozen=True):
    user_id: UUID_TEXT


class V1MemberAdded(msgspec.Struct, frozen=True):
    status: Literal["added"]


class V1ManagedUser(msgspec.Struct, frozen=True):
    id: UUID_TEXT
    username: str
    email: str
    role: Literal["admin", "customer"]
    group_ids: list[UUID_TEXT]


class V1Users(msgspec.Struct, frozen=True):
    results: list[V1ManagedUser]


class V1RoleChange(msgspec.Struct, frozen=True):
    role: Literal["admin", "customer"]


# --- Operations (§9) ----------------------------------------------------------------------------


class V1Health(msgspec.Struct, frozen=True):
    status: Literal["healthy", "unhealthy"]
    timestamp: TIMESTAMP
    checks: dict[str, str]
    """`ok`, or `error: <reason>`, per probe (`database` is PostgreSQL)."""
