"""A broken CSV of a journal export is explained in Russian, naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from miniapp.journal.csvfile import CsvError, CsvFile


def _error(path: Path) -> str:
    with pytest.raises(CsvError) as refused:
        list(CsvFile(path, ("sourcedId",)).rows())
    return str(refused.value)


def test_an_unclosed_quote_and_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text('sourcedId,givenName\nu1,"Анна\n', encoding="utf-8")
    assert (
        _error(path) == "users.csv, строка 2: ошибка формата CSV: кавычка не закрыта до конца файла"
    )
    path.write_text('sourcedId,givenName\nu1,"Анна"Б\n', encoding="utf-8")
    assert "после закрывающей кавычки должна идти запятая" in _error(path)
    assert _error(tmp_path / "orgs.csv") == "orgs.csv: не удалось открыть файл: файл не найден"
