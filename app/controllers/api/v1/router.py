"""API v1's router at `/api/v1`, also reached at the unversioned `/api` (the pinned default).

`app.web.api_versions.UnversionedApiPaths` sends unversioned paths here, so v1's handlers are
registered once. The router is built once per process: Litestar registers a copy of a router on
each app, so every app (a web process has one; the tests build hundreds) shares the one built here.
"""

from __future__ import annotations

from functools import cache

from litestar import Router
from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from app.controllers.api.v1.auth import AuthController
from app.controllers.api.v1.cart import CartController
from app.controllers.api.v1.conventions import V1ConventionsMiddleware
from app.controllers.api.v1.coupons import CouponsController
from app.controllers.api.v1.errors import V1_EXCEPTION_HANDLERS
from app.controllers.api.v1.flags import FeatureFlagsController
from app.controllers.api.v1.groups import UserGroupsController
from app.controllers.api.v1.operations import OperationsController
from app.controllers.api.v1.orders import OrdersController
from app.controllers.api.v1.parsing import read_payload
from app.controllers.api.v1.products import ProductAdminController, ProductsController
from app.controllers.api.v1.users import UsersController

CONTROLLERS: tuple[ControllerRouterHandler, ...] = (
    AuthController,
    ProductsController,
    ProductAdminController,
    CartController,
    OrdersController,
    CouponsController,
    FeatureFlagsController,
    UserGroupsController,
    UsersController,
    OperationsController,
)


@cache
def api_v1_router() -> Router:
    return Router(
        "/api/v1",
        route_handlers=list(CONTROLLERS),
        middleware=[V1ConventionsMiddleware()],
        exception_handlers=V1_EXCEPTION_HANDLERS,
        dependencies={"payload": Provide(read_payload)},
    )
