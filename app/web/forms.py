"""HTML form posts: reading what was sent, keeping it with the reasons it was refused, and answering.

A refused form comes back as typed, with the reason beside each field at fault (`FormState`).
The form that adds to a list page answers with itself, or the whole page without JavaScript
(`ListPage`); an action on one row of the list answers with that row, or the whole page
(`RowAnswer`). When the thing acted on is gone instead (deleted in another tab, say), there is
nothing left to show the reason beside: `refusal_elsewhere` shows it as a flash message. A row
whose subject is deleted answers with nothing in its place and a flash (`row_deleted`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from app.domain.errors import DomainError, ValidationError
from app.domain.parsing import optional_id
from app.web.flash import flash
from app.web.redirects import see_other
from app.web.refusals import FORM_STATUSES, status_of
from app.web.rendering import is_htmx, render

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A URL-encoded form body, one value per name (read repeated names, such as checkboxes, with `form_ids`)."""


async def form_ids(request: Request[Any, Any, Any], name: str) -> list[UUID | None]:
    """Every value of a repeated field (a group of checkboxes) as ids; None stands for one that is not an id."""
    form = await request.form()
    return [optional_id(value) for value in form.getall(name, [])]


@dataclass(frozen=True)
class FormState:
    """A form as the user typed it and the reason beside each field in error; blank to begin with.

    `key` says which row of a table a per-row form belongs to (a flag's name, a user's id), so a
    page that lists many such forms shows the refusal beside the right one.
    """

    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    key: object = None

    @classmethod
    def posted(cls, data: Mapping[str, str], *names: str, key: object = None) -> FormState:
        return cls(values={name: data.get(name, "") for name in names}, key=key)

    def refused(self, error: DomainError, *, beside: str) -> FormState:
        """The same values with the error's reasons; one that names no field of its own goes `beside` that field."""
        errors = dict(error.errors) if isinstance(error, ValidationError) else {beside: error.message}
        return FormState(self.values, errors, self.key)

    def with_errors(self, **errors: str) -> FormState:
        return FormState(self.values, {**self.errors, **errors}, self.key)


def refusal_status(error: DomainError) -> int:
    """422 for input to correct; otherwise the status app.web.refusals gives the error (409 for a clash…)."""
    return status_of(error, FORM_STATUSES)


def refusal_elsewhere(request: Request[Any, Any, Any], error: DomainError, back: str) -> Response[Any]:
    """The reason as a flash message: out of band over htmx (the page stays as it is), after a redirect without."""
    if is_htmx(request):
        return render(
            request,
            "partials/_flash_oob.html",
            status_code=refusal_status(error),
            headers={"HX-Reswap": "none"},
            oob_flash=("error", error.message),
        )
    flash(request.scope, "error", error.message)
    return see_other(request, back)


def row_deleted(request: Request[Any, Any, Any], message: str, back: str) -> Response[Any]:
    """After a delete: a redirect back to the list with a flash; over htmx, nothing in the row's place.

    The htmx answer carries the message out of band: the element swapped is the row itself.
    """
    if not is_htmx(request):
        flash(request.scope, "success", message)
        return see_other(request, back)
    return render(request, "partials/_flash_oob.html", oob_flash=("success", message))


@dataclass(frozen=True)
class ListPage:
    """A list page and the form that adds to it (coupons, flags, users, groups), as one request sees it.

    The form's answer, without JavaScript: once created, a redirect to the new item with a flash;
    refused, the whole page with the form as typed. Over htmx the form answers for itself: refused,
    with the reasons beside its fields; created (201), blank again, carrying the refreshed list (the
    new item marked) and the flash out of band.
    """

    request: Request[Any, Any, Any]
    render: Callable[..., Template]
    """Renders the page's template, or over htmx only `block` of it, with the context given."""
    form_block: str
    """The block that holds the form (`flag_form`); given `created`, it also carries the list."""
    listed: Callable[[], Awaitable[Mapping[str, Any]]]
    """Reads what the page lists, under the names its template uses (`{"flags": …, "groups": …}`)."""
    blank: FormState = field(default_factory=FormState)
    """The form as a new item starts (a new user's role already chosen, say)."""

    async def whole(
        self, *, form: FormState | None = None, refused: FormState | None = None, status: int = 200
    ) -> Template:
        """The whole page, its form blank unless given; `refused`, a row action's form (as `RowAnswer.page`)."""
        return self.render(status_code=status, form=form or self.blank, refused=refused, **await self.listed())

    async def created(self, created: object, message: str, *, back: str) -> Response[Any]:
        if not is_htmx(self.request):
            flash(self.request.scope, "success", message)
            return see_other(self.request, back)
        return self.render(
            block=self.form_block,
            status_code=201,
            form=self.blank,
            created=created,
            oob_flash=("success", message),
            **await self.listed(),
        )

    async def refused(self, refused: FormState, *, status: int = 422) -> Template:
        if not is_htmx(self.request):
            return await self.whole(form=refused, status=status)
        return self.render(block=self.form_block, status_code=status, form=refused)  # the list is as it was


@dataclass(frozen=True)
class RowAnswer:
    """The answer to an action on one row of a list page (a flag, a user, a group's card).

    Without JavaScript: once changed, a redirect back to the row with a flash; refused, the whole
    page with the reason in that row. Over htmx: the row alone, with its flash or with the reason.
    """

    request: Request[Any, Any, Any]
    back: str
    """The row's place on the list page (`/admin/flags#flag-beta`), where the redirect lands."""
    row: Callable[..., Awaitable[Template]]
    """Renders the row alone, given what the answer adds: `row_flash`, or `refused` and `status_code`."""
    page: Callable[..., Awaitable[Template]]
    """Renders the whole page, given `refused` and `status`."""

    async def changed(self, message: str) -> Response[Any]:
        if not is_htmx(self.request):
            flash(self.request.scope, "success", message)
            return see_other(self.request, self.back)
        return await self.row(row_flash=("success", message))

    async def refused(self, refused: FormState, *, status: int = 422) -> Template:
        if not is_htmx(self.request):
            return await self.page(refused=refused, status=status)
        return await self.row(refused=refused, status_code=status)
