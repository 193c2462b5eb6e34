"""«Общая» and «По учителям»: xlsx read back (sheets, headings, values, charts with the targets),
csv parsed back, per-teacher figures of the hand-made district."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart

from core.activity.counts import Metric
from core.activity.export_general import MAIN_SHARES
from core.activity.report import COLUMNS, Reports
from core.activity.targets import TARGETS_2022_2023
from core.activity.teachers import TeacherWeek, teacher_weeks
from core.activity.texts import column_title
from core.activity.unit_exports import build_export
from core.activity.weeks import Week

from .conftest import District, assert_weekly_headings

W = Week(date(2026, 11, 16), "Asia/Novosibirsk")
GENERATED = datetime(2026, 11, 23, 10, 0)


def series_title(series: object) -> str:
    ref = series.tx.strRef.f  # type: ignore[attr-defined]
    return str(ref)


async def test_teacher_figures_per_week(district: District) -> None:
    monitoring = Reports.over(district.db, district.clock).monitoring
    tree = await monitoring.tree(district.org("R"))
    span = W.last(2)
    rows = await teacher_weeks(district.db, tree, district.org("R"), span)
    by_name = {r.name: r for r in rows}
    # Every teacher of the region's schools (t6 was revoked on Wednesday of W: still listed),
    # neither the admins nor the students.
    assert sorted(by_name) == sorted(f"Тестов T{i}" for i in range(1, 9))
    t1, t2, t4 = by_name["Тестов T1"], by_name["Тестов T2"], by_name["Тестов T4"]
    assert t1.week(W) == TeacherWeek(chats_created=0, messages=10, calls=1)
    assert t1.school == "Школа А"
    # Sunday 23:30 local counts in W; Monday 00:10 of the next week does not.
    assert t2.week(W).messages == 3
    assert t4.week(W.previous()) == TeacherWeek(chats_created=1, messages=0, calls=0)
    assert t4.week(W) == TeacherWeek(chats_created=0, messages=2, calls=0)
    assert by_name["Тестов T5"].chats_owned == 1  # chats.created_by
    assert by_name["Тестов T6"].week(W.previous()).messages == 1
    assert by_name["Тестов T8"].week(W).messages == 12
    assert by_name["Тестов T7"].weeks == {}
    # A school: its own teachers only.
    school = await teacher_weeks(district.db, tree, district.org("A"), span)
    assert [r.name for r in school] == ["Тестов T1", "Тестов T2", "Тестов T3", "Тестов T4"]
    # The week after t6's role was revoked: he is no longer listed.
    later = await teacher_weeks(district.db, tree, district.org("R"), [W.next()])
    assert len(later) == 7 and "Тестов T6" not in {r.name for r in later}
    assert {r.name: r for r in later}["Тестов T2"].week(W.next()).messages == 1


async def test_general_xlsx_has_the_report_figures_and_a_chart_with_targets(
    district: District,
) -> None:
    reports = Reports.over(district.db, district.clock)
    region = district.org("R")
    export = await build_export(reports, region, "general", "xlsx", 3, W, GENERATED)
    assert export.filename == f"monitoring-general-{region}-2026-11-16.xlsx"
    book = load_workbook(io.BytesIO(export.data))
    assert book.sheetnames == ["Общая"]
    sheet = book["Общая"]
    assert sheet.cell(row=1, column=1).value == "Тестовая область: общая таблица по неделям"
    assert_weekly_headings(sheet)
    table = await Reports.over(district.db, district.clock).weekly_table(region, 3, W)
    for offset, line in enumerate(table):
        for col, column in enumerate(COLUMNS, start=2):
            value = line.value(column)
            got = sheet.cell(row=4 + offset, column=col).value
            if value is None:
                assert got is None
            elif column.kind == "share":
                assert abs(got - value / 100) < 1e-6, column.key
            else:
                assert got == value, column.key
    col = {c.key: i for i, c in enumerate(COLUMNS, start=2) if c.kind == "share"}
    assert sheet.cell(row=6, column=col["chat_creators"]).value == 0.4  # 2 of 5, by hand

    charts = sheet._charts
    assert len(charts) == 1 and isinstance(charts[0], LineChart)
    series = charts[0].series
    assert len(series) == 2 * len(MAIN_SHARES)
    dashed = [s for s in series if s.graphicalProperties.line.prstDash == "dash"]
    assert len(dashed) == len(MAIN_SHARES) == len(TARGETS_2022_2023)
    # Each dashed series is a column of the target as constants, headed with its share.
    for s in dashed:
        ref = s.val.numRef.f.replace("$", "")  # e.g. 'Общая'!Y4:Y6
        column_letters = ref.split("!")[1].split(":")[0].rstrip("0123456789")
        header = sheet[f"{column_letters}3"].value
        metric = next(m for m in MAIN_SHARES if column_title(_share(m)) in header)
        assert header.startswith("Цель 2022–2023: ")
        values = [sheet[f"{column_letters}{r}"].value for r in (4, 5, 6)]
        assert values == [TARGETS_2022_2023[metric] / 100] * 3
    solid = [s for s in series if s.graphicalProperties.line.prstDash != "dash"]
    assert {sheet[series_title(s).split("!")[1].replace("$", "")].value for s in solid} == {
        column_title(_share(m)) for m in MAIN_SHARES
    }


def _share(metric: Metric) -> object:
    return next(c for c in COLUMNS if c.metric == metric)


async def test_teachers_xlsx_and_both_csvs(district: District) -> None:
    reports = Reports.over(district.db, district.clock)
    school = district.org("A")
    export = await build_export(reports, school, "teachers", "xlsx", 2, W, GENERATED)
    book = load_workbook(io.BytesIO(export.data))
    assert book.sheetnames == ["По учителям"]
    sheet = book["По учителям"]
    headers = [c.value for c in sheet[3] if c.value is not None]
    assert headers[:5] == [
        "ФИО",
        "Школа",
        "9–15 ноября: создано чатов",
        "9–15 ноября: сообщений в групповых чатах",
        "9–15 ноября: звонков",
    ]
    names = [sheet.cell(row=r, column=1).value for r in range(4, 8)]
    assert names == ["Тестов T1", "Тестов T2", "Тестов T3", "Тестов T4"]
    assert [sheet.cell(row=4, column=c).value for c in range(2, 10)] == [
        "Школа А", 0, 0, 0, 0, 10, 1, 0,
    ]  # fmt: skip
    charts = sheet._charts
    assert len(charts) == 1 and isinstance(charts[0], BarChart)
    ref = charts[0].series[0].val.numRef.f.replace("$", "").split("!")[1]
    first, last = ref.split(":")
    letters = first.rstrip("0123456789")
    # W's messages in school A: 10 (t1) + 3 (t2) + 2 (t4).
    assert [sheet[f"{letters}{r}"].value for r in (4, 5)] == [0, 15]
    assert last == f"{letters}5"

    csv_export = await build_export(reports, school, "teachers", "csv", 2, W, GENERATED)
    assert csv_export.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(csv_export.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == headers[: len(rows[0])] and len(rows) == 5
    assert rows[1][:2] == ["Тестов T1", "Школа А"] and rows[1][5:8] == ["0", "10", "1"]

    general = await build_export(reports, district.org("R"), "general", "csv", 3, W, GENERATED)
    rows = list(csv.reader(io.StringIO(general.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Неделя", *(column_title(c) for c in COLUMNS)]
    assert [r[0] for r in rows[1:]] == ["2–8 ноября", "9–15 ноября", "16–22 ноября"]
    index = rows[0].index(column_title(_share(Metric.CHAT_CREATORS)))
    assert rows[3][index] == "40,0"
    assert rows[3][rows[0].index("Всего ОО")] == "4"
