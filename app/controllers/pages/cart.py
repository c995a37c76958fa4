"""The shopper's cart page and its actions: add, change, remove, coupon, checkout (`/cart/…`).

Every action works as a plain form post (redirect after success, with a flash message) and, with
htmx, swaps only what changed: a product's purchase box, the cart body, the coupon box or the
checkout form, with the header's cart badge updated out of band.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template

from app.controllers.pages.cart_page import (
    CheckoutForm,
    CouponBox,
    LineError,
    Reservation,
    line_message,
    purchase_message,
)
from app.domain.carts import Cart, CartItemNotFound, requested_quantity
from app.domain.coupons import CouponAlreadyUsed, CouponExpired, CouponNotFound
from app.domain.errors import AuthenticationRequired, DomainError, InsufficientStock, ProductNotFound
from app.domain.events import utc_now
from app.domain.orders import Order
from app.domain.parsing import optional_id
from app.domain.products import Product
from app.domain.users import UserContext
from app.services.carts import CartService
from app.services.catalog import CatalogService
from app.services.checkout import CheckoutService
from app.services.idempotency import AlreadyAnswered, StoredResponse
from app.services.read_models import ProductView
from app.web.cart_badge import remember_cart, remember_cart_count
from app.web.flash import flash
from app.web.forms import FormData, refusal_status
from app.web.idempotency import form_request
from app.web.pending_add import remember_pending_add, take_pending_add
from app.web.redirects import safe_next, see_other, to_login
from app.web.rendering import is_htmx, render

CART_PAGE = "pages/cart.html"
# htmx names the element it will swap (HX-Target); a GET of /cart answers with that part alone.
CART_PARTS = {"coupon-box": "coupon", "reservation": "reservation"}


async def _coupon_box(checkout: CheckoutService, user: UserContext, code: str) -> CouponBox:
    code = code.strip()
    if not code:
        return CouponBox()
    try:
        return CouponBox(code, preview=await checkout.preview_coupon(user, code))
    except (CouponNotFound, CouponExpired, CouponAlreadyUsed) as refused:
        return CouponBox(code, error=refused.message)


class CartController(Controller):
    path = "/cart"
    tags = ["pages"]
    include_in_schema = False

    @get("/", operation_id="cartPage")
    async def cart(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        carts: NamedDependency[CartService],
        checkout: NamedDependency[CheckoutService],
        coupon: FromQuery[str] = "",
    ) -> Template:
        cart = await carts.get_cart(user)
        remember_cart(request.scope, cart, carts.reservation_hold)
        block = CART_PARTS.get(request.headers.get("hx-target", ""), "cart_page")
        return await self._render_cart(request, user, cart, carts, checkout, block=block, coupon_code=coupon)

    @post("/items", operation_id="addToCart")
    async def add_item(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        carts: NamedDependency[CartService],
        catalog: NamedDependency[CatalogService],
        data: FormData,
    ) -> Response[Any]:
        back = safe_next(data.get("next"))
        product_id = optional_id(data.get("product_id"))
        if product_id is None:
            raise ProductNotFound(data.get("product_id", ""))
        try:
            quantity = requested_quantity(data.get("quantity"))
            added = await carts.add_item_with_product(user, product_id, quantity)
        except AuthenticationRequired:
            # Kept in the (server-side) session: the login that follows completes it (complete_pending_add).
            remember_pending_add(request.scope, product_id, quantity)
            flash(request.scope, "info", "Log in to add items to your cart.")
            return to_login(request, back)
        except DomainError as error:
            message = purchase_message(error)
            if not is_htmx(request):
                named = f"{error.product_name}: {message}" if isinstance(error, InsufficientStock) else message
                flash(request.scope, "error", named)
                return see_other(request, back)
            return await self._purchase_box(
                request,
                user,
                catalog,
                product_id,
                back,
                message=message,
                failed=True,
                status=refusal_status(error),
                quantity=data.get("quantity", ""),
            )
        remember_cart(request.scope, added.cart, carts.reservation_hold)
        if not is_htmx(request):
            flash(request.scope, "success", added_message(quantity, added.product.name))
            return see_other(request, back)
        return await self._purchase_box(
            request, user, catalog, product_id, back, message=f"Added {quantity} to your cart.", shown=added.product
        )

    async def _purchase_box(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        catalog: CatalogService,
        product_id: UUID,
        back: str,
        *,
        message: str,
        failed: bool = False,
        status: int = 200,
        quantity: str = "1",
        shown: Product | None = None,
    ) -> Template:
        """The product's purchase box with its stock as it is now, the outcome, and the badge (out of band).

        `shown` is the product as the operation left it; without it (a refused add) the box reads it.
        """
        product: Product | ProductView | None = shown
        if product is None:
            try:
                product = await catalog.get_product(user, product_id)
            except ProductNotFound:
                product = None
        return render(
            request,
            "partials/_purchase_outcome.html",
            status_code=status,
            product=product,
            product_id=product_id,
            back=back,
            quantity=quantity,
            message=message,
            failed=failed,
        )

    @post("/items/{product_id:uuid}", operation_id="changeCartQuantity")
    async def change_quantity(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        carts: NamedDependency[CartService],
        checkout: NamedDependency[CheckoutService],
        product_id: FromPath[UUID],
        data: FormData,
    ) -> Response[Any]:
        back = safe_next(data.get("next"), "/cart")
        typed = data.get("quantity", "")
        try:
            cart = await carts.change_quantity(user, product_id, requested_quantity(typed))
        except AuthenticationRequired:
            return to_login(request, back)
        except DomainError as error:
            cart = await carts.get_cart(user)
            line = cart.line_for(product_id)
            message = line_message(error)
            if not is_htmx(request):
                flash(request.scope, "error", f"{line.product_name}: {message}" if line else message)
                return see_other(request, back)
            return await self._render_cart(
                request,
                user,
                cart,
                carts,
                checkout,
                block="cart_body",
                coupon_code=data.get("coupon_code", ""),
                status=refusal_status(error),
                line_error=LineError(product_id, typed, message),
            )
        return await self._cart_changed(request, user, cart, carts, checkout, back, "Quantity updated.", data)

    @get("/items/{product_id:uuid}/remove", operation_id="confirmCartRemoval")
    async def confirm_removal(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        carts: NamedDependency[CartService],
        product_id: FromPath[UUID],
        next_: Annotated[str, QueryParameter(name="next")] = "/cart",
    ) -> Response[Any]:
        """Without JavaScript, removal asks on a page of its own (with htmx, `hx-confirm` asks)."""
        line = (await carts.get_cart(user)).line_for(product_id)
        if line is None:
            flash(request.scope, "info", "That item is no longer in your cart.")
            return see_other(request, "/cart")
        return render(request, "pages/cart_remove.html", line=line, back=safe_next(next_, "/cart"))

    @post("/items/{product_id:uuid}/remove", operation_id="removeFromCart")
    async def remove_item(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        carts: NamedDependency[CartService],
        checkout: NamedDependency[CheckoutService],
        product_id: FromPath[UUID],
        data: FormData,
    ) -> Response[Any]:
        back = safe_next(data.get("next"), "/cart")
        try:
            cart = await carts.remove_item(user, product_id)
        except AuthenticationRequired:
            return to_login(request, back)
        except CartItemNotFound:  # removed already (a double click, another tab): the outcome stands
            cart = await carts.get_cart(user)
        return await self._cart_changed(request, user, cart, carts, checkout, back, "Removed from your cart.", data)

    @post("/checkout", operation_id="placeOrder")
    async def place_order(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        carts: NamedDependency[CartService],
        checkout: NamedDependency[CheckoutService],
        data: FormData,
    ) -> Response[Any]:
        form = CheckoutForm.posted(data)
        coupon_code = data.get("coupon_code", "").strip()
        # The form's one-time token is the submit's idempotency key, in the same records as the API's.
        once = form_request(request, str(form.token), data, _confirmation)
        try:
            order = await checkout.submit_cart(
                user, address=form.address, coupon_code=coupon_code or None, idempotency=once
            )
        except AlreadyAnswered as earlier:  # a double click, a reload of the answer, a retried request
            flash(request.scope, "info", "This order had already been placed; here it is.")
            return see_other(request, earlier.response.headers["Location"])
        except AuthenticationRequired:
            return to_login(request, "/cart")
        except DomainError as error:
            if is_htmx(request):
                return render(
                    request,
                    CART_PAGE,
                    block="checkout_form",
                    status_code=refusal_status(error),
                    checkout_form=form.refused(error),
                )
            return await self._render_cart(
                request,
                user,
                await carts.get_cart(user),
                carts,
                checkout,
                coupon_code=coupon_code,
                checkout_form=form.refused(error),
                status=refusal_status(error),
            )
        remember_cart_count(request.scope, order.user_id, 0)
        flash(request.scope, "success", f"Order #{order.number} placed")
        return see_other(request, _confirmation(order).headers["Location"])

    async def _cart_changed(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        cart: Cart,
        carts: CartService,
        checkout: CheckoutService,
        back: str,
        message: str,
        data: dict[str, str],
    ) -> Response[Any]:
        remember_cart(request.scope, cart, carts.reservation_hold)
        if not is_htmx(request):
            flash(request.scope, "success", message)
            return see_other(request, back)
        # The form sent the applied coupon along: the order summary (out of band) keeps its discount.
        return await self._render_cart(
            request, user, cart, carts, checkout, block="cart_body", coupon_code=data.get("coupon_code", "")
        )

    async def _render_cart(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        cart: Cart,
        carts: CartService,
        checkout: CheckoutService,
        *,
        block: str = "cart_page",
        coupon_code: str = "",
        checkout_form: CheckoutForm | None = None,
        line_error: LineError | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Template:
        if cart.is_empty and block != "cart_page":
            # The last line went (here, in another tab, or by expiry): the whole page becomes the empty state.
            block = "cart_page"
            headers = {**(headers or {}), "HX-Retarget": "#cart-page", "HX-Reswap": "outerHTML"}
        needs_coupon = block in ("cart_page", "coupon", "cart_body") and not cart.is_empty
        return render(
            request,
            CART_PAGE,
            block=block,
            status_code=status,
            headers=headers,
            cart=cart,
            reservation=Reservation.of(cart, carts.reservation_hold, utc_now()),
            coupon=await _coupon_box(checkout, user, coupon_code) if needs_coupon else CouponBox(),
            checkout_form=checkout_form or CheckoutForm.blank(),
            line_error=line_error,
        )


def added_message(quantity: int, name: str) -> str:
    return f"Added {quantity:,} × {name} to your cart."


async def complete_pending_add(request: Request[Any, Any, Any], user: UserContext, carts: CartService) -> None:
    """At login: the add an anonymous shopper asked for, checked again and run as any add, its outcome flashed.

    Nothing pending (or a value that does not check out) does nothing; a refused add says why.
    """
    pending = take_pending_add(request.scope)
    if pending is None:
        return
    try:
        added = await carts.add_item_with_product(user, pending.product_id, pending.quantity)
    except DomainError as error:
        message = purchase_message(error)
        named = f"{error.product_name}: {message}" if isinstance(error, InsufficientStock) else message
        flash(request.scope, "error", f"Not added to your cart. {named}")
        return
    remember_cart(request.scope, added.cart, carts.reservation_hold)
    flash(request.scope, "success", added_message(pending.quantity, added.product.name))


def _confirmation(order: Order) -> StoredResponse:
    """The answer to a placed order, stored with it for the form's repeats: see its confirmation page.

    Sent through `see_other`, so a repeat over htmx gets HX-Redirect and one without a 303, whichever
    the first one was.
    """
    return StoredResponse(303, b"", {"Location": f"/orders/{order.id}"})
