"""Product administration pages: the list with search and a "show deleted" toggle, create, edit in place,
soft delete (with confirmation) and restore.

Every action is a plain form (a 303 back to the list with a flash, or a page of its own that shows
what went wrong) and, with htmx, swaps only the product's row: the edit form in place of the row,
the row again after a save, a conflict or refusal shown inside the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from app.controllers.pages.admin.filters import checked
from app.domain.errors import (
    DomainError,
    DuplicateProductName,
    ProductAlreadyDeleted,
    ProductNotDeleted,
    StaleVersion,
    ValidationError,
)
from app.domain.images import ImageRefused
from app.domain.pagination import PageRequest
from app.domain.parsing import ascii_int
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.catalog import CatalogService
from app.services.product_images import ProductImageService
from app.services.products import ProductAdminService, ProductInCart
from app.services.read_models import CatalogFilter, ProductLike, ProductView
from app.web.flash import flash
from app.web.forms import FormData, refusal_status
from app.web.redirects import safe_next, see_other
from app.web.rendering import is_htmx, page_url, render

NextPage = Annotated[str, QueryParameter(name="next")]
PRODUCT_FIELDS = ("name", "price", "stock_quantity")
EDIT_FIELDS = (*PRODUCT_FIELDS, "description")
"""The edit form's fields: the create form's, and the description shoppers read on the product's page."""
LIST_PATH = "/admin/products"
LIST_PAGE = "pages/admin/products.html"
ROW = "partials/_product_row.html"
IMAGE_FORM = "partials/_product_image_form.html"
PAGE_SIZE = 50


@dataclass(frozen=True)
class ProductListQuery:
    """The list's search form as the admin filled it in: echoed into the form and the page links."""

    search: str = ""
    show_deleted: bool = False

    def to_filter(self) -> CatalogFilter:
        return CatalogFilter(search=self.search.strip(), include_deleted=self.show_deleted)

    def params(self) -> dict[str, str]:
        return {"search": self.search, "show_deleted": "1" if self.show_deleted else ""}

    @property
    def is_filtering(self) -> bool:
        return bool(self.search.strip())


MAX_VERSION = 2_147_483_647
"""The largest version the products table can hold (an `integer` column)."""


@dataclass(frozen=True)
class ProductEdit:
    """The edit form: the values typed, the version they were typed against, and what went wrong.

    After a conflict (someone saved a newer version meanwhile) the form keeps the admin's values,
    shows the product as it is now (`current`) and carries the current version: saving again applies
    the admin's values over the other change, knowingly.
    """

    values: dict[str, str]
    version: int
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    current: ProductView | None = None

    @classmethod
    def of(cls, product: ProductView) -> ProductEdit:
        values = {
            "name": product.name,
            "price": f"{product.price:.2f}",
            "stock_quantity": str(product.stock_quantity),
            "description": product.description,
        }
        return cls(values=values, version=product.version)

    @classmethod
    def posted(cls, data: dict[str, str]) -> ProductEdit:
        # A missing or garbled version (a tampered form) is version 0, which no product has: it is
        # refused as a conflict, and the admin sees the current values and may save again.
        version = ascii_int(data.get("version", "")) or 0
        version = version if 0 < version <= MAX_VERSION else 0  # beyond the column's integer: no product has it
        return cls(values={name: data.get(name, "") for name in EDIT_FIELDS}, version=version)

    def refused(self, error: ValidationError) -> ProductEdit:
        """The same form with each message beside its field (or above the form when it names none)."""
        errors = {name: text for name, text in error.errors.items() if name in EDIT_FIELDS}
        elsewhere = [text for name, text in error.errors.items() if name not in EDIT_FIELDS]
        return replace(self, errors=errors, message=" ".join(elsewhere))

    def conflicting(self, current: ProductView) -> ProductEdit:
        return replace(self, version=current.version, current=current, errors={}, message="")


@dataclass(frozen=True)
class RowNotice:
    """A message shown inside a product's row, beside the action that caused it."""

    text: str
    kind: Literal["success", "error", "info"] = "success"


def _refusal(error: DomainError) -> str:
    if isinstance(error, ProductInCart):
        return "Not deleted: this product is in a shopper's cart. It can be deleted once no cart holds it."
    if isinstance(error, ProductAlreadyDeleted):
        return "This product was already deleted (perhaps in another tab)."
    if isinstance(error, ProductNotDeleted):
        return "This product was already restored (perhaps in another tab)."
    if isinstance(error, DuplicateProductName):
        return f"{error.message}. Rename one of the two (Edit), then restore this one."
    return error.message


_STALE_PICTURE = (
    "Someone else changed this product while you had it open: the picture was not saved. "
    "Cancel, open the product again and upload the picture once more."
)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _require_admin_page(user: UserContext) -> None:
    # The list and the forms read through the public catalog service (which customers may use), so
    # the admin pages check for themselves that the visitor may manage products; every change is
    # checked again by ProductAdminService.
    require(user, Capability.PRODUCTS_CREATE, action="admin_products", reason="Admin access required")


class AdminProductsController(Controller):
    path = LIST_PATH
    tags = ["admin pages"]
    include_in_schema = False

    @get("/", operation_id="adminProducts")
    async def products(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        search: FromQuery[str] = "",
        show_deleted: FromQuery[str] = "",
        page: FromQuery[str | None] = None,
    ) -> Template:
        _require_admin_page(user)
        query = ProductListQuery(search, checked(show_deleted))
        return await self._list_page(request, user, catalog, query, PageRequest.parse(page, PAGE_SIZE))

    @post("/", operation_id="adminCreateProduct", status_code=201)
    async def create_product(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        products: NamedDependency[ProductAdminService],
        catalog: NamedDependency[CatalogService],
        data: FormData,
    ) -> Template | Redirect:
        form = {name: data.get(name, "") for name in PRODUCT_FIELDS}
        try:
            product = await products.create_product(
                user, name=form["name"], price=form["price"], stock_quantity=form["stock_quantity"]
            )
        except ValidationError as error:
            if is_htmx(request):
                # Re-render the form with the error beside its field, in place of the form.
                return render(
                    request,
                    LIST_PAGE,
                    block="product_form",
                    status_code=422,
                    headers={"HX-Retarget": "#product-form", "HX-Reswap": "outerHTML"},
                    form=form,
                    errors=error.errors,
                )
            return await self._list_page(
                request, user, catalog, ProductListQuery(), PageRequest(), form=form, errors=error.errors, status=422
            )
        if is_htmx(request):
            return render(request, "partials/_product_created.html", status_code=201, product=product, first=True)
        flash(request.scope, "success", f"Product “{product.name}” added.")
        return Redirect(LIST_PATH, status_code=303)

    async def _list_page(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        catalog: CatalogService,
        query: ProductListQuery,
        page: PageRequest,
        *,
        form: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Template:
        results = await catalog.list_products(user, query.to_filter(), page)
        return render(
            request,
            LIST_PAGE,
            block="product_list",
            status_code=status,
            page=results,
            query=query,
            page_url=page_url(LIST_PATH, query.params()),
            form=form or dict.fromkeys(PRODUCT_FIELDS, ""),
            errors=errors or {},
        )

    @get("/{product_id:uuid}", operation_id="adminProductRow")
    async def product_row(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        product_id: FromPath[UUID],
        next_: NextPage = LIST_PATH,
    ) -> Response[Any]:
        """The product's row (htmx: Cancel puts it back in place of the edit form); a browser gets the list."""
        _require_admin_page(user)
        product = await catalog.get_product(user, product_id)
        if not is_htmx(request):
            return see_other(request, f"{LIST_PATH}?{urlencode({'search': product.name, 'show_deleted': '1'})}")
        return render(request, ROW, product=product, back=safe_next(next_, LIST_PATH), focus=True)

    @get("/{product_id:uuid}/edit", operation_id="adminEditProductForm")
    async def edit_form(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        product_id: FromPath[UUID],
        next_: NextPage = LIST_PATH,
    ) -> Template:
        _require_admin_page(user)
        product = await catalog.get_product(user, product_id)
        return self._edit_answer(request, product, ProductEdit.of(product), safe_next(next_, LIST_PATH))

    @post("/{product_id:uuid}", operation_id="adminUpdateProduct")
    async def update_product(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        products: NamedDependency[ProductAdminService],
        catalog: NamedDependency[CatalogService],
        product_id: FromPath[UUID],
        data: FormData,
    ) -> Response[Any]:
        back = safe_next(data.get("next"), LIST_PATH)
        edit = ProductEdit.posted(data)
        try:
            typed = edit.values
            product = await products.update_product(
                user,
                product_id,
                expected_version=edit.version,
                name=typed["name"],
                price=typed["price"],
                stock_quantity=typed["stock_quantity"],
                description=typed["description"],
            )
        except ValidationError as error:
            current = await catalog.get_product(user, product_id)
            return self._edit_answer(request, current, edit.refused(error), back, status=422)
        except StaleVersion:
            current = await catalog.get_product(user, product_id)
            return self._edit_answer(request, current, edit.conflicting(current), back, status=409)
        if not is_htmx(request):
            flash(request.scope, "success", f"Product “{product.name}” saved.")
            return see_other(request, back)
        return render(request, ROW, product=product, back=back, notice=RowNotice("Saved."), new=True, focus=True)

    @post("/{product_id:uuid}/image", operation_id="adminUploadProductImage")
    async def upload_image(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        images: NamedDependency[ProductImageService],
        catalog: NamedDependency[CatalogService],
        product_id: FromPath[UUID],
    ) -> Response[Any]:
        """A multipart form with one file. htmx: the picture form alone comes back (the edit form beside it
        keeps what the admin typed, and gets the new version out of band); a browser: the edit page again."""
        form = await request.form()
        back = safe_next(_text(form.get("next")), LIST_PATH)
        version = ProductEdit.posted({"version": _text(form.get("version"))}).version
        upload = form.get("image")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        try:
            await images.upload_image(user, product_id, data, expected_version=version)
        except (ImageRefused, StaleVersion) as error:
            product = await catalog.get_product(user, product_id)
            message = error.message if isinstance(error, ImageRefused) else _STALE_PICTURE
            status = 422 if isinstance(error, ImageRefused) else 409
            return self._image_answer(request, product, back, status=status, version=version, error=message)
        product = await catalog.get_product(user, product_id)
        if not is_htmx(request):
            flash(request.scope, "success", f"New picture of “{product.name}” saved.")
            return see_other(request, f"{LIST_PATH}/{product_id}/edit?{urlencode({'next': back})}")
        return self._image_answer(request, product, back, notice="Picture saved. Shoppers see it now.")

    def _image_answer(
        self,
        request: Request[Any, Any, Any],
        product: ProductView,
        back: str,
        *,
        status: int = 200,
        version: int | None = None,
        error: str = "",
        notice: str = "",
    ) -> Template:
        edit = ProductEdit.of(product)
        if not is_htmx(request):
            page = "pages/admin/product_edit.html"
            return render(request, page, status_code=status, product=product, edit=edit, back=back, image_error=error)
        return render(
            request,
            IMAGE_FORM,
            status_code=status,
            product=product,
            version=version or product.version,
            back=back,
            image_error=error,
            image_notice=notice,
            oob_version=not error,
        )

    def _edit_answer(
        self, request: Request[Any, Any, Any], product: ProductView, edit: ProductEdit, back: str, *, status: int = 200
    ) -> Template:
        """htmx: the row as an inline form. A browser without JavaScript: a page with the same form."""
        template = ROW if is_htmx(request) else "pages/admin/product_edit.html"
        return render(request, template, status_code=status, product=product, edit=edit, back=back)

    @get("/{product_id:uuid}/delete", operation_id="adminConfirmProductDeletion")
    async def confirm_deletion(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        product_id: FromPath[UUID],
        next_: NextPage = LIST_PATH,
    ) -> Response[Any]:
        """Without JavaScript, deleting asks on a page of its own (with htmx, `hx-confirm` asks)."""
        _require_admin_page(user)
        back = safe_next(next_, LIST_PATH)
        product = await catalog.get_product(user, product_id)
        if product.deleted_at is not None:
            flash(request.scope, "info", f"Product “{product.name}” is already deleted.")
            return see_other(request, back)
        return render(request, "pages/admin/product_delete.html", product=product, back=back)

    @post("/{product_id:uuid}/delete", operation_id="adminDeleteProduct")
    async def delete_product(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        products: NamedDependency[ProductAdminService],
        catalog: NamedDependency[CatalogService],
        product_id: FromPath[UUID],
        data: FormData,
    ) -> Response[Any]:
        back = safe_next(data.get("next"), LIST_PATH)
        try:
            deleted = await products.delete_product(user, product_id)
        except (ProductInCart, ProductAlreadyDeleted) as error:
            product = await catalog.get_product(user, product_id)
            if is_htmx(request):
                return _row_refused(request, product, back, error)
            if product.deleted_at is not None:
                flash(request.scope, "info", f"Product “{product.name}” is already deleted.")
                return see_other(request, back)
            return render(
                request,
                "pages/admin/product_delete.html",
                status_code=refusal_status(error),
                product=product,
                back=back,
                refusal=_refusal(error),
            )
        return _row_changed(
            request,
            deleted,
            back,
            flashed=f"Product “{deleted.name}” deleted. Shoppers no longer see it.",
            notice="Deleted: shoppers no longer see it. Restore brings it back.",
        )

    @post("/{product_id:uuid}/restore", operation_id="adminRestoreProduct")
    async def restore_product(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        products: NamedDependency[ProductAdminService],
        catalog: NamedDependency[CatalogService],
        product_id: FromPath[UUID],
        data: FormData,
    ) -> Response[Any]:
        back = safe_next(data.get("next"), LIST_PATH)
        try:
            restored = await products.restore_product(user, product_id)
        except (ProductNotDeleted, ValidationError) as error:
            # ValidationError: a live product has taken the name meanwhile (rename it first, then restore).
            product = await catalog.get_product(user, product_id)
            if is_htmx(request):
                return _row_refused(request, product, back, error)
            flash(request.scope, "error", f"Product “{product.name}” was not restored. {_refusal(error)}")
            return see_other(request, back)
        return _row_changed(
            request,
            restored,
            back,
            flashed=f"Product “{restored.name}” restored: shoppers see it again.",
            notice="Restored: shoppers see it again.",
        )


def _row_changed(
    request: Request[Any, Any, Any], product: ProductLike, back: str, *, flashed: str, notice: str
) -> Response[Any]:
    """A row action went through. Without JavaScript: back to the list with `flashed`; htmx: the row with `notice`."""
    if not is_htmx(request):
        flash(request.scope, "success", flashed)
        return see_other(request, back)
    return render(request, ROW, product=product, back=back, notice=RowNotice(notice), focus=True)


def _row_refused(request: Request[Any, Any, Any], product: ProductView, back: str, error: DomainError) -> Template:
    """htmx: the row as it is now, with the reason a row action was refused in it."""
    notice = RowNotice(_refusal(error), "error")
    return render(request, ROW, status_code=refusal_status(error), product=product, back=back, notice=notice)
