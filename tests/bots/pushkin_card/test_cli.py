"""``sferum events import``: a file, a broken file, the API without settings."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from sferum.cli import main

from .conftest import DEMO, MALFORMED


def test_import_a_file_then_a_malformed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "cli.db"
    monkeypatch.setenv("SFERUM_DB_PATH", str(database))
    monkeypatch.setenv("SFERUM_CONFIG", str(tmp_path / "none.toml"))
    assert main(["events", "import", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert "загружено 189" in out
    assert "пропущено — не входит в программу «Пушкинская карта»: 7" in out
    assert main(["events", "import", str(MALFORMED)]) == 0
    out = capsys.readouterr().out
    assert "загружено 1," in out and "пропущено 12" in out
    assert "неверная ссылка на покупку билета: 1; например, запись #" in out
    assert not re.search(r"\b(bad_|missing_|not_|is not)", out)
    count = sqlite3.connect(database).execute("SELECT count(*) FROM pushkin_card_events")
    assert count.fetchone()[0] == 190


def test_unusable_sources_exit_with_a_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SFERUM_DB_PATH", str(tmp_path / "cli.db"))
    monkeypatch.setenv("SFERUM_CONFIG", str(tmp_path / "none.toml"))
    for name in ("SFERUM_PUSHKIN_CARD_API_URL", "SFERUM_PUSHKIN_CARD_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["events", "import", str(tmp_path / "missing.json")]) == 2
    assert "файл не найден" in capsys.readouterr().err
    assert main(["events", "import", "--api"]) == 2
    assert "SFERUM_PUSHKIN_CARD_API_KEY" in capsys.readouterr().err
    monkeypatch.setenv("SFERUM_PUSHKIN_CARD_API_URL", "ftp://example")
    assert main(["events", "import", "--api"]) == 2
    says = (
        "SFERUM_PUSHKIN_CARD_API_URL: ожидается адрес, который начинается с http:// или https://"
    )
    assert says in capsys.readouterr().err
