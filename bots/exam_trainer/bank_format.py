"""The task bank format (banks/FORMAT.md) and its validation.

A bank is one YAML or JSON file: ``exam`` (ОГЭ or ЕГЭ), ``subject`` (a latin slug such as
``math``), ``subject_title`` and ``tasks``. Validation collects every problem, each naming the
file, the task id and the field, so that an author fixes a file in one pass; a file with any
problem is not imported at all.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.file_errors import os_reason as _os_reason
from core.texts import Texts

from .answers import TaskType, as_decimal
from .safe_math import ExpressionError, evaluate
from .tasks import Task

EXAMS = {"ОГЭ": "oge", "ЕГЭ": "ege"}
SUBJECT = re.compile(r"^[a-z][a-z_]{1,30}$")
TASK_ID = re.compile(r"^(oge|ege)-([a-z][a-z_]{1,30})-(\d{2})-(\d{3})$")
REQUIRED = ("id", "number", "topic", "type", "text", "answer", "explanation", "points")
OPTIONAL = ("options", "verify", "verify_choice", "verify_matching")
TOP_LEVEL = ("exam", "subject", "subject_title", "tasks")
LETTERS = "АБВГДЕЖЗИ"
MAX_NUMBER = 40
MAX_OPTIONS = 9
MAX_TEXT = 3600  # a VK message holds 4096 characters; the task card adds a header and a hint
SHORT_WORD = re.compile(r"^[а-яё]+(-[а-яё]+)*$", re.IGNORECASE)
_TEXTS = Texts.for_package("bots.exam_trainer")


def say(code: str, **values: Any) -> str:
    """A problem in Russian (templates/bank_problem.j2): authors of banks read them."""
    return _TEXTS.render("bank_problem.j2", code=code, **values)


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    task_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.task_id is not None:
            where.append(f"задание {self.task_id}")
        if self.field is not None:
            where.append(f"поле {self.field}")
        return f"{': '.join(where)}: {self.message}"


class BankError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Bank:
    source: str
    exam: str
    subject: str
    subject_title: str
    tasks: tuple[Task, ...]


def read_file(path: Path) -> Any:
    """The parsed content of a .yaml/.yml/.json file; BankError names a syntax error's place."""
    name = path.name
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        reason = _os_reason(exc)
        raise BankError([Problem(name, None, None, say("unreadable", reason=reason))]) from None
    except UnicodeDecodeError:
        raise BankError([Problem(name, None, None, say("not_utf8"))]) from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            return json.loads(raw)
        if suffix in (".yaml", ".yml"):
            return yaml.safe_load(raw)
    except json.JSONDecodeError as exc:
        message = say("json_error", line=exc.lineno, column=exc.colno)
        raise BankError([Problem(name, None, None, message)]) from None
    except yaml.YAMLError as exc:
        # PyYAML's own words («mapping values are not allowed here») are English: the line
        # tells the author where to look.
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise BankError([Problem(name, None, None, say("yaml_error", line=line))]) from None
    raise BankError([Problem(name, None, None, say("wrong_suffix"))])


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


class _TaskChecker:
    """The checks of one task; ``problems`` collects what is wrong with it."""

    def __init__(
        self, file: str, exam: str, subject: str, subject_title: str, raw: Any, index: int
    ):
        self.file = file
        self.exam, self.subject, self.subject_title = exam, subject, subject_title
        self.raw = raw
        self.problems: list[Problem] = []
        ident = raw.get("id") if isinstance(raw, dict) else None
        self.task_id = ident if isinstance(ident, str) and ident.strip() else f"#{index + 1}"

    def bad(self, field: str | None, code: str, **values: Any) -> None:
        self.problems.append(Problem(self.file, self.task_id, field, say(code, **values)))

    def check(self) -> Task | None:
        raw = self.raw
        if not isinstance(raw, dict):
            self.bad(None, "not_mapping")
            return None
        for key in REQUIRED:
            if key not in raw:
                self.bad(key, "missing")
        if self.problems:
            return None
        # An unknown field (a typo of an optional one, usually) does not stop the other checks.
        for key in sorted(set(raw) - set(REQUIRED) - set(OPTIONAL), key=str):
            self.bad(str(key), "unknown_field", allowed=", ".join(REQUIRED + OPTIONAL))
        strings = {key: _text(raw[key]) for key in ("id", "topic", "type", "text", "explanation")}
        for key, value in strings.items():
            if value is None:
                self.bad(key, "empty_string")
        answer = self._answer(raw["answer"])
        number = self._number(raw["number"])
        points = raw["points"]
        if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= 10:
            self.bad("points", "points", got=repr(points))
        options = self._options(raw.get("options"))
        if None in (answer, number, options) or None in strings.values():
            return None
        assert answer is not None and number is not None and options is not None
        self._id(strings["id"] or "", number)
        text = str(raw["text"]).strip()
        if len(text) + sum(len(option) + 4 for option in options) > MAX_TEXT:
            self.bad("text", "text_long", limit=MAX_TEXT)
        if len(str(raw["explanation"])) > MAX_TEXT:
            self.bad("explanation", "explanation_long", limit=MAX_TEXT)
        try:
            kind = TaskType(strings["type"] or "")
        except ValueError:
            self.bad("type", "type", allowed=", ".join(t.value for t in TaskType))
            return None
        self._by_type(kind, answer, options)
        if self.problems:
            return None
        return Task(
            id=strings["id"] or "",
            exam=self.exam,
            subject=self.subject,
            subject_title=self.subject_title,
            number=number,
            topic=strings["topic"] or "",
            type=kind,
            text=text,
            options=options,
            answer=answer,
            explanation=str(raw["explanation"]).strip(),
            points=points,
        )

    def _answer(self, value: Any) -> str | None:
        if isinstance(value, bool):
            self.bad("answer", "answer_not_string")
            return None
        if isinstance(value, int):  # an unquoted whole number in YAML is unambiguous
            return str(value)
        if isinstance(value, float):
            example = str(value).replace(".", ",")
            self.bad("answer", "answer_float", example=example)
            return None
        text = _text(value)
        if text is None:
            self.bad("answer", "empty_string")
        return text

    def _number(self, value: Any) -> int | None:
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_NUMBER:
            self.bad("number", "number", max=MAX_NUMBER, got=repr(value))
            return None
        return value

    def _options(self, value: Any) -> tuple[str, ...] | None:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(_text(item) for item in value):
            self.bad("options", "options_list")
            return None
        if len(value) > MAX_OPTIONS:
            self.bad("options", "options_many", max=MAX_OPTIONS)
            return None
        return tuple(str(item).strip() for item in value)

    def _id(self, ident: str, number: int) -> None:
        match = TASK_ID.match(ident)
        if match is None:
            self.bad("id", "id_shape")
            return
        if match[1] != EXAMS[self.exam] or match[2] != self.subject:
            self.bad("id", "id_prefix", prefix=f"{EXAMS[self.exam]}-{self.subject}")
        if int(match[3]) != number:
            self.bad("id", "id_number", in_id=match[3], number=number)

    def _by_type(self, kind: TaskType, answer: str, options: tuple[str, ...]) -> None:
        raw = self.raw
        for key, only in (
            ("verify_choice", TaskType.CHOICE),
            ("verify_matching", TaskType.MATCHING),
        ):
            if key in raw and kind != only:
                self.bad(key, "only_for", kind=only.value)
        if kind == TaskType.SHORT:
            self._short(answer, options)
            return
        if "verify" in raw:
            self.bad("verify", "verify_only_short", kind=kind.value)
        if len(options) < 2:
            self.bad("options", "two_options", kind=kind.value)
            return
        if not re.fullmatch(r"[1-9]+", answer):
            self.bad("answer", "option_digits", kind=kind.value, answer=repr(answer))
            return
        if any(int(digit) > len(options) for digit in answer):
            self.bad("answer", "beyond_options", answer=repr(answer), count=len(options))
            return
        if kind == TaskType.CHOICE:
            self._choice(answer, options)
        elif kind == TaskType.SEQUENCE:
            if sorted(answer) != [str(i) for i in range(1, len(options) + 1)]:
                self.bad("answer", "sequence", count=len(options))
        else:
            self._matching(answer, options)

    def _short(self, answer: str, options: tuple[str, ...]) -> None:
        if options:
            self.bad("options", "short_has_options")
        number = as_decimal(answer)
        if number is None:
            if not SHORT_WORD.match(answer):
                self.bad("answer", "short_answer", answer=repr(answer))
            if "verify" in self.raw:
                self.bad("verify", "verify_numeric_only")
            return
        if "." in answer:
            self.bad("answer", "decimal_comma")
        verify = self.raw.get("verify")
        if verify is None:
            if self.subject == "math":
                self.bad("verify", "math_needs_verify")
            return
        if not isinstance(verify, str):
            self.bad("verify", "verify_string")
            return
        try:
            value = evaluate(verify)
        except ExpressionError as exc:
            self.bad("verify", "verify_error", reason=str(exc))
            return
        if not math.isclose(value, float(number), rel_tol=1e-12, abs_tol=1e-9):
            shown = f"{value:g}".replace(".", ",")
            self.bad(
                "answer", "verify_differs", answer=repr(answer), verify=repr(verify), value=shown
            )

    def _choice(self, answer: str, options: tuple[str, ...]) -> None:
        if len(set(answer)) != len(answer):
            self.bad("answer", "choice_once")
        flags = self.raw.get("verify_choice")
        if flags is None:
            return
        if not isinstance(flags, list) or not all(isinstance(f, bool) for f in flags):
            self.bad("verify_choice", "verify_choice_list")
            return
        if len(flags) != len(options):
            self.bad("verify_choice", "verify_choice_count", n=len(flags), count=len(options))
            return
        expected = "".join(str(i + 1) for i, flag in enumerate(flags) if flag)
        if sorted(answer) != sorted(expected):
            self.bad(
                "answer", "verify_choice_differs", answer=repr(answer), expected=repr(expected)
            )

    def _matching(self, answer: str, options: tuple[str, ...]) -> None:
        letters = LETTERS[: len(answer)]
        text = str(self.raw["text"])
        for letter in letters:
            if f"{letter})" not in text:
                self.bad("text", "no_item", letter=letter)
        pairs = self.raw.get("verify_matching")
        if pairs is None:
            return
        if not isinstance(pairs, dict) or list(pairs) != list(LETTERS[: len(pairs)]) or not pairs:
            self.bad("verify_matching", "verify_matching_letters", letters=", ".join(letters))
            return
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in pairs.values()):
            self.bad("verify_matching", "verify_matching_values")
            return
        expected = "".join(str(v) for v in pairs.values())
        if answer != expected:
            self.bad(
                "answer", "verify_matching_differs", answer=repr(answer), expected=repr(expected)
            )


def validate(data: Any, file: str) -> Bank:
    """A Bank from parsed data, or BankError listing every problem."""
    if not isinstance(data, dict):
        raise BankError([Problem(file, None, None, say("file_not_mapping"))])
    problems: list[Problem] = []
    for key in TOP_LEVEL:
        if key not in data:
            problems.append(Problem(file, None, key, say("missing")))
    for key in sorted(set(data) - set(TOP_LEVEL), key=str):
        allowed = ", ".join(TOP_LEVEL)
        problems.append(Problem(file, None, str(key), say("unknown_field", allowed=allowed)))
    exam, subject, title = data.get("exam"), data.get("subject"), _text(data.get("subject_title"))
    if "exam" in data and exam not in EXAMS:
        problems.append(Problem(file, None, "exam", say("exam", got=repr(exam))))
    if "subject" in data and not (isinstance(subject, str) and SUBJECT.match(subject)):
        problems.append(Problem(file, None, "subject", say("subject", got=repr(subject))))
    if "subject_title" in data and title is None:
        problems.append(Problem(file, None, "subject_title", say("empty_string")))
    tasks = data.get("tasks")
    if "tasks" in data and (not isinstance(tasks, list) or not tasks):
        problems.append(Problem(file, None, "tasks", say("tasks_empty")))
    if problems:
        raise BankError(problems)
    assert isinstance(exam, str) and isinstance(subject, str) and title and isinstance(tasks, list)
    parsed: list[Task] = []
    seen: set[str] = set()
    for index, raw in enumerate(tasks):
        checker = _TaskChecker(file, exam, subject, title, raw, index)
        task = checker.check()
        problems.extend(checker.problems)
        if task is None:
            continue
        if task.id in seen:
            problems.append(Problem(file, task.id, "id", say("repeated_id")))
        seen.add(task.id)
        parsed.append(task)
    if problems:
        raise BankError(problems)
    return Bank(file, exam, subject, title, tuple(parsed))


def load_bank(path: Path) -> Bank:
    return validate(read_file(path), path.name)
