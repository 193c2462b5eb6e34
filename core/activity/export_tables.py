"""The «Общая» and «По учителям» tables as plain data, one model for both the xlsx and the csv
(so the two files always hold the same table).

«Общая»: the unit's weekly table — the weeks as rows, the report's columns (report.COLUMNS: every
metric's counts and shares) as columns. «По учителям»: every teacher of the unit's schools (ФИО,
школа), and for each chosen week the group chats they created, their messages in group chats and
their calls; last, the group chats they own in all.

Shares are kept as percentages (40.0 for 40 %); the xlsx writes them as fractions with a percent
format, the csv with a decimal comma.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .report import COLUMNS, Column, TableRow
from .teachers import TeacherRow
from .texts import T, column_title, week_range
from .weeks import Week

Kind = Literal["text", "count", "share"]
Value = str | int | float | None


def label(name: str, /, **values: Any) -> str:
    """A block of templates/export_labels.j2."""
    template = T.env.get_template("export_labels.j2")
    return "".join(template.blocks[name](template.new_context(values))).strip()


@dataclass(frozen=True)
class Table:
    sheet: str  # the sheet's name (at most 31 characters)
    title: str
    headers: list[str]
    kinds: list[Kind]  # per column
    rows: list[list[Value]]
    share_columns: dict[str, int]  # Metric value -> 0-based column of its share


def general_table(unit_name: str, table: Sequence[TableRow]) -> Table:
    columns: list[Column] = list(COLUMNS)
    rows: list[list[Value]] = [
        [week_range(line.week), *(line.value(column) for column in columns)] for line in table
    ]
    return Table(
        sheet=label("sheet_general"),
        title=label("title_general", unit=unit_name),
        headers=[T.label("col_week"), *(column_title(c) for c in columns)],
        kinds=["text", *(c.kind for c in columns)],
        rows=rows,
        share_columns={c.key: i for i, c in enumerate(columns, start=1) if c.kind == "share"},
    )


def teachers_table(unit_name: str, weeks: Sequence[Week], teachers: Sequence[TeacherRow]) -> Table:
    headers = [label("col_name"), label("col_school")]
    kinds: list[Kind] = ["text", "text"]
    for week in weeks:
        shown = week_range(week)
        headers += [
            label("col_week_chats", week=shown),
            label("col_week_messages", week=shown),
            label("col_week_calls", week=shown),
        ]
        kinds += ["count", "count", "count"]
    headers.append(label("col_chats_owned"))
    kinds.append("count")
    rows: list[list[Value]] = []
    for teacher in teachers:
        row: list[Value] = [teacher.name, teacher.school]
        for week in weeks:
            figures = teacher.week(week)
            row += [figures.chats_created, figures.messages, figures.calls]
        row.append(teacher.chats_owned)
        rows.append(row)
    return Table(
        sheet=label("sheet_teachers"),
        title=label("title_teachers", unit=unit_name),
        headers=headers,
        kinds=kinds,
        rows=rows,
        share_columns={},
    )


def messages_column(week_index: int) -> int:
    """The 0-based column of the messages of the ``week_index``-th week in «По учителям»."""
    return 2 + 3 * week_index + 1
