"""A knowledge-base file that cannot be imported is explained in Russian: where and what."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bots.rosobrnadzor_helper.kb_import import KbFileError, parse_file

ENGLISH = re.compile(r"\b(mapping|found|expected|while|scanning|No such|str|list)\b")


def _problems(path: Path) -> list[str]:
    with pytest.raises(KbFileError) as refused:
        parse_file(path)
    for problem in refused.value.problems:
        assert not ENGLISH.search(problem), problem
    return refused.value.problems


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text("- id: one\n  title: Заголовок\n  answer: [не закрыто\n", encoding="utf-8")
    [problem] = _problems(path)
    assert problem.startswith("файл не читается как YAML (ошибка в строке 4)")


def test_a_row_that_is_not_a_record_and_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text("- просто строка\n", encoding="utf-8")
    assert _problems(path) == ["запись 1: ожидалась запись с полями, получено: строка"]
    assert _problems(tmp_path / "нет.yaml") == [
        f"не удалось прочитать {tmp_path / 'нет.yaml'}: файл не найден"
    ]
