"""One entry for the «Общая» / «По учителям» exports in xlsx or csv, used by the mini-app's
download links and by ``sferum monitoring export``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .csv_export import table_csv
from .export_general import general_workbook, teachers_workbook
from .export_tables import general_table, label, teachers_table
from .report import Reports
from .teachers import teacher_weeks
from .weeks import Week

Sheet = Literal["general", "teachers"]
Format = Literal["xlsx", "csv"]
SHEETS: tuple[Sheet, ...] = ("general", "teachers")
FORMATS: tuple[Format, ...] = ("xlsx", "csv")
MAX_WEEKS = 104
CONTENT_TYPES: dict[Format, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class Export:
    data: bytes
    filename: str  # ASCII, for the plain Content-Disposition filename
    russian: str  # for filename*
    content_type: str
    rows: int


async def build_export(
    reports: Reports, org_id: int, sheet: Sheet, fmt: Format, weeks: int, until: Week,
    generated: datetime,
) -> Export:  # fmt: skip
    """``weeks`` weeks ending with ``until`` of the unit ``org_id``."""
    monitoring = reports.monitoring
    tree = await monitoring.tree(org_id)
    unit = tree.unit(org_id)
    count = max(1, min(weeks, MAX_WEEKS))
    if sheet == "general":
        lines = await reports.weekly_table(org_id, count, until)
        if fmt == "xlsx":
            thresholds = await reports.region_thresholds(org_id)
            data = general_workbook(unit.name, lines, thresholds, generated)
        else:
            data = table_csv(general_table(unit.name, lines))
        rows = len(lines)
    else:
        span = until.last(count)
        teachers = await teacher_weeks(monitoring.db, tree, org_id, span)
        if fmt == "xlsx":
            data = teachers_workbook(unit.name, span, teachers, generated)
        else:
            data = table_csv(teachers_table(unit.name, span, teachers))
        rows = len(teachers)
    title = label(f"sheet_{sheet}")
    return Export(
        data=data,
        filename=f"monitoring-{sheet}-{unit.id}-{until.key}.{fmt}",
        russian=f"{title} — {unit.name} — {until.key}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
        rows=rows,
    )
