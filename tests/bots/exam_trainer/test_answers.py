"""Answer checking as the exam answer forms say: trim, no spaces, decimal comma or point, ё = е,
any case; numbers compared as numbers; choice order-free, sequence and matching in order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bots.exam_trainer.answers import TaskType, as_decimal, check


@pytest.mark.parametrize(
    ("expected", "given"),
    [
        ("0,725", "0,725"),
        ("0,725", "0.725"),
        ("0,725", " 0 , 725 "),
        ("0,5", ".5"),
        ("0,5", "0,50"),
        ("850", "850"),
        ("850", "850,0"),
        ("850", " 850. "),
        ("-1,5", "−1,5"),  # a typographic minus
        ("-1,5", "-1.5"),
        ("44352", "44 352"),  # a space between thousands is dropped
    ],
)
def test_short_numbers_are_compared_as_decimals(expected: str, given: str) -> None:
    assert check(TaskType.SHORT, expected, given).correct


@pytest.mark.parametrize(
    ("expected", "given"),
    [("0,725", "0,72"), ("850", "8500"), ("-1,5", "1,5"), ("0,5", "1/2"), ("850", "850 рублей")],
)
def test_short_numbers_wrong(expected: str, given: str) -> None:
    assert not check(TaskType.SHORT, expected, given).correct


@pytest.mark.parametrize(
    ("expected", "given"),
    [
        ("расчёт", "расчет"),
        ("расчет", "РАСЧЁТ"),
        ("прийти", "  Прийти  "),
        ("прийти", "при йти"),
        ("что-то", "Что-то."),
        ("вовремяпоэтому", "Вовремя, поэтому"),
    ],
)
def test_short_words_normalised(expected: str, given: str) -> None:
    assert check(TaskType.SHORT, expected, given).correct


def test_short_word_wrong_and_read_back() -> None:
    verdict = check(TaskType.SHORT, "прийти", " ПРИДТИ ")
    assert not verdict.correct
    assert verdict.read_as == "придти"


@pytest.mark.parametrize("given", ["135", "531", "1 3 5", "5, 3, 1", "3;1;5"])
def test_choice_is_order_free(given: str) -> None:
    assert check(TaskType.CHOICE, "135", given).correct


@pytest.mark.parametrize("given", ["13", "1355", "1135", "1345", "", "abc"])
def test_choice_needs_exactly_the_right_digits(given: str) -> None:
    assert not check(TaskType.CHOICE, "135", given).correct


@pytest.mark.parametrize("kind", [TaskType.SEQUENCE, TaskType.MATCHING])
def test_order_matters_for_sequence_and_matching(kind: TaskType) -> None:
    assert check(kind, "312", "312").correct
    assert check(kind, "312", "3 1 2").correct
    assert not check(kind, "312", "213").correct
    assert not check(kind, "312", "").correct


def test_matching_accepts_letters_with_digits() -> None:
    verdict = check(TaskType.MATCHING, "312", "А3 Б1 В2")
    assert verdict.correct and verdict.read_as == "312"
    assert check(TaskType.MATCHING, "312", "А-3, Б-1, В-2").correct


def test_overlong_answer_is_wrong_not_an_error() -> None:
    assert not check(TaskType.SHORT, "850", "8" * 10_000).correct


@pytest.mark.parametrize(
    ("text", "value"),
    [("0,5", "0.5"), ("-3", "-3"), ("+2.25", "2.25"), ("7.", "7"), ("abc", None), ("1e5", None)],
)
def test_as_decimal(text: str, value: str | None) -> None:
    assert as_decimal(text) == (None if value is None else Decimal(value))
