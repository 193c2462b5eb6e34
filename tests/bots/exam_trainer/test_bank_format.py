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
        ({"answer": "851"}, "task oge-math-05-001: field answer: '851' differs from verify"),
        ({"answer": 850.5}, "task oge-math-05-001: field answer: write decimals as a quoted"),
        ({"verify": "__import__('os')"}, "task oge-math-05-001: field verify: Call is not allowed"),
        ({"number": 0}, "task oge-math-05-001: field number: must be a task number"),
        ({"number": 6}, "task oge-math-05-001: field id: task number 05 in the id differs"),
        ({"id": "math-1"}, "task math-1: field id: must look like"),
        ({"type": "essay"}, "task oge-math-05-001: field type: must be one of"),
        ({"points": 0}, "task oge-math-05-001: field points: must be a whole number"),
        ({"explanation": None}, "task oge-math-05-001: field explanation: missing"),
        ({"verfy": "1"}, "task oge-math-05-001: field verfy: unknown field"),
        ({"verify": None}, "task oge-math-05-001: field verify: a mathematics task"),
        ({"options": ["1", "2"]}, "task oge-math-05-001: field options: a short-answer task"),
        ({"answer": "0.725", "verify": "0.725"}, "field answer: write decimals with a comma"),
        ({"text": "Очень длинно. " * 300}, "field text: with its options longer than 3600"),
    ],
)
def test_short_task_problems(changes: dict[str, Any], expected: str) -> None:
    found = problems(with_task(0, **changes))
    assert any(expected in p for p in found), found
    assert all(p.startswith("bank.yaml: ") for p in found)


def test_choice_problems() -> None:
    found = problems(with_task(5, answer="14"))
    assert any(
        "field answer: '14' differs from verify_choice, which marks '13'" in p for p in found
    )
    found = problems(with_task(5, answer="15"))
    assert any("names an option beyond the 4 given" in p for p in found)
    found = problems(with_task(5, verify_choice=[True, False]))
    assert any("verify_choice: has 2 entries for 4 options" in p for p in found)


def test_sequence_must_be_a_permutation() -> None:
    found = problems(with_task(6, answer="221"))
    assert any("task oge-math-07-002: field answer: a sequence must use" in p for p in found)


def test_matching_problems() -> None:
    found = problems(with_task(7, answer="123"))
    assert any("'123' differs from verify_matching, which gives '213'" in p for p in found)
    found = problems(with_task(7, text="Сопоставьте. А) y = x Б) y = −x"))
    assert any("field text: has no item В)" in p for p in found)


def test_repeated_id_and_all_problems_at_once() -> None:
    data = small_bank_data()
    data["tasks"].append(copy.deepcopy(data["tasks"][0]))
    data["tasks"][1]["answer"] = "11"
    found = problems(data)
    assert any("task oge-math-05-001: field id: repeats" in p for p in found)
    assert any("task oge-math-05-002: field answer" in p for p in found)


def test_header_problems() -> None:
    found = problems({"exam": "ВПР", "subject": "Math", "tasks": [], "extra": 1})
    assert "bank.yaml: field subject_title: missing" in found
    assert any("field exam: must be ОГЭ or ЕГЭ" in p for p in found)
    assert any("field subject: must be a latin slug" in p for p in found)
    assert any("field tasks: must be a non-empty list" in p for p in found)
    assert any("field extra: unknown field" in p for p in found)
    assert problems([1, 2]) == [
        "bank.yaml: the file must be a mapping with exam, subject, subject_title, tasks"
    ]


def test_file_errors_name_the_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("exam: ОГЭ\ntasks: [\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"broken\.yaml: YAML error at line 3"):
        load_bank(broken)
    with pytest.raises(BankError, match=r"missing\.yaml: cannot read"):
        load_bank(tmp_path / "missing.yaml")
    text = tmp_path / "bank.txt"
    text.write_text(yaml.safe_dump(small_bank_data()), encoding="utf-8")
    with pytest.raises(BankError, match=r"expected a \.yaml, \.yml or \.json file"):
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
