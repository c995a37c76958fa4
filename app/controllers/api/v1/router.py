"""API v1's routers: the same controllers at `/api/v1` and at the unversioned `/api` (the pinned default).

Both routers share the conventions middleware, the error mapping and the `payload` dependency;
only `/api/v1` appears in the OpenAPI document, so every operation id stays unique.
"""

from __future__ import annotations

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


def api_v1_routers() -> list[Router]:
    return [_router("/api/v1", include_in_schema=True), _router("/api", include_in_schema=False)]


def _router(path: str, *, include_in_schema: bool) -> Router:
    return Router(
        path,
        route_handlers=list(CONTROLLERS),
        middleware=[V1ConventionsMiddleware()],
        exception_handlers=V1_EXCEPTION_HANDLERS,
        dependencies={"payload": Provide(read_payload)},
        include_in_schema=include_in_schema,
    )
