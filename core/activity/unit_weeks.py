"""The platform's own weekly figures of a unit (``unit_week_stats``, filled by weekly_import.py)
and their use in the reports.

A region, a municipality or a school may have the platform's weekly sheet imported for it. For
that unit and week those figures are what the platform reports, so they replace, field by field,
the counts summed from the unit's schools (a field the file did not have keeps the summed value).
``Monitoring.school_weeks`` loads the week's rows with the schools (``attach``) and
``Monitoring.unit_counts`` applies them (``override``): one place, so every report, ranking,
trend and export sees the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from core.storage import Database

from .counts import Counts, SchoolWeek

# The Counts fields the weekly sheet can carry, in the table's column order.
UNIT_FIELDS: tuple[str, ...] = (
    "schools",
    "schools_connected",
    "teachers",
    "teachers_registered",
    "teachers_active",
    "chat_creators",
    "writers3",
    "writers10",
    "callers",
    "students",
    "students_registered",
    "students_active",
)
_COUNTS_FIELDS = {f.name for f in fields(Counts)}


class WeekRows(dict[int, SchoolWeek]):
    """A week's schools (what ``Monitoring.school_weeks`` returns) with the imported figures of
    units for that week, by organisation id: values of the fields the file had."""

    __slots__ = ("units", "week")

    def __init__(
        self,
        rows: Mapping[int, SchoolWeek],
        week: str,
        units: dict[int, dict[str, int]] | None = None,
    ) -> None:
        super().__init__(rows)
        self.week = week
        self.units = units or {}


async def load(db: Database, week: str) -> dict[int, dict[str, int]]:
    """Imported figures of every unit for ``week`` (a handful of rows: one per imported unit)."""
    rows = await db.fetchall("SELECT * FROM unit_week_stats WHERE week = ?", (week,))
    found: dict[int, dict[str, int]] = {}
    for row in rows:
        values = {
            name: int(row[name])
            for name in UNIT_FIELDS
            if name in _COUNTS_FIELDS and row[name] is not None
        }
        if values:
            found[int(row["org_id"])] = values
    return found


async def attach(db: Database, week: str, rows: Mapping[int, SchoolWeek]) -> WeekRows:
    return WeekRows(rows, week, await load(db, week))


def override(unit_id: int, rows: Mapping[int, Any], counts: Counts) -> Counts:
    """``counts`` of ``unit_id`` with the platform's figures for the week of ``rows`` put over
    them, when that unit's weekly sheet was imported; else ``counts`` unchanged."""
    units = getattr(rows, "units", None)
    if not units or unit_id not in units:
        return counts
    return replace(counts, **units[unit_id])
