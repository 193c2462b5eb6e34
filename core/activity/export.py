"""«Скачать .xlsx»: the weekly table, the ranking of the units below, the inactive schools and the
thresholds, with the same columns and colours as the mini-app pages.

Numbers stay numbers (shares are fractions shown as percentages) so the region can compute with
them; the colour of a share is its cell's fill, and the week-over-week arrow is part of the cell's
number format (``0.0%" ▲"``), so it shows without turning the value into text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .counts import Metric
from .report import COLUMNS, UNIT_COLUMNS, Column, TableRow, Trend, UnitReport
from .summary import reason
from .texts import T, column_title, week_range
from .thresholds import Colour, Thresholds

# Excel's own conditional-formatting palette: what regions' sheets look like.
FILLS = {
    Colour.GOOD: "C6EFCE",
    Colour.AVERAGE: "FFEB9C",
    Colour.BELOW: "FFC7CE",
}
SHARE_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def _fill(colour: Colour) -> PatternFill | None:
    rgb = FILLS.get(colour)
    return None if rgb is None else PatternFill("solid", start_color=rgb, end_color=rgb)


def _write_value(
    sheet: Worksheet,
    row: int,
    col: int,
    column: Column,
    value: float | int | None,
    thresholds: Thresholds,
    trend: Trend | None = None,
) -> None:
    cell = sheet.cell(row=row, column=col)
    if value is None:
        cell.value = None
        return
    arrow = f' "{trend.arrow}"' if trend is not None and trend.arrow else ""
    if column.kind == "share":
        cell.value = round(float(value) / 100, 6)
        cell.number_format = SHARE_FORMAT + arrow
        fill = _fill(thresholds.colour(Metric(column.key), float(value)))
        if fill is not None:
            cell.fill = fill
    else:
        cell.value = int(value)
        cell.number_format = COUNT_FORMAT + arrow


def _header(sheet: Worksheet, row: int, titles: Sequence[str]) -> None:
    for col, title in enumerate(titles, start=1):
        cell = sheet.cell(row=row, column=col, value=title)
        cell.font = BOLD
        cell.alignment = WRAP
    sheet.row_dimensions[row].height = 48


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width


def _title(sheet: Worksheet, text: str) -> None:
    sheet.cell(row=1, column=1, value=text).font = Font(bold=True, size=13)


def weeks_sheet(sheet: Worksheet, report: UnitReport, table: Sequence[TableRow]) -> None:
    _title(sheet, f"{report.unit.name}: {T.label('sheet_weeks')}")
    _header(sheet, 3, [T.label("col_week"), *(column_title(c) for c in COLUMNS)])
    for offset, line in enumerate(table):
        row = 4 + offset
        sheet.cell(row=row, column=1, value=week_range(line.week))
        for col, column in enumerate(COLUMNS, start=2):
            _write_value(
                sheet, row, col, column, line.value(column), report.thresholds, line.trend(column)
            )
    _widths(sheet, [22, *([13] * len(COLUMNS))])
    sheet.freeze_panes = "B4"


def units_sheet(sheet: Worksheet, report: UnitReport) -> None:
    _title(sheet, f"{report.unit.name}: {T.label('sheet_units')}, {week_range(report.week)}")
    _header(
        sheet,
        3,
        [T.label("col_rank"), T.label("col_unit"), *(column_title(c) for c in UNIT_COLUMNS)],
    )
    for offset, ranked in enumerate(report.children):
        row = 4 + offset
        sheet.cell(row=row, column=1, value=ranked.rank)
        sheet.cell(row=row, column=2, value=ranked.row.unit.name)
        for col, column in enumerate(UNIT_COLUMNS, start=3):
            _write_value(
                sheet,
                row,
                col,
                column,
                column.value(ranked.row.counts),
                report.thresholds,
                ranked.trend(column),
            )
    _widths(sheet, [8, 40, *([13] * len(UNIT_COLUMNS))])
    sheet.freeze_panes = "C4"


def inactive_sheet(sheet: Worksheet, report: UnitReport) -> None:
    _title(sheet, f"{report.unit.name}: {T.label('sheet_inactive')}, {week_range(report.week)}")
    _header(
        sheet,
        3,
        [T.label("col_parent"), T.label("col_unit"), T.label("col_reason"), T.label("col_admins")],
    )
    for offset, school in enumerate(report.inactive):
        row = 4 + offset
        sheet.cell(row=row, column=1, value=school.parent)
        sheet.cell(row=row, column=2, value=school.unit.name)
        sheet.cell(row=row, column=3, value=reason(school))
        admins = ", ".join(f"{name} (vk.com/id{vk})" if vk else name for name, vk in school.admins)
        sheet.cell(row=row, column=4, value=admins)
    _widths(sheet, [28, 40, 40, 50])


def thresholds_sheet(sheet: Worksheet, thresholds: Thresholds) -> None:
    _title(sheet, T.label("sheet_thresholds"))
    _header(sheet, 3, [T.label("col_unit"), T.label("threshold_low"), T.label("threshold_good")])
    for offset, (metric, threshold) in enumerate(thresholds.by_metric.items()):
        row = 4 + offset
        sheet.cell(row=row, column=1, value=T.label(f"col_share_{metric.value}"))
        for col, value in ((2, threshold.low), (3, threshold.good)):
            cell = sheet.cell(row=row, column=col, value=None if value is None else value / 100)
            cell.number_format = SHARE_FORMAT
    _widths(sheet, [44, 16, 16])


def workbook(report: UnitReport, table: Sequence[TableRow], generated: datetime) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = T.label("sheet_weeks")[:31]
    weeks_sheet(first, report, table)
    first.cell(row=2, column=1, value=generated.strftime("%d.%m.%Y %H:%M"))
    if report.children:
        units_sheet(book.create_sheet(T.label("sheet_units")[:31]), report)
    inactive_sheet(book.create_sheet(T.label("sheet_inactive")[:31]), report)
    thresholds_sheet(book.create_sheet(T.label("sheet_thresholds")[:31]), report.thresholds)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filename(report: UnitReport) -> str:
    """ASCII file name (the Russian name goes in the Content-Disposition filename*)."""
    return f"monitoring-{report.unit.id}-{report.week.key}.xlsx"
