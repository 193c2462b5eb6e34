"""The platform's weekly sheet of one unit (a row per week): headings, percentages checked and
used, errors naming row and column, the unit from a title row, and the reports using it."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from core.activity.counts import Metric
from core.activity.importer import ImportFailed
from core.activity.report import Reports
from core.activity.weekly_import import (
    WeeklyImporter,
    classify_weekly,
    describe_weekly,
    describe_weekly_failure,
    is_weekly,
    percent_of,
)
from core.activity.weeks import Week

from .conftest import District

SAMPLES = Path(__file__).parents[3] / "core" / "activity" / "samples"
SAMPLE = SAMPLES / "unit_weeks_demo.csv"
W = Week(date(2026, 11, 16), "Asia/Novosibirsk")
HEAD = "Неделя;Всего педагогов;Педагогов в Сферуме;%;Активных педагогов;≥3 сообщений;%"


def sheet(title: str, *rows: str) -> bytes:
    return "\n".join([title, HEAD, *rows]).encode("utf-8")


def test_headings_and_layout_detection() -> None:
    assert classify_weekly("Период") == "week"
    assert classify_weekly("Всего педагогов") == "teachers"
    assert classify_weekly("Педагогов в Сферуме") == "teachers_registered"
    assert classify_weekly("Создали ≥1 чат") == "chat_creators"
    assert classify_weekly("≥3 сообщений") == "writers3"
    assert classify_weekly("≥10 сообщений") == "writers10"
    assert classify_weekly("≥1 звонка") == "callers"
    assert classify_weekly("Активных обучающихся") == "students_active"
    assert classify_weekly("Всего ОО") == "schools"
    assert percent_of("% педагогов в Сферуме") == "teachers_registered"
    assert percent_of("%") is None
    assert is_weekly(SAMPLE.read_bytes(), SAMPLE.name)
    # The organisation-per-row export is the other importer's.
    assert not is_weekly((SAMPLES / "platform_stats_demo.csv").read_bytes(), "p.csv")


async def test_good_file_is_stored_idempotently_and_used_by_the_reports(
    district: District,
) -> None:
    region = district.org("R")
    importer = WeeklyImporter(district.db, district.clock)
    result = await importer.import_bytes(SAMPLE.read_bytes(), SAMPLE.name, org_id=region)
    assert result.rows == 4 and result.problems == [] and result.derived == 1
    assert result.weeks == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"]
    text = describe_weekly(result)
    assert "загружено недель 4" in text and "Восстановлено по процентам значений: 1" in text
    stored = await district.db.fetchall(
        "SELECT * FROM unit_week_stats WHERE org_id = ? ORDER BY week", (region,)
    )
    assert [r["teachers_registered"] for r in stored] == [900, 920, 940, 960]
    assert stored[2]["writers10"] == 174  # 18,5 % of 940 registered: the empty cell derived
    query = "SELECT * FROM unit_week_stats ORDER BY week"
    before = [dict(r) for r in await district.db.fetchall(query)]
    again = await importer.import_bytes(SAMPLE.read_bytes(), SAMPLE.name, org_id=region)
    assert again.rows == 4
    assert [dict(r) for r in await district.db.fetchall(query)] == before

    reports = Reports.over(district.db, district.clock)
    report = await reports.unit_report(region, W)
    assert report.current.teachers == 1200 and report.current.teachers_registered == 960
    assert report.share(Metric.CHAT_CREATORS) == pytest.approx(100 * 375 / 960)
    assert report.previous.writers10 == 174
    assert report.current.schools == 4  # a field the sheet lacks keeps the summed value
    # The municipalities below keep their own figures (7 teachers in all, by hand).
    assert sum(r.row.counts.teachers for r in report.children) == 7
    table = await reports.weekly_table(region, 2, W)
    assert [row.counts.callers for row in table] == [220, 230]


async def test_mismatching_percentage_warns_and_bad_cell_skips_its_row(
    district: District,
) -> None:
    data = sheet(
        "Статистика по неделям: Школа Б",
        "09.11.2026 - 15.11.2026;10;8;80,0;4;2;25",
        "16.11.2026 - 22.11.2026;10;8;90,0;5;abc;50",
        "23.11.2026;10;;90,0;5;4;50",
    )
    result = await WeeklyImporter(district.db, district.clock).import_bytes(data, "b.csv")
    assert result.unit == "Школа Б" and result.org_id == district.org("B")
    lines = describe_weekly(result).splitlines()
    assert "  строка 4, столбец «≥3 сообщений»: не число «abc» — строка пропущена" in lines
    # Row 5: the count of registered teachers derived from 90 % of 10 = 9; 4 of 9 is 44,4 %, not
    # the 50 % written: a warning, the row is kept.
    warning = (
        "  строка 5, столбец «%»: указано 50,0 %, а по числам выходит 44,4 % — расхождение "
        "больше 1 пункта, проверьте строку"
    )
    assert warning in lines
    assert result.weeks == ["2026-11-09", "2026-11-23"]
    row = await district.db.fetchone(
        "SELECT teachers_registered, writers3 FROM unit_week_stats WHERE week = '2026-11-23'"
    )
    assert row is not None and (row["teachers_registered"], row["writers3"]) == (9, 4)
    # First row: 80 % of 10 is 8, 2 of 8 is 25 %: nothing to say about it.
    assert not any(p.row == 3 for p in result.problems)


async def test_xlsx_with_percent_cells_and_units_from_the_title(district: District) -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["Второй район"])
    ws.append(["Период", "Всего педагогов", "Педагогов в Сферуме", "%", "≥1 звонка", "%"])
    ws.append([date(2026, 11, 16), 20, 10, 0.5, 3, 0.3])
    for cell in (ws["D3"], ws["F3"]):
        cell.number_format = "0.0%"
    out = io.BytesIO()
    book.save(out)
    result = await WeeklyImporter(district.db, district.clock).import_bytes(
        out.getvalue(), "m2.xlsx"
    )
    assert result.org_id == district.org("M2") and result.problems == [] and result.rows == 1
    report = await Reports.over(district.db, district.clock).unit_report(district.org("M2"), W)
    assert report.current.teachers == 20 and report.current.callers == 3


async def test_unknown_unit_and_no_header_are_refused_in_russian(district: District) -> None:
    importer = WeeklyImporter(district.db, district.clock)
    with pytest.raises(ImportFailed) as failed:
        await importer.import_bytes(sheet("Неизвестная школа", "16.11.2026;1;1;;1;1;"), "x.csv")
    text = describe_weekly_failure(failed.value)
    assert text.startswith("Импорт не выполнен: не понял, чья это статистика")
    assert "--org ID" in text
    with pytest.raises(ImportFailed) as failed:
        await importer.import_bytes(b"a;b\n1;2\n", "x.csv", org_id=district.org("R"))
    assert "не нашёл строку заголовков с неделей" in describe_weekly_failure(failed.value)
    with pytest.raises(ImportFailed) as failed:
        await importer.import_bytes(sheet("", "16.11.2026;1;1;;1;1;"), "x.csv", org_id=99_999)
    assert (
        describe_weekly_failure(failed.value) == "Импорт не выполнен: организации 99999 нет в базе."
    )
