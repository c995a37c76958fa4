"""The admin catalog (docs/api/v2.md, "Admin: products and coupons"): create a product, and list, read and
create coupons. Every create needs an `Idempotency-Key`; a repeat is answered as the first time was.

Coupons are addressed by id (a UUID, as every v2 resource): a code is what shoppers type, an id is what
the API hands out (`Location`, list items). There is no PATCH or DELETE: the services offer none (a
coupon stops working when it expires), so v2 offers none either.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from app.controllers.api.v2 import wire
from app.controllers.api.v2 import wire_admin_catalog as catalog_wire
from app.controllers.api.v2.listing import NEXT_PAGE_HEADERS, CursorParameter, Limit, decode_cursor, page_of
from app.domain.coupons import Coupon
from app.domain.pagination import DEFAULT_PAGE_SIZE
from app.domain.products import Product
from app.domain.users import UserContext
from app.services.coupons import COUPON_LIST_SORT, CouponService
from app.services.idempotency import StoredResponse
from app.services.products import ProductAdminService
from app.web.conditional import fresh
from app.web.current_user import admin_required
from app.web.idempotency import created, idempotent_request, send

PRODUCTS_PATH = "/api/v2/products"
COUPONS_PATH = "/api/v2/coupons"


def _product_created(product: Product) -> StoredResponse:
    return created(f"{PRODUCTS_PATH}/{product.id}", wire.product(product), product.version)


def _coupon_created(coupon: Coupon) -> StoredResponse:
    return created(f"{COUPONS_PATH}/{coupon.id}", catalog_wire.coupon(coupon), coupon.version)


class ProductCreationController(Controller):
    path = "/products"
    tags = ["v2 products"]

    @post(
        "/",
        operation_id="v2CreateProduct",
        guards=[admin_required],
        status_code=201,
        responses=wire.problems(400, 401, 403, 409, 422),  # 409: the key's first request still running
        response_description="The product created (Location: its URL; ETag: its version)",
    )
    async def create_product(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[catalog_wire.NewProduct],
        user: NamedDependency[UserContext],
        products: NamedDependency[ProductAdminService],
    ) -> Response[wire.Product]:
        """`Idempotency-Key` required: a repeat gets the first answer with `Idempotent-Replayed: true`;
        a live product of the same name is a 422 naming `name`."""
        idempotency = await idempotent_request(request, _product_created, required=True)
        product = await products.create_product(
            user, name=data.name, price=data.price, stock_quantity=data.stock_quantity, idempotency=idempotency
        )
        return send(_product_created(product), replayed=False)


class CouponsController(Controller):
    path = "/coupons"
    tags = ["v2 coupons"]

    @get(
        "/",
        operation_id="v2ListCoupons",
        guards=[admin_required],
        responses=wire.problems(401, 403, 422),
        response_headers=NEXT_PAGE_HEADERS,
    )
    async def list_coupons(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        coupons: NamedDependency[CouponService],
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: CursorParameter = None,
    ) -> Response[catalog_wire.CouponPage]:
        """Every coupon of the shop, expired ones too, newest first; the next page is in `Link: rel="next"`."""
        page = await coupons.browse_coupons(user, decode_cursor(cursor, COUPON_LIST_SORT), limit)
        return page_of(request, page, catalog_wire.coupon, catalog_wire.CouponPage)

    @post(
        "/",
        operation_id="v2CreateCoupon",
        guards=[admin_required],
        status_code=201,
        responses=wire.problems(400, 401, 403, 409, 422),
        response_description="The coupon created (Location: its URL; ETag: its version)",
    )
    async def create_coupon(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[catalog_wire.NewCoupon],
        user: NamedDependency[UserContext],
        coupons: NamedDependency[CouponService],
    ) -> Response[catalog_wire.Coupon]:
        """`Idempotency-Key` required: a repeat gets the first answer with `Idempotent-Replayed: true`
        (even after the expiry it was sent with); a code already in use is a 409."""
        idempotency = await idempotent_request(request, _coupon_created, required=True)
        coupon = await coupons.create_coupon(
            user,
            code=data.code,
            discount_percent=data.discount_percent,
            expires_at=data.expires_at,
            idempotency=idempotency,
        )
        return send(_coupon_created(coupon), replayed=False)

    @get(
        "/{coupon_id:uuid}",
        operation_id="v2GetCoupon",
        guards=[admin_required],
        responses=wire.problems(304, 401, 403, 404),
    )
    async def get_coupon(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        coupons: NamedDependency[CouponService],
        coupon_id: FromPath[UUID],
    ) -> Response[catalog_wire.Coupon]:
        """One coupon by id, with its strong ETag (If-None-Match: 304)."""
        coupon = await coupons.get_coupon(user, coupon_id)
        return fresh(request, coupon.version, lambda: catalog_wire.coupon(coupon))
