"""«Общая» and «По учителям» as xlsx, with charts (openpyxl.chart).

«Общая»: the weekly table (export_tables.general_table) with the colours and arrows of the
«Скачать .xlsx» export, the 2022–2023 region targets as constant columns to its right, and a line
chart of the main shares over the weeks with each target as a dashed line of the same colour.
«По учителям»: the per-teacher table, a small block of the week's messages in group chats summed
over the teachers, and a bar chart of it (one bar per week). The charts read the sheet's cells,
so a region that corrects a number sees the chart follow.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from .counts import Metric
from .export import COUNT_FORMAT, SHARE_FORMAT, _header, _title, _widths, _write_value
from .export_tables import Table, general_table, label, messages_column, teachers_table
from .report import COLUMNS, TableRow
from .targets import TARGETS_2022_2023
from .teachers import TeacherRow
from .texts import column_title, week_range
from .thresholds import Thresholds
from .weeks import Week

HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
# The shares drawn on «Общая»: those with a 2022–2023 target, in the targets' order.
MAIN_SHARES: tuple[Metric, ...] = tuple(TARGETS_2022_2023)
# One colour per drawn share; its target's dashed line takes the same colour.
PALETTE = ("1F77B4", "FF7F0E", "2CA02C", "D62728", "9467BD", "8C564B")
DASH = "dash"


def _book(table: Table, generated: datetime) -> tuple[Workbook, Worksheet]:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.sheet[:31]
    _title(sheet, table.title)
    sheet.cell(row=2, column=1, value=label("generated", at=generated.strftime("%d.%m.%Y %H:%M")))
    _header(sheet, HEADER_ROW, table.headers)
    return book, sheet


def _bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def general_sheet(
    sheet: Worksheet, table: Table, lines: Sequence[TableRow], thresholds: Thresholds
) -> None:
    for offset, line in enumerate(lines):
        row = FIRST_ROW + offset
        sheet.cell(row=row, column=1, value=week_range(line.week))
        for col, column in enumerate(COLUMNS, start=2):
            _write_value(
                sheet, row, col, column, line.value(column), thresholds, line.trend(column)
            )
    _widths(sheet, [22, *([13] * len(COLUMNS))])
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=2)
    last = FIRST_ROW + len(lines) - 1
    # The targets as columns of constants: a chart series is a range of cells.
    first_target = len(table.headers) + 2
    drawn = [m for m in MAIN_SHARES if m.value in table.share_columns]
    for index, metric in enumerate(drawn):
        col = first_target + index
        share_column = next(c for c in COLUMNS if c.metric == metric)
        title = label("col_target", title=column_title(share_column))
        sheet.cell(row=HEADER_ROW, column=col, value=title)
        for row in range(FIRST_ROW, last + 1):
            cell = sheet.cell(row=row, column=col, value=TARGETS_2022_2023[metric] / 100)
            cell.number_format = SHARE_FORMAT
    if not lines or not drawn:
        return
    chart = LineChart()
    chart.title = label("chart_shares")
    chart.height, chart.width = 10, 22
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.y_axis.majorGridlines = None
    # openpyxl ≥ 3.1 writes axes as deleted unless told otherwise: Excel would draw none.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    categories = Reference(sheet, min_col=1, min_row=FIRST_ROW, max_row=last)
    for index, metric in enumerate(drawn):
        colour = PALETTE[index % len(PALETTE)]
        share_col = table.share_columns[metric.value] + 1
        for col, dashed in ((share_col, False), (first_target + index, True)):
            chart.add_data(
                Reference(sheet, min_col=col, min_row=HEADER_ROW, max_row=last),
                titles_from_data=True,
            )
            series = chart.series[-1]
            series.smooth = False
            series.graphicalProperties.line.solidFill = colour
            series.graphicalProperties.line.width = 19050 if dashed else 28575  # EMU: 1.5/2.25 pt
            if dashed:
                series.graphicalProperties.line.dashStyle = DASH
    chart.set_categories(categories)
    sheet.add_chart(chart, sheet.cell(row=last + 3, column=2).coordinate)


def general_workbook(
    unit_name: str, lines: Sequence[TableRow], thresholds: Thresholds, generated: datetime
) -> bytes:
    table = general_table(unit_name, lines)
    book, sheet = _book(table, generated)
    general_sheet(sheet, table, lines, thresholds)
    return _bytes(book)


def teachers_sheet(sheet: Worksheet, table: Table, weeks: Sequence[Week]) -> None:
    for offset, values in enumerate(table.rows):
        row = FIRST_ROW + offset
        for col, (value, kind) in enumerate(zip(values, table.kinds, strict=True), start=1):
            cell = sheet.cell(row=row, column=col, value=value)
            if kind == "count":
                cell.number_format = COUNT_FORMAT
    if not table.rows:
        sheet.cell(row=FIRST_ROW, column=1, value=label("no_teachers"))
    _widths(sheet, [32, 36, *([14] * (len(table.headers) - 2))])
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=3)
    # The week's messages summed over the teachers, beside the table: what the chart draws.
    block = len(table.headers) + 2
    sheet.cell(row=HEADER_ROW, column=block, value=label("col_week_total"))
    sheet.cell(row=HEADER_ROW, column=block + 1, value=label("col_messages_total"))
    for index, week in enumerate(weeks):
        column = messages_column(index)
        total = sum(int(values[column] or 0) for values in table.rows)
        sheet.cell(row=FIRST_ROW + index, column=block, value=week_range(week))
        sheet.cell(
            row=FIRST_ROW + index, column=block + 1, value=total
        ).number_format = COUNT_FORMAT
    if not weeks:
        return
    last = FIRST_ROW + len(weeks) - 1
    chart = BarChart()
    chart.type = "col"
    chart.title = label("chart_messages")
    chart.height, chart.width = 9, 18
    chart.legend = None
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.add_data(
        Reference(sheet, min_col=block + 1, min_row=HEADER_ROW, max_row=last),
        titles_from_data=True,
    )
    chart.set_categories(Reference(sheet, min_col=block, min_row=FIRST_ROW, max_row=last))
    chart.series[0].graphicalProperties.solidFill = PALETTE[0]
    sheet.add_chart(chart, sheet.cell(row=last + 3, column=block).coordinate)


def teachers_workbook(
    unit_name: str, weeks: Sequence[Week], teachers: Sequence[TeacherRow], generated: datetime
) -> bytes:
    table = teachers_table(unit_name, weeks, teachers)
    book, sheet = _book(table, generated)
    teachers_sheet(sheet, table, weeks)
    return _bytes(book)
