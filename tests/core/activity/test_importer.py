"""The platform statistics importer: CSV and XLSX as downloaded from the admin cabinet."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from core.activity.counts import Counts
from core.activity.importer import (
    ImportFailed,
    PlatformImporter,
    classify,
    describe,
    describe_failure,
)
from core.activity.report import Reports
from core.activity.weeks import Week
from core.storage import Database

from .conftest import District

W = Week(date(2026, 11, 16), "Asia/Novosibirsk")
SAMPLE = Path(__file__).parents[3] / "core" / "activity" / "samples" / "platform_stats_demo.csv"

HEADINGS = (
    "Регион;Муниципальное образование;Организация;ID организации;Период;Статус подключения;"
    "Педагогов всего;Педагогов в Сферуме;% педагогов в Сферуме;Активных педагогов;"
    "Педагогов, написавших 3 сообщения;Обучающихся всего;Обучающихся в Сферуме;"
    "Активные обучающиеся"
)
PERIOD = "16.11.2026 - 22.11.2026"
CSV = "\n".join(
    [
        "Статистика по организациям за неделю;;;;;;;;;",
        HEADINGS,
        f"Тестовая область;;;;{PERIOD};;;;;;;;;",
        f"Тестовая область;Второй район;;;{PERIOD};;;;;;;;;",
        f"Тестовая область;Второй район;«Школа  в»;;{PERIOD};да;12;10;83,3;6;4;200;150;90",
        f"Тестовая область;Второй район;Школа № 9;9001;{PERIOD};нет;20;0;0;0;0;300;0;0",
        f"Тестовая область;Второй район;Школа Г;;{PERIOD};да;много;1;;1;1;;;",
        "Итого;;;;;;;;;",
    ]
)


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Педагогов в Сферуме", "teachers_registered"),
        ("Количество педагогов", "teachers"),
        ("Активные обучающиеся", "students_active"),
        ("Школьников зарегистрировано", "students_registered"),
        ("Доля активных педагогов, %", None),
        ("Педагогов, создавших хотя бы один чат", "chat_creators"),
        ("Педагоги, написавшие ≥10 сообщений", "writers10"),
        ("Педагоги, совершившие звонок", "callers"),
        ("Наименование ОО", "organisation"),
        ("Муниципальный район / городской округ", "municipality"),
        ("Дата подключения", None),
        ("Подключена", "connected"),
        ("Неделя", "week"),
    ],
)
def test_classify_headings(heading: str, field: str | None) -> None:
    assert classify(heading) == field


async def test_csv_import_overrides_column_by_column(district: District) -> None:
    d = district
    result = await PlatformImporter(d.db, d.clock).import_bytes(CSV.encode("cp1251"), "stats.csv")
    # Two subtotal rows and «Итого» skipped; Школа Г's «много» is a problem, the row skipped.
    assert (result.rows, result.subtotals, result.weeks) == (2, 3, {"2026-11-16"})
    assert result.created == ["Школа № 9"]
    assert result.ignored_columns == ["% педагогов в Сферуме"]
    assert [(p.code, p.row, p.column, p.value) for p in result.problems] == [
        ("not_a_count", 7, "teachers", "много")
    ]
    text = describe(result)
    assert "строка 7: в столбце «Педагогов всего» должно быть целое" in text
    assert "Созданы организации (1): Школа № 9" in text

    reports = Reports.over(d.db, d.clock)
    tree = await reports.monitoring.tree(d.org("M2"))
    rows = await reports.monitoring.school_weeks(tree, d.org("M2"), W)
    school_c = rows[d.org("C")]
    # «Школа  в» matched «Школа В» (case, quotes, spaces). Imported columns win; columns the file
    # lacks (chat creators, writers10, callers) keep the computed zeros.
    assert school_c.source == "activity+import"
    assert school_c.counts() == Counts(
        schools=1, schools_connected=1, teachers=12, teachers_registered=10, teachers_active=6,
        writers3=4, students=200, students_registered=150, students_active=90,
    )  # fmt: skip
    new = await d.db.fetchone(
        "SELECT id, parent_id, external_id FROM organisations WHERE name = 'Школа № 9'"
    )
    assert new is not None and new["parent_id"] == d.org("M2")
    assert new["external_id"] == "platform:9001"
    assert rows[new["id"]].source == "import" and not rows[new["id"]].connected
    # M2 now: C (imported) + D (computed, untouched: its row was skipped) + Школа № 9.
    m2 = await reports.unit_report(d.org("M2"), W)
    assert (m2.current.schools, m2.current.schools_connected) == (3, 1)
    assert (m2.current.teachers, m2.current.teachers_registered) == (12 + 1 + 20, 10 + 1)

    # The same file again: the same state, nothing created twice.
    again = await PlatformImporter(d.db, d.clock).import_bytes(CSV.encode("cp1251"), "stats.csv")
    assert again.created == [] and again.rows == 2
    count = await d.db.fetchval("SELECT count(*) FROM organisations WHERE name = 'Школа № 9'")
    assert count == 1


async def test_xlsx_import_with_dates_as_cells(district: District) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Выгрузка из кабинета администратора"])
    sheet.append([])
    sheet.append(["Субъект РФ", "МО", "ОО", "Начало недели", "Учителей всего",
                  "Учителей зарегистрировано", "Активных учителей"])  # fmt: skip
    sheet.append(["Тестовая область", "Первый район", "Школа Б", datetime(2026, 11, 18), 4, 3, 2])
    buffer = io.BytesIO()
    book.save(buffer)
    d = district
    result = await PlatformImporter(d.db, d.clock).import_bytes(buffer.getvalue(), "stats.xlsx")
    assert (result.rows, result.weeks, result.problems) == (1, {"2026-11-16"}, [])
    reports = Reports.over(d.db, d.clock)
    tree = await reports.monitoring.tree(d.org("B"))
    school_b = (await reports.monitoring.school_weeks(tree, d.org("B"), W))[d.org("B")]
    # Imported teachers; students and the rest computed (see test_metrics: school B).
    assert (school_b.teachers, school_b.teachers_registered, school_b.teachers_active) == (4, 3, 2)
    assert (school_b.students, school_b.students_active, school_b.chat_creators) == (2, 1, 1)


async def test_an_import_drops_the_snapshot_of_its_week(district: District) -> None:
    d = district
    reports = Reports.over(d.db, d.clock)
    before = await reports.unit_report(d.org("R"), W)
    assert before.current.teachers == 7
    await PlatformImporter(d.db, d.clock).import_bytes(CSV.encode(), "stats.csv")
    after = await reports.unit_report(d.org("R"), W)
    assert after.current.teachers == 7 - 1 + 12 + 20  # C: 1 → 12; Школа № 9: 20


async def test_unusable_files_are_refused_with_a_reason(db: Database, district: District) -> None:
    importer = PlatformImporter(db, district.clock)
    with pytest.raises(ImportFailed) as failure:
        await importer.import_bytes(b"a;b;c\n1;2;3\n", "x.csv")
    assert failure.value.code == "no_header"
    assert "не нашёл строку заголовков" in describe_failure(failure.value)
    with pytest.raises(ImportFailed) as failure:
        await importer.import_bytes("Организация;Педагогов всего\nШкола;3\n".encode(), "x.csv")
    assert failure.value.code == "no_week"
    with pytest.raises(ImportFailed) as failure:
        await importer.import_bytes(
            "Организация;Педагогов всего\nШкола;3\n".encode(), "x.csv", week=date(2026, 11, 16)
        )
    assert failure.value.code == "no_region"
    assert "--region-code" in describe_failure(failure.value)
    with pytest.raises(ImportFailed) as failure:
        await importer.import_bytes(b"PK\x03\x04broken", "x.xlsx")
    assert failure.value.code == "unreadable"
    with pytest.raises(ImportFailed):
        await importer.import_bytes(b"  ", "x.csv")


async def test_the_demo_sample_imports_into_the_demo_district(
    db: Database, district: District
) -> None:
    result = await PlatformImporter(db, district.clock).import_file(SAMPLE)
    assert result.rows == 18 and result.subtotals == 6 and len(result.weeks) == 6
    assert result.problems == []
