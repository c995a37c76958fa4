"""The admin pages' presentation helpers: the sales chart's geometry, the filter forms' readers, and how a
list page's form answers (`ListPage`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from litestar.response import Redirect, Template

from app.controllers.pages.admin.filters import FilterNotes, parse_count, parse_utc_datetime, tri_state
from app.controllers.pages.admin.sales_chart import PLOT_LEFT, PLOT_RIGHT, SalesOverview, compact_money, nice_scale
from app.domain.errors import ValidationError
from app.services.dashboard import DailySales
from app.web.forms import FormState, ListPage
from app.web.sessions import SESSION_STATE_KEY, Session


def fortnight(*figures: tuple[int, str]) -> list[DailySales]:
    """14 days ending 2 Dec 2026 (so the month changes), the last days carrying `figures`."""
    last = date(2026, 12, 2)
    padded = [(0, "0.00")] * (14 - len(figures)) + list(figures)
    return [
        DailySales(last - timedelta(days=13 - n), orders, Decimal(revenue))
        for n, (orders, revenue) in enumerate(padded)
    ]


@pytest.mark.parametrize(
    ("maximum", "scale"),
    [
        (0, (1, 1)),
        (1, (1, 1)),
        (3, (3, 1)),
        (7, (8, 2)),
        (60, (60, 20)),
        (Decimal("0.50"), (1, 1)),
        (9_612, (10_000, 5_000)),
    ],
)
def test_the_value_axis_ends_on_a_round_number_with_at_most_four_steps(maximum: Decimal | int, scale: tuple[int, int]):
    top, step = nice_scale(maximum)
    assert (top, step) == scale
    assert top / step <= 4


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "$0"), (Decimal("59.50"), "$60"), (950, "$950"), (1_200, "$1.2k"), (2_000, "$2k"), (15_400, "$15k")],
)
def test_money_is_compact_enough_to_stand_above_a_bar(value: Decimal | int, text: str):
    assert compact_money(value) == text


def test_bars_share_the_plot_and_grow_with_their_value():
    overview = SalesOverview.of(fortnight((1, "20.00"), (3, "60.00")))
    bars = overview.revenue_chart.bars

    assert (overview.orders_total, overview.revenue_total) == (4, Decimal("80.00"))
    assert len(bars) == 14 and bars[-1].is_today and not bars[0].is_today
    assert bars[0].x > PLOT_LEFT and bars[-1].x + bars[-1].width < PLOT_RIGHT
    assert bars[-1].height == 3 * bars[-2].height > 0 and bars[0].height == 0
    assert bars[-1].y + bars[-1].height == overview.revenue_chart.plot_bottom
    assert [bar.value_label for bar in bars[-2:]] == ["$20", "$60"] and bars[0].value_label == ""
    assert [bar.month_label for bar in bars if bar.month_label] == ["Nov", "Dec"]
    assert bars[-1].tooltip == "Wed 02 Dec: 3 orders, $60.00"
    assert [tick.label for tick in overview.revenue_chart.ticks] == ["$0", "$20", "$40", "$60"]
    assert (
        overview.orders_chart.description == "Orders per day, 19 Nov to 02 Dec 2026: 4 in all; most on Wed 02 Dec (3)."
    )


def test_a_fortnight_without_sales_still_draws_an_axis_and_says_so():
    chart = SalesOverview.of(fortnight()).revenue_chart
    assert [tick.label for tick in chart.ticks] == ["$0", "$1"]
    assert all(bar.height == 0 for bar in chart.bars)
    assert chart.description.endswith("$0.00 in all; no sales on any day.")


def test_a_filter_value_that_cannot_be_used_is_ignored_with_a_note():
    notes = FilterNotes()
    assert notes.read("low_stock", " 5 ", parse_count) == 5
    assert notes.read("low_stock", "", parse_count) is None
    assert notes.read("low_stock", "-1", parse_count) is None
    assert notes == {"low_stock": "Ignored: “-1” is not a whole number of 0 or more."}


def test_datetime_local_values_are_read_as_utc():
    assert parse_utc_datetime("2026-11-26T14:05") == datetime(2026, 11, 26, 14, 5, tzinfo=UTC)
    assert parse_utc_datetime("2026-11-26T14:05+02:00") == datetime(2026, 11, 26, 12, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="is not a date and time"):
        parse_utc_datetime("tomorrow")


def test_yes_no_any_reads_as_true_false_none():
    assert [tri_state(raw) for raw in ("yes", "No", "", "any", "maybe")] == [True, False, None, None, None]


class FakeListPage:
    """What `ListPage` is given (a request, a renderer, a reader of the list), noting what it was asked for."""

    def __init__(self, *, htmx: bool, blank: FormState | None = None) -> None:
        headers = {"hx-request": "true"} if htmx else {}
        self.request: Any = SimpleNamespace(headers=headers, scope={"state": {SESSION_STATE_KEY: Session(None)}})
        self.blank = blank or FormState()
        self.reads = 0

    def render(self, *, status_code: int = 200, **context: Any) -> Template:
        return Template(template_name="pages/admin/coupons.html", context=context, status_code=status_code)

    async def listed(self) -> dict[str, Any]:
        self.reads += 1
        return {"coupons": ["SPRING10"]}

    def answer(self) -> ListPage:
        return ListPage(self.request, self.render, form_block="coupon_form", listed=self.listed, blank=self.blank)

    def flashes(self) -> list[list[str]]:
        return list(self.request.scope["state"][SESSION_STATE_KEY].get("_flashes", []))


def refused_code() -> FormState:
    typed = FormState.posted({"code": "spring 10"}, "code")
    return typed.refused(ValidationError("code", "Letters, digits, - and _ only."), beside="code")


async def test_a_refused_form_answers_alone_over_htmx_and_leaves_the_list_unread():
    page = FakeListPage(htmx=True)

    answer = await page.answer().refused(refused_code(), status=409)

    assert answer.status_code == 409
    assert answer.context == {"block": "coupon_form", "form": refused_code()}
    assert page.reads == 0


async def test_a_refused_form_without_javascript_comes_back_in_the_whole_page():
    page = FakeListPage(htmx=False)

    answer = await page.answer().refused(refused_code())

    assert answer.status_code == 422
    assert answer.context == {"form": refused_code(), "refused": None, "coupons": ["SPRING10"]}


async def test_a_creation_over_htmx_answers_with_a_blank_form_carrying_the_list_and_the_flash():
    page = FakeListPage(htmx=True, blank=FormState(values={"discount_percent": "10"}))

    answer = await page.answer().created("the new coupon", "Coupon SPRING10 created.", back="/admin/coupons")

    assert isinstance(answer, Template) and answer.status_code == 201
    assert answer.context == {
        "block": "coupon_form",
        "form": FormState(values={"discount_percent": "10"}),
        "created": "the new coupon",
        "oob_flash": ("success", "Coupon SPRING10 created."),
        "coupons": ["SPRING10"],
    }
    assert page.flashes() == []


async def test_a_creation_without_javascript_redirects_to_the_new_item_with_a_flash():
    page = FakeListPage(htmx=False)

    answer = await page.answer().created("the new coupon", "Coupon SPRING10 created.", back="/admin/coupons#new")

    assert isinstance(answer, Redirect) and (answer.url, answer.status_code) == ("/admin/coupons#new", 303)
    assert page.flashes() == [["success", "Coupon SPRING10 created."]]
    assert page.reads == 0


async def test_the_whole_page_shows_the_form_as_a_new_item_starts():
    page = FakeListPage(htmx=False, blank=FormState(values={"discount_percent": "10"}))

    whole = await page.answer().whole()

    assert whole.status_code == 200
    assert whole.context == {
        "form": FormState(values={"discount_percent": "10"}),
        "refused": None,
        "coupons": ["SPRING10"],
    }
