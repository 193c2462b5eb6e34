"""The monitoring's Russian texts (core/activity/templates) and the number formats they use."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from core.russian_dates import week_range as monday_range
from core.texts import Texts

from .columns import Column, Trend


class _Monday(Protocol):
    """A week as the formats read it (weeks.Week, which renders its errors with these texts)."""

    @property
    def monday(self) -> date: ...


def pct(value: float | None) -> str:
    """92.5 -> "92,5 %"; no value -> a dash."""
    if value is None:
        return "—"
    return f"{value:.1f}".replace(".", ",") + " %"


def number(value: float | int | None) -> str:
    """12345 -> "12 345" (a thin space groups thousands, as Russian tables do)."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return pct(value)
    return f"{value:,}".replace(",", "\u202f")


def cell(value: float | int | None, column: Column) -> str:
    return pct(value) if column.kind == "share" else number(value)  # type: ignore[arg-type]


def change(trend: Trend, column: Column | None = None) -> str:
    """ "▲ 2,5" (percentage points for shares, people for counts); nothing when unchanged."""
    if not trend.arrow or trend.delta is None:
        return ""
    size = abs(trend.delta)
    if column is None or column.kind == "share":
        return f"{trend.arrow} {size:.1f}".replace(".", ",")
    return f"{trend.arrow} {number(int(size))}"


def week_range(week: _Monday) -> str:
    """ "16–22 ноября", or "30 ноября – 6 декабря" across months."""
    return monday_range(week.monday)


def week_short(week: _Monday) -> str:
    """ "16.11" for chart axes and narrow columns."""
    return f"{week.monday.day:02d}.{week.monday.month:02d}"


FILTERS = {
    "pct": pct,
    "number": number,
    "cell": cell,
    "change": change,
    "week_range": week_range,
    "week_short": week_short,
}

T = Texts.for_package("core.activity")
T.env.filters.update(FILTERS)


def column_title(column: Column, texts: Texts = T) -> str:
    return texts.label(f"col_{column.kind}_{column.key}")
