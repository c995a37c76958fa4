"""The coupons page (admins): every coupon, newest first, and the form that creates one.

Without JavaScript the form posts and the page redirects back with a flash message; with htmx
the form swaps itself (blank again, or with every mistake beside its field) and a new coupon's
answer carries the refreshed list out of band (`ListPage`; docs/patterns/admin-row-actions.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template

from app.domain.coupons import DuplicateCouponCode
from app.domain.errors import ValidationError
from app.domain.events import utc_now
from app.domain.users import UserContext
from app.services.coupons import CouponService
from app.web.forms import FormData, FormState, ListPage, refusal_status
from app.web.rendering import format_datetime, format_percent, render

PAGE = "pages/admin/coupons.html"
COUPONS = "/admin/coupons"
FIELDS = ("code", "discount_percent", "expires_at")
EXPIRY_FORMAT_HINT = "Enter a date and time, such as 2030-12-31 23:59 (UTC)"


def parse_utc_datetime_local(raw: str) -> datetime | None:
    """What an `<input type="datetime-local">` sends (`2030-12-31T23:59`), read as UTC; None if it is not that.

    The browser sends the wall-clock time without a zone; the page says the time is UTC. A value
    with a zone (typed where the browser shows a plain text box) is converted to UTC instead.
    """
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def render_coupons(request: Request[Any, Any, Any], **context: Any) -> Template:
    """The coupons page (or, over htmx, the block asked for); every part of it may show the time now."""
    return render(request, PAGE, now=utc_now(), **context)


class AdminCouponsController(Controller):
    path = COUPONS
    tags = ["admin pages"]
    include_in_schema = False

    @get("/", operation_id="adminCoupons")
    async def coupons_page(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        coupons: NamedDependency[CouponService],
    ) -> Template:
        return await self._page(request, user, coupons).whole()

    @post("/", operation_id="adminCreateCoupon")
    async def create_coupon(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        coupons: NamedDependency[CouponService],
        data: FormData,
    ) -> Response[Any]:
        form = FormState.posted(data, *FIELDS)
        expiry = parse_utc_datetime_local(form.values["expires_at"])
        page = self._page(request, user, coupons)
        try:
            coupon = await coupons.create_coupon(
                user, code=form.values["code"], discount_percent=form.values["discount_percent"], expires_at=expiry
            )
        except (ValidationError, DuplicateCouponCode) as error:
            refused = form.refused(error, beside="code")
            if expiry is None and "expires_at" in refused.errors:
                refused = refused.with_errors(expires_at=EXPIRY_FORMAT_HINT)  # the domain only saw "no date"
            return await page.refused(refused, status=refusal_status(error))
        message = (
            f"Coupon {coupon.code} created: {format_percent(coupon.discount_percent)} off "
            f"until {format_datetime(coupon.expires_at)}."
        )
        return await page.created(coupon, message, back=COUPONS)

    def _page(self, request: Request[Any, Any, Any], user: UserContext, coupons: CouponService) -> ListPage:
        async def listed() -> dict[str, Any]:
            return {"coupons": await coupons.list_coupons(user)}

        return ListPage(request, partial(render_coupons, request), form_block="coupon_form", listed=listed)
