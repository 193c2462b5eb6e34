"""Checking a student's answer the way the exam answer forms are checked.

The forms' rules: no spaces, a decimal comma (we also take a point), ё written as е, letters in any
case; a number is a number (0,50 = 0,5 = .5). The answer types of the real exam:

- ``short``: a number or a word;
- ``choice``: the digits of the right options, in any order (``135`` = ``531``);
- ``sequence`` and ``matching``: digits whose order matters (``А3 Б1 В2`` is read as ``312``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

MAX_ANSWER = 200  # longer than any exam answer: not an answer

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
# Minus signs and dashes a phone keyboard or a word processor may put before a number.
_MINUSES = str.maketrans({"−": "-", "–": "-", "—": "-", "‐": "-"})


class TaskType(StrEnum):
    SHORT = "short"
    CHOICE = "choice"
    SEQUENCE = "sequence"
    MATCHING = "matching"


@dataclass(frozen=True, slots=True)
class Verdict:
    correct: bool
    # The given answer as it was read (digits only for digit answers), shown back to the student.
    read_as: str


def normalise_text(text: str) -> str:
    """Trim, drop every space, ё → е, case-folded; a trailing full stop is not part of an answer."""
    folded = re.sub(r"\s+", "", text).translate(_MINUSES).casefold().replace("ё", "е")
    return folded.rstrip(".")


def as_decimal(text: str) -> Decimal | None:
    """The number an answer writes (decimal comma or point), or None when it is not a number."""
    compact = re.sub(r"\s+", "", text).translate(_MINUSES).rstrip(".")
    if not _NUMBER.match(compact):
        return None
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None


def digits_of(text: str) -> str:
    """The digits of an answer in the order written: separators and item letters are dropped."""
    return "".join(ch for ch in text if ch.isdigit())


def check(task_type: TaskType | str, expected: str, given: str) -> Verdict:
    kind = TaskType(task_type)
    if len(given) > MAX_ANSWER:
        return Verdict(False, given[:MAX_ANSWER])
    if kind == TaskType.SHORT:
        wanted_number = as_decimal(expected)
        if wanted_number is not None:
            number = as_decimal(given)
            return Verdict(number is not None and number == wanted_number, normalise_text(given))
        # Words go into the form without spaces or commas ("вовремя, поэтому" → "вовремяпоэтому").
        read = re.sub(r"[,;]", "", normalise_text(given))
        return Verdict(read == re.sub(r"[,;]", "", normalise_text(expected)), read)
    read = digits_of(given)
    if kind == TaskType.CHOICE:
        # Order-free, but each option once: "113" is not "13".
        return Verdict(bool(read) and sorted(read) == sorted(digits_of(expected)), read)
    return Verdict(bool(read) and read == digits_of(expected), read)


def is_blank(given: str) -> bool:
    return not given.strip()
