"""``sferum monitoring export`` (both sheets, both formats) and ``import`` telling the weekly
sheet of one unit from the organisation-per-row export by its headings."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart

from sferum.cli import main

SAMPLES = Path(__file__).parents[3] / "core" / "activity" / "samples"


def test_import_detects_the_layout_and_export_writes_both_sheets(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["monitoring", "import", str(SAMPLES / "unit_weeks_demo.csv")]) == 0
    out = capsys.readouterr().out
    assert "Импорт недельной статистики «unit_weeks_demo.csv» для «Новосибирская область»" in out
    assert "загружено недель 4" in out
    # The organisation-per-row file still goes to the other importer.
    assert main(["monitoring", "import", str(SAMPLES / "platform_stats_demo.csv")]) == 0
    assert "загружено строк 18" in capsys.readouterr().out

    # The region's figures for the week are the imported sheet's.
    assert main(["monitoring", "table", "--weeks", "1", "--week", "2026-11-16"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Педагогов всего"))
    assert line.split()[-1] == "200" and "1" in line.split()  # «1 200», a thin space between

    general = demo_db / "general.xlsx"
    args = ["--weeks", "4", "--week", "2026-11-16"]
    assert main(["monitoring", "export", str(general), "--sheet", "общая", *args]) == 0
    assert "строк в таблице — 4" in capsys.readouterr().out
    sheet = load_workbook(general)["Общая"]
    assert sheet.cell(row=7, column=1).value == "16–22 ноября"
    assert isinstance(sheet._charts[0], LineChart)

    teachers = demo_db / "teachers.csv"
    command = ["monitoring", "export", str(teachers), "--sheet", "учителя", "--format", "csv"]
    assert main([*command, *args]) == 0
    rows = list(csv.reader(teachers.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0][:2] == ["ФИО", "Школа"] and len(rows[0]) == 2 + 3 * 4 + 1
    assert any(r[0] == "Смирнова Ирина" for r in rows[1:])

    book = demo_db / "teachers.xlsx"
    assert main(["monitoring", "export", str(book), "--sheet", "учителя", *args]) == 0
    assert isinstance(load_workbook(book)["По учителям"]._charts[0], BarChart)


def test_bad_weekly_input_exits_2(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    bad = demo_db / "bad.csv"
    bad.write_text("Кто-то неизвестный\nНеделя;Всего педагогов;≥3 сообщений\n16.11.2026;5;1\n",
                   encoding="utf-8")  # fmt: skip
    assert main(["monitoring", "import", str(bad)]) == 2
    assert "не понял, чья это статистика" in capsys.readouterr().err
    bad.write_text("Неделя;Всего педагогов;≥3 сообщений\n16.11.2026;5;abc\n", encoding="utf-8")
    assert main(["monitoring", "import", str(bad), "--org", "1"]) == 0
    assert "строка 2, столбец «≥3 сообщений»: не число «abc»" in capsys.readouterr().out
    assert main(["monitoring", "export", str(demo_db / "x.csv"), "--week", "когда-то"]) == 2
    assert "неделя «когда-то»" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:  # argparse refuses a sheet it does not offer
        main(["monitoring", "export", str(demo_db / "x.csv"), "--sheet", "все"])
    assert refused.value.code == 2
