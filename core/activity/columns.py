"""The columns of the weekly table and the trends in them: what the report, the exports and the
texts' number formats share (report.py builds on them, texts.py formats them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .counts import Counts, Metric

UP, DOWN = "▲", "▼"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the weekly table: a count field of ``Counts`` or a share ``Metric``.
    Its Russian heading is the block ``col_<key>`` of core/activity/templates/labels.j2."""

    key: str
    kind: Literal["count", "share"]

    @property
    def metric(self) -> Metric | None:
        return Metric(self.key) if self.kind == "share" else None

    def value(self, counts: Counts) -> float | int | None:
        if self.kind == "share":
            return counts.share(Metric(self.key))
        value: int = getattr(counts, self.key)
        return value


def _count(key: str) -> Column:
    return Column(key, "count")


def _share(metric: Metric) -> Column:
    return Column(metric.value, "share")


# The regions' own weekly sheet, left to right.
COLUMNS: tuple[Column, ...] = (
    _count("schools"),
    _count("schools_connected"),
    _count("schools_inactive"),
    _share(Metric.CONNECTED),
    _count("teachers"),
    _count("teachers_registered"),
    _share(Metric.TEACHERS_REGISTERED),
    _count("students"),
    _count("students_registered"),
    _share(Metric.STUDENTS_REGISTERED),
    _count("municipalities"),
    _count("municipalities_connected"),
    _count("municipalities_inactive"),
    _count("teachers_active"),
    _share(Metric.TEACHERS_ACTIVE),
    _count("teachers_writing"),
    _share(Metric.TEACHERS_WRITING),
    _count("students_active"),
    _share(Metric.STUDENTS_ACTIVE),
    _count("students_writing"),
    _share(Metric.STUDENTS_WRITING),
    _share(Metric.CHAT_CREATORS),
    _share(Metric.WRITERS3),
    _share(Metric.WRITERS10),
    _share(Metric.CALLERS),
)
# The compact set for a phone screen and the bot's summary.
SUMMARY: tuple[Metric, ...] = (
    Metric.CONNECTED,
    Metric.TEACHERS_REGISTERED,
    Metric.TEACHERS_ACTIVE,
    Metric.TEACHERS_WRITING,
    Metric.STUDENTS_REGISTERED,
    Metric.STUDENTS_ACTIVE,
    Metric.STUDENTS_WRITING,
    Metric.CHAT_CREATORS,
    Metric.WRITERS3,
    Metric.WRITERS10,
    Metric.CALLERS,
)
# Columns of a list of units (children of a unit) ranked against each other.
UNIT_COLUMNS: tuple[Column, ...] = (
    _count("schools"),
    _share(Metric.CONNECTED),
    _count("teachers_registered"),
    _share(Metric.TEACHERS_ACTIVE),
    _share(Metric.TEACHERS_WRITING),
    _share(Metric.STUDENTS_ACTIVE),
    _share(Metric.STUDENTS_WRITING),
    _share(Metric.CHAT_CREATORS),
    _share(Metric.WRITERS3),
    _share(Metric.WRITERS10),
    _share(Metric.CALLERS),
)


@dataclass(frozen=True, slots=True)
class Trend:
    """Week over week: percentage points for shares, people for counts."""

    delta: float | None

    @property
    def arrow(self) -> str:
        if self.delta is None or abs(self.delta) < 1e-9:
            return ""
        return UP if self.delta > 0 else DOWN


def trend(now: float | int | None, before: float | int | None) -> Trend:
    return Trend(None if now is None or before is None else now - before)
