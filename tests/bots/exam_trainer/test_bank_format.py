"""Bank validation: every problem names the file, the task id and the field; the shipped banks and
the same data as JSON pass; answers must agree with their verify fields."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bots.exam_trainer.answers import check
from bots.exam_trainer.bank_format import BankError, load_bank, validate
from bots.exam_trainer.importer import shipped_bank_files
from bots.exam_trainer.safe_math import ExpressionError, evaluate

from .conftest import small_bank_data


def problems(data: Any, file: str = "bank.yaml") -> list[str]:
    with pytest.raises(BankError) as caught:
        validate(data, file)
    return [str(p) for p in caught.value.problems]


def with_task(index: int, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(small_bank_data())
    task = data["tasks"][index]
    for key, value in changes.items():
        if value is None:
            task.pop(key, None)
        else:
            task[key] = value
    return data


def test_small_bank_is_valid() -> None:
    bank = validate(small_bank_data(), "small.yaml")
    assert len(bank.tasks) == 8
    assert {t.type.value for t in bank.tasks} == {"short", "choice", "sequence", "matching"}


def test_shipped_banks_pass_the_importers_validation() -> None:
    files = shipped_bank_files()
    assert files, "no shipped banks"
    for path in files:
        bank = load_bank(path)
        assert bank.tasks and bank.exam in ("ОГЭ", "ЕГЭ")


def test_json_bank_loads_like_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(small_bank_data(), ensure_ascii=False), encoding="utf-8")
    assert load_bank(path) == validate(small_bank_data(), "bank.json")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"answer": "851"}, "задание oge-math-05-001: поле answer: ответ '851' не совпадает"),
        ({"answer": 850.5}, "задание oge-math-05-001: поле answer: дробный ответ пишите строкой"),
        ({"verify": "__import__('os')"}, "поле verify: в выражении verify можно только числа"),
        ({"number": 0}, "задание oge-math-05-001: поле number: нужен номер задания от 1 до 40"),
        ({"number": 6}, "задание oge-math-05-001: поле id: номер 05 в id не совпадает"),
        ({"id": "math-1"}, "задание math-1: поле id: id пишется как"),
        ({"type": "essay"}, "задание oge-math-05-001: поле type: тип должен быть одним из"),
        ({"points": 0}, "задание oge-math-05-001: поле points: нужно целое число от 1 до 10"),
        ({"explanation": None}, "задание oge-math-05-001: поле explanation: поле обязательно"),
        ({"verfy": "1"}, "задание oge-math-05-001: поле verfy: такого поля нет"),
        ({"verify": None}, "задание oge-math-05-001: поле verify: у задания по математике"),
        ({"options": ["1", "2"]}, "поле options: у задания с кратким ответом не бывает вариантов"),
        ({"answer": "0.725", "verify": "0.725"}, "поле answer: дробную часть отделяйте запятой"),
        ({"text": "Очень длинно. " * 300}, "поле text: текст вместе с вариантами длиннее 3600"),
    ],
)
def test_short_task_problems(changes: dict[str, Any], expected: str) -> None:
    found = problems(with_task(0, **changes))
    assert any(expected in p for p in found), found
    assert all(p.startswith("bank.yaml: ") for p in found)


def test_choice_problems() -> None:
    found = problems(with_task(5, answer="14"))
    assert any(
        "поле answer: ответ '14' не совпадает с verify_choice, где отмечены '13'" in p
        for p in found
    )
    found = problems(with_task(5, answer="15"))
    assert any("есть номер варианта больше 4" in p for p in found)
    found = problems(with_task(5, verify_choice=[True, False]))
    assert any("поле verify_choice: значений 2, а вариантов 4" in p for p in found)


def test_sequence_must_be_a_permutation() -> None:
    found = problems(with_task(6, answer="221"))
    assert any("задание oge-math-07-002: поле answer: последовательность" in p for p in found)


def test_matching_problems() -> None:
    found = problems(with_task(7, answer="123"))
    assert any("'123' не совпадает с verify_matching, где получается '213'" in p for p in found)
    found = problems(with_task(7, text="Сопоставьте. А) y = x Б) y = −x"))
    assert any("поле text: в тексте нет пункта В)" in p for p in found)


def test_repeated_id_and_all_problems_at_once() -> None:
    data = small_bank_data()
    data["tasks"].append(copy.deepcopy(data["tasks"][0]))
    data["tasks"][1]["answer"] = "11"
    found = problems(data)
    assert any("задание oge-math-05-001: поле id: такой id уже был" in p for p in found)
    assert any("задание oge-math-05-002: поле answer" in p for p in found)


def test_header_problems() -> None:
    found = problems({"exam": "ВПР", "subject": "Math", "tasks": [], "extra": 1})
    assert "bank.yaml: поле subject_title: поле обязательно, а его нет" in found
    assert any("поле exam: экзамен должен быть ОГЭ или ЕГЭ, а указано 'ВПР'" in p for p in found)
    assert any("поле subject: предмет пишется латиницей" in p for p in found)
    assert any("поле tasks: нужен непустой список заданий" in p for p in found)
    assert any("поле extra: такого поля нет" in p for p in found)
    assert problems([1, 2]) == [
        "bank.yaml: файл должен быть набором полей exam, subject, subject_title, tasks"
    ]


def test_file_errors_name_the_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("exam: ОГЭ\ntasks: [\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"broken\.yaml: ошибка YAML в строке 3"):
        load_bank(broken)
    with pytest.raises(BankError, match=r"missing\.yaml: файл не удалось прочитать"):
        load_bank(tmp_path / "missing.yaml")
    text = tmp_path / "bank.txt"
    text.write_text(yaml.safe_dump(small_bank_data()), encoding="utf-8")
    with pytest.raises(BankError, match=r"нужен файл \.yaml, \.yml или \.json"):
        load_bank(text)


@pytest.mark.parametrize(
    ("expression", "value"),
    [("40 * 0.85 * 25", 850.0), ("math.sqrt(16) + 2**3", 12.0), ("math.comb(5, 2)", 10.0)],
)
def test_safe_math_evaluates_arithmetic(expression: str, value: float) -> None:
    assert evaluate(expression) == pytest.approx(value)


@pytest.mark.parametrize(
    "expression", ["open('x')", "x + 1", "math.floor(1.5)", "'a'", "1 / 0", "9 ** 999", "[1][0]"]
)
def test_safe_math_refuses_anything_else(expression: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression)


def test_every_shipped_answer_is_accepted_by_the_checker_as_a_student_would_type_it() -> None:
    checked = 0
    for path in shipped_bank_files():
        for task in load_bank(path).tasks:
            answer = task.answer
            typed = {answer, f" {answer.upper()} "}
            if task.type.value == "choice":
                typed.add(" ".join(reversed(answer)))
            if task.type.value == "matching":
                typed.add(
                    " ".join(
                        f"{letter}{digit}"
                        for letter, digit in zip("АБВГДЕЖЗИ"[: len(answer)], answer, strict=True)
                    )
                )
            if task.type.value == "short" and "," in answer:
                typed.add(answer.replace(",", "."))
            for given in typed:
                assert check(task.type, answer, given).correct, (task.id, given)
            assert not check(task.type, answer, answer + "9").correct, task.id
            checked += 1
    assert checked >= 160
