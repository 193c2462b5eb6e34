"""`sferum kb import` and `sferum kb search` against a database file, as an admin runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sferum.cli import main


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SFERUM_DB_PATH", str(path))
    monkeypatch.delenv("SFERUM_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no sferum.toml from the work tree
    return path


def test_search_prints_top3_id_then_title(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "search", "как подать апелляцию на ЕГЭ?"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    ids = [line.split("\t")[0] for line in lines]
    assert "gia-appeal-score" in ids
    assert lines[ids.index("gia-appeal-score")].split("\t")[1].startswith("Апелляция о несогласии")


def test_import_yaml_and_csv_then_search(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yaml_file = tmp_path / "update.yaml"
    yaml_file.write_text(
        "- id: docs-order-582\n  retired: true\n"
        "- id: mentor-pay\n  title: Доплата наставнику молодого учителя\n"
        "  answer: Размер доплаты устанавливает школа.\n  source: Локальный акт школы\n"
        "  source_date: 2025-09-01\n  category: rights\n",
        encoding="utf-8",
    )
    assert main(["kb", "import", str(yaml_file)]) == 0
    assert "Добавлено: 1, изменено: 0, снято: 1" in capsys.readouterr().out
    assert main(["kb", "search", "доплата наставнику"]) == 0
    assert capsys.readouterr().out.startswith("mentor-pay\tДоплата наставнику")
    csv_file = tmp_path / "edit.csv"
    csv_file.write_text("id,title\nmentor-pay,Доплата за наставничество\n", encoding="utf-8")
    assert main(["kb", "import", str(csv_file)]) == 0
    assert "изменено: 1" in capsys.readouterr().out
    assert main(["kb", "search", "наставничество доплата"]) == 0
    assert "mentor-pay\tДоплата за наставничество" in capsys.readouterr().out


def test_bad_file_is_refused_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: docs-teacher-list\n  retired: maybe\n", encoding="utf-8")
    assert main(["kb", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Импорт отменён" in err and "retired" in err
    assert main(["kb", "import", str(tmp_path / "missing.yaml")]) == 1
    assert main(["kb", "import", str(tmp_path / "file.txt")]) == 1
