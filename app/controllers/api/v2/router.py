"""API v2's router at `/api/v2`: its controllers and its refusals, all RFC 9457 problems (app.web.problems)."""

from __future__ import annotations

from functools import cache
from typing import Any

from litestar import Router
from litestar.exceptions import ValidationException

from app.controllers.api.v2.admin_catalog import CouponsController, ProductCreationController
from app.controllers.api.v2.admin_insight import AuditLogController, ProductReportController
from app.controllers.api.v2.admin_people import FlagsController, GroupsController, UsersController
from app.controllers.api.v2.cart import CartController
from app.controllers.api.v2.checkout import AddressesController, CouponPreviewController
from app.controllers.api.v2.orders import OrdersController
from app.controllers.api.v2.products import ProductController, ProductsController
from app.controllers.api.v2.session import SessionController
from app.domain.errors import DomainError
from app.services.idempotency import AlreadyAnswered, IdempotencyKeyInUse
from app.web.conditional import (
    PreconditionFailed,
    PreconditionRequired,
    precondition_failed_handler,
    precondition_required_handler,
)
from app.web.idempotency import (
    IdempotencyKeyProblem,
    already_answered_handler,
    key_in_use_handler,
    key_problem_handler,
)
from app.web.problems import domain_problem_handler, invalid_input_problem

V2_EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_problem_handler,
    ValidationException: lambda request, exc: invalid_input_problem(exc),
    PreconditionRequired: precondition_required_handler,
    PreconditionFailed: precondition_failed_handler,
    IdempotencyKeyProblem: key_problem_handler,
    IdempotencyKeyInUse: key_in_use_handler,
    AlreadyAnswered: already_answered_handler,
}


SHOPPER_CONTROLLERS = [SessionController, ProductsController, ProductController, CartController, OrdersController]

# Admin: users, groups and flags; the product report and the audit log (docs/api/v2.md).
ADMIN_PEOPLE_CONTROLLERS = [
    UsersController,
    GroupsController,
    FlagsController,
    ProductReportController,
    AuditLogController,
]
ADMIN_CATALOG_CONTROLLERS = [ProductCreationController, CouponsController, CouponPreviewController, AddressesController]
"""Admin products and coupons, and the shopper's checks before an order (admin_catalog.py, checkout.py)."""


@cache
def api_v2_router() -> Router:
    """Built once per process; Litestar registers a copy of it on each app (see api/v1/router.py)."""
    return Router(
        "/api/v2",
        route_handlers=[*SHOPPER_CONTROLLERS, *ADMIN_CATALOG_CONTROLLERS, *ADMIN_PEOPLE_CONTROLLERS],
        exception_handlers=V2_EXCEPTION_HANDLERS,
    )
