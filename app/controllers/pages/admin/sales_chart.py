"""The dashboard's sales per day as bar charts drawn by the server (SVG, no JavaScript).

The geometry (scale, bar rectangles, axis ticks, labels) is computed here so that the template only
draws what it is given. Coordinates are in the SVG's own units (its viewBox); the browser scales
the whole drawing to the width of its box.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.services.dashboard import DailySales
from app.web.rendering import format_money

WIDTH = 480
PLOT_LEFT = 44  # room for the value axis' labels
PLOT_RIGHT = WIDTH - 6
PLOT_TOP = 18  # room for the value printed above the tallest bar
AXIS_ROOM = 38  # below the plot: day of the month, and the month where it changes
BAR_SHARE = 0.68  # of each day's slot; the rest is the gap between bars
MAX_TICKS = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    centre: float
    day_label: str
    month_label: str
    """The month's name under the first bar and where the month changes, else empty."""
    value_label: str
    """Printed above the bar (empty for zero, which the axis already says)."""
    tooltip: str
    is_today: bool


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class BarChart:
    key: str
    """Unique on the page: the ids of the chart's title and description derive from it."""
    title: str
    description: str
    height: int
    plot_bottom: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    width: int = WIDTH
    plot_left: float = PLOT_LEFT
    plot_right: float = PLOT_RIGHT


@dataclass(frozen=True)
class SalesOverview:
    """The last days' sales: totals, one chart for revenue and one for orders, and the rows of the table."""

    days: tuple[DailySales, ...]
    orders_total: int
    revenue_total: Decimal
    revenue_chart: BarChart
    orders_chart: BarChart

    @classmethod
    def of(cls, sales: Sequence[DailySales]) -> SalesOverview:
        orders_total = sum(day.orders for day in sales)
        revenue_total = sum((day.revenue for day in sales), Decimal("0.00"))
        period = _period(sales)
        revenue_summary = f"{format_money(revenue_total)} in all{_best(sales, lambda d: d.revenue, format_money)}"
        revenue = bar_chart(
            "revenue",
            f"Revenue per day, {period}",
            f"Revenue per day, {period}: {revenue_summary}.",
            sales,
            lambda day: day.revenue,
            label=compact_money,
            height=200,
        )
        orders = bar_chart(
            "orders",
            f"Orders per day, {period}",
            f"Orders per day, {period}: {orders_total} in all{_best(sales, lambda d: d.orders, str)}.",
            sales,
            lambda day: day.orders,
            label=str,
            height=150,
        )
        return cls(tuple(sales), orders_total, revenue_total, revenue, orders)


def bar_chart(
    key: str,
    title: str,
    description: str,
    sales: Sequence[DailySales],
    measure: Callable[[DailySales], Decimal | int],
    *,
    label: Callable[[Decimal | int], str],
    height: int,
) -> BarChart:
    """Bars of `measure(day)` for each day, labelled above with `label(value)`, on a value axis from 0."""
    plot_bottom = height - AXIS_ROOM
    top, step = nice_scale(max((measure(day) for day in sales), default=0))
    scale = (plot_bottom - PLOT_TOP) / top
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(len(sales), 1)
    bars = []
    for index, day in enumerate(sales):
        value = measure(day)
        bar_height = float(value) * scale
        x = PLOT_LEFT + index * slot + slot * (1 - BAR_SHARE) / 2
        changes_month = index == 0 or day.day.month != sales[index - 1].day.month
        bars.append(
            Bar(
                x=round(x, 2),
                y=round(plot_bottom - bar_height, 2),
                width=round(slot * BAR_SHARE, 2),
                height=round(bar_height, 2),
                centre=round(PLOT_LEFT + (index + 0.5) * slot, 2),
                day_label=str(day.day.day),
                month_label=day.day.strftime("%b") if changes_month else "",
                value_label=label(value) if value else "",
                tooltip=f"{day.day:%a %d %b}: {_orders(day.orders)}, {format_money(day.revenue)}",
                is_today=index == len(sales) - 1,
            )
        )
    ticks = tuple(
        Tick(y=round(plot_bottom - n * step * scale, 2), label=label(n * step)) for n in range(int(top / step) + 1)
    )
    return BarChart(key, title, description, height, plot_bottom, tuple(bars), ticks)


def nice_scale(maximum: Decimal | int) -> tuple[int, int]:
    """The top of the value axis and the step between its ticks: 1, 2 or 5 times a power of ten.

    At most MAX_TICKS steps; an all-zero series still gets an axis from 0 to 1.
    """
    if maximum <= 0:
        return 1, 1
    rough = float(maximum) / MAX_TICKS
    magnitude = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    return int(math.ceil(float(maximum) / step) * step), int(step)


def compact_money(value: Decimal | int) -> str:
    """`$60`, `$950`, `$1.2k`, `$15k`: short enough to stand above a bar or beside an axis."""
    amount = Decimal(value)
    if amount >= 1000:
        thousands = amount / 1000
        text = f"{thousands:.1f}" if thousands < 10 else f"{thousands:.0f}"
        return f"${text.removesuffix('.0')}k"
    return f"${amount:,.0f}"


def _orders(count: int) -> str:
    return f"{count} order{'' if count == 1 else 's'}"


def _period(sales: Sequence[DailySales]) -> str:
    if not sales:
        return "no days"
    return f"{sales[0].day:%d %b} to {sales[-1].day:%d %b %Y}"


def _best(
    sales: Sequence[DailySales], measure: Callable[[DailySales], Decimal | int], label: Callable[[Decimal], str]
) -> str:
    """`; most on Thu 26 Nov (3)`: the highest day, for the chart's text description."""
    best = max(sales, key=measure, default=None)
    if best is None or not measure(best):
        return "; no sales on any day"
    return f"; most on {best.day:%a %d %b} ({label(Decimal(measure(best)))})"
