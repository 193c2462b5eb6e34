"""``sferum monitoring``: import, table, report, xlsx, thresholds, rebuild; bad input exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from sferum.cli import main

SAMPLE = Path(__file__).parents[3] / "core" / "activity" / "samples" / "platform_stats_demo.csv"


def test_monitoring_commands(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["monitoring", "import", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "загружено строк 18" in out and "Созданы организации (1): МБОУ СОШ № 7" in out

    assert main(["monitoring", "table", "--weeks", "2", "--week", "2026-11-16"]) == 0
    out = capsys.readouterr().out
    assert "Новосибирская область" in out and "16–22 ноября" in out
    line = next(x for x in out.splitlines() if x.startswith("Педагогов в Сферуме "))
    assert line.split()[-4:] == ["5", "▲", "1", "5"]  # 4 → 5 → 5 teachers in the platform

    assert main(["monitoring", "report", "--org", "4", "--week", "2026-11-16"]) == 0
    assert "🟢 Педагоги, создавшие чат: 66,7 % (2 из 3)" in capsys.readouterr().out

    out_file = demo_db / "m.xlsx"
    assert main(["monitoring", "xlsx", str(out_file), "--weeks", "3", "--week", "2026-11-16"]) == 0
    book = load_workbook(out_file)
    assert book["По неделям"].cell(row=6, column=1).value == "16–22 ноября"

    set_args = ["--region", "54", "--metric", "connected", "--low", "50", "--good", "60"]
    assert main(["monitoring", "thresholds", "set", *set_args]) == 0
    out = capsys.readouterr().out
    assert "% подключённых ОО (--metric connected): ниже нормы до 50 %, норма от 60 %" in out
    bad = ["--region", "54", "--metric", "connected", "--low", "70", "--good", "60"]
    assert main(["monitoring", "thresholds", "set", *bad]) == 2
    assert "--low (70) должен быть меньше --good (60)" in capsys.readouterr().err
    assert main(["monitoring", "rebuild"]) == 0
    assert "Пересчитано событий: 0" in capsys.readouterr().out


def test_unusable_input_exits_2(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = demo_db / "broken.csv"
    broken.write_text("Организация;Педагогов всего\nШкола;3\n", encoding="utf-8")
    assert main(["monitoring", "import", str(broken)]) == 2
    assert "нет столбца с неделей" in capsys.readouterr().err
    assert main(["monitoring", "import", str(demo_db / "missing.csv")]) == 2
    assert "файл не найден" in capsys.readouterr().err
    assert main(["monitoring", "import", str(broken), "--week", "16.11"]) == 2
    assert main(["monitoring", "table", "--org", "999"]) == 2
    assert "организации 999 нет в базе" in capsys.readouterr().err
