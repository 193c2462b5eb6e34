"""Content checks for the exam trainer task banks.

Plain data checks: no project imports. Every bank file under
``bots/exam_trainer/banks`` must parse, follow the documented format
(see ``banks/FORMAT.md``) and carry answers that agree with their own
machine-checkable ``verify*`` fields.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
BANK_DIR = ROOT / "bots" / "exam_trainer" / "banks"

# file name -> (exam, subject, allowed task numbers)
BANKS: dict[str, tuple[str, str, range]] = {
    "oge_math.yaml": ("ОГЭ", "math", range(1, 20)),
    "ege_math.yaml": ("ЕГЭ", "math", range(1, 13)),
    "oge_russian.yaml": ("ОГЭ", "russian", range(2, 9)),
    "ege_russian.yaml": ("ЕГЭ", "russian", range(1, 27)),
}

EXAM_LATIN = {"ОГЭ": "oge", "ЕГЭ": "ege"}
TYPES = {"short", "choice", "sequence", "matching"}
REQUIRED = ("id", "number", "topic", "type", "text", "answer", "explanation", "points")
ALLOWED_KEYS = set(REQUIRED) | {"options", "verify", "verify_choice", "verify_matching"}
LETTERS = "АБВГДЕЖЗИ"

MIN_TASKS = 40
MIN_NUMBERS = 8
# The ОГЭ Russian test part modelled here has only seven task numbers (2–8),
# so that bank must cover all of them instead of eight.
MIN_NUMBERS_BY_FILE = {"oge_russian.yaml": 7}
MIN_TOPICS = 6

ID_RE = re.compile(r"^(oge|ege)-(math|russian)-(\d{2})-(\d{3})$")
# integer or finite decimal with a decimal comma, no trailing zeros
MATH_SHORT_RE = re.compile(r"^-?(0|[1-9]\d*)(,\d*[1-9])?$")
RUSSIAN_SHORT_RE = re.compile(r"^([а-яё]+|-?(0|[1-9]\d*)(,\d*[1-9])?)$")

_MATH_FUNCS = {"sqrt", "log", "sin", "cos", "tan", "comb", "factorial"}
_MATH_CONSTS = {"pi"}
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_UNARYOPS = (ast.UAdd, ast.USub)

_cache: dict[str, object] = {}


def _load(name: str) -> object:
    if name not in _cache:
        path = BANK_DIR / name
        with path.open(encoding="utf-8") as fh:
            _cache[name] = yaml.safe_load(fh)
    return _cache[name]


def _is_math_attr(node: ast.AST, allowed: set[str]) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "math"
        and node.attr in allowed
    )


def _check_node(node: ast.AST) -> None:
    if isinstance(node, ast.Expression):
        _check_node(node.body)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ValueError(f"constant not allowed: {node.value!r}")
    elif isinstance(node, ast.BinOp):
        if not isinstance(node.op, _BINOPS):
            raise ValueError(f"operator not allowed: {type(node.op).__name__}")
        _check_node(node.left)
        _check_node(node.right)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, _UNARYOPS):
            raise ValueError(f"operator not allowed: {type(node.op).__name__}")
        _check_node(node.operand)
    elif isinstance(node, ast.Call):
        if not _is_math_attr(node.func, _MATH_FUNCS) or node.keywords:
            raise ValueError("only math.sqrt/log/sin/cos/tan/comb/factorial calls allowed")
        for arg in node.args:
            _check_node(arg)
    elif _is_math_attr(node, _MATH_CONSTS):
        pass
    else:
        raise ValueError(f"syntax not allowed: {type(node).__name__}")


def safe_eval(expr: str) -> float:
    tree = ast.parse(expr, mode="eval")
    _check_node(tree)
    value = eval(compile(tree, "<verify>", "eval"), {"__builtins__": {}}, {"math": math})
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"not a real number: {value!r}")
    return float(value)


def _task_problems(task: object, exam: str, subject: str, numbers: range) -> list[str]:
    if not isinstance(task, dict):
        return [f"task is not a mapping: {task!r}"]
    tid = task.get("id", "<no id>")
    out: list[str] = []

    def bad(msg: str) -> None:
        out.append(f"{tid}: {msg}")

    for key in REQUIRED:
        if key not in task:
            bad(f"missing field {key!r}")
    unknown = set(task) - ALLOWED_KEYS
    if unknown:
        bad(f"unknown fields {sorted(unknown)}")
    if out:
        return out

    for key in ("id", "topic", "type", "text", "answer", "explanation"):
        if not isinstance(task[key], str) or not task[key].strip():
            bad(f"{key} must be a non-empty string")
    if out:
        return out

    number = task["number"]
    if not isinstance(number, int) or isinstance(number, bool) or number not in numbers:
        bad(f"number {number!r} not in {numbers.start}..{numbers.stop - 1}")
        return out
    points = task["points"]
    if not isinstance(points, int) or isinstance(points, bool) or points < 1:
        bad(f"points must be a positive integer, got {points!r}")

    m = ID_RE.match(task["id"])
    if not m:
        bad("id does not match <oge|ege>-<subject>-<NN>-<NNN>")
    else:
        if m.group(1) != EXAM_LATIN[exam] or m.group(2) != subject:
            bad("id prefix does not match exam/subject of the file")
        if int(m.group(3)) != number:
            bad(f"id task number {m.group(3)} != number {number}")

    ttype = task["type"]
    if ttype not in TYPES:
        bad(f"invalid type {ttype!r}")
        return out
    answer = task["answer"]
    options = task.get("options", [])
    if options is None:
        options = []
    if not isinstance(options, list) or not all(isinstance(o, str) and o.strip() for o in options):
        bad("options must be a list of non-empty strings")
        return out

    if "verify" in task and subject != "math":
        bad("verify is only for math tasks")
    if "verify_choice" in task and ttype != "choice":
        bad("verify_choice is only for choice tasks")
    if "verify_matching" in task and ttype != "matching":
        bad("verify_matching is only for matching tasks")

    if ttype == "short":
        if options:
            bad("short task must not have options")
        pattern = MATH_SHORT_RE if subject == "math" else RUSSIAN_SHORT_RE
        if not pattern.match(answer):
            bad(f"short answer {answer!r} has an invalid form")
        if subject == "math":
            if "verify" not in task:
                bad("math task with a numeric answer needs verify")
            elif MATH_SHORT_RE.match(answer):
                out.extend(_verify_problems(task, tid))
    else:
        if len(options) < 2:
            bad(f"{ttype} task needs at least two options")
        if len(options) > 9:
            bad(f"{ttype} task has more than nine options")
        if not re.fullmatch(r"[1-9]+", answer):
            bad(f"{ttype} answer {answer!r} must be option digits")
            return out
        digits = [int(c) for c in answer]
        if any(d > len(options) for d in digits):
            bad(f"answer {answer!r} refers to a missing option")
        if "verify" in task:
            bad(f"{ttype} task must not have verify")

    if ttype == "choice":
        vc = task.get("verify_choice")
        if not isinstance(vc, list) or not all(isinstance(v, bool) for v in vc):
            bad("choice task needs verify_choice: a list of booleans")
        else:
            if len(vc) != len(options):
                bad(f"len(options)={len(options)} != len(verify_choice)={len(vc)}")
            expected = "".join(str(i + 1) for i, v in enumerate(vc) if v)
            if not expected:
                bad("verify_choice has no true entry")
            if answer != expected:
                bad(f"choice answer {answer!r} != true options {expected!r}")
    elif ttype == "sequence":
        if sorted(answer) != [str(i) for i in range(1, len(options) + 1)]:
            bad(f"sequence {answer!r} is not a permutation of 1..{len(options)}")
    elif ttype == "matching":
        vm = task.get("verify_matching")
        if not isinstance(vm, dict) or not vm:
            bad("matching task needs verify_matching: a mapping letter -> option number")
        else:
            letters = LETTERS[: len(vm)]
            if list(vm) != list(letters):
                bad(f"verify_matching keys must be {list(letters)} in order, got {list(vm)}")
            elif not all(isinstance(v, int) and 1 <= v <= len(options) for v in vm.values()):
                bad("verify_matching values must be option numbers")
            else:
                expected = "".join(str(vm[k]) for k in letters)
                if answer != expected:
                    bad(f"matching answer {answer!r} != verify_matching {expected!r}")
                for letter in letters:
                    if f"{letter})" not in task["text"]:
                        bad(f"text has no item {letter})")
    return out


def _verify_problems(task: dict, tid: str) -> list[str]:
    expr = task["verify"]
    if not isinstance(expr, str):
        return [f"{tid}: verify must be a string expression"]
    try:
        value = safe_eval(expr)
    except Exception as exc:
        return [f"{tid}: verify {expr!r} failed: {exc}"]
    expected = float(task["answer"].replace(",", "."))
    if not math.isclose(value, expected, rel_tol=1e-12, abs_tol=1e-9):
        return [f"{tid}: verify {expr!r} = {value!r} != answer {task['answer']!r}"]
    return []


@pytest.mark.parametrize("name", sorted(BANKS))
def test_bank_file_exists(name: str) -> None:
    assert (BANK_DIR / name).is_file(), f"missing bank file {name}"


@pytest.mark.parametrize("name", sorted(BANKS))
def test_bank_header(name: str) -> None:
    exam, subject, _ = BANKS[name]
    data = _load(name)
    assert isinstance(data, dict), "bank must be a mapping"
    assert data.get("exam") == exam
    assert data.get("subject") == subject
    assert isinstance(data.get("subject_title"), str) and data["subject_title"].strip()
    assert isinstance(data.get("tasks"), list)
    assert set(data) <= {"exam", "subject", "subject_title", "tasks"}


@pytest.mark.parametrize("name", sorted(BANKS))
def test_bank_tasks_valid(name: str) -> None:
    exam, subject, numbers = BANKS[name]
    data = _load(name)
    assert isinstance(data, dict) and isinstance(data.get("tasks"), list)
    problems: list[str] = []
    for task in data["tasks"]:
        problems.extend(_task_problems(task, exam, subject, numbers))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(BANKS))
def test_bank_coverage(name: str) -> None:
    _, subject, _ = BANKS[name]
    data = _load(name)
    assert isinstance(data, dict)
    tasks = data["tasks"]
    assert len(tasks) >= MIN_TASKS, f"{name}: {len(tasks)} tasks < {MIN_TASKS}"
    numbers = {t["number"] for t in tasks}
    topics = {t["topic"] for t in tasks}
    types = {t["type"] for t in tasks}
    min_numbers = MIN_NUMBERS_BY_FILE.get(name, MIN_NUMBERS)
    assert len(numbers) >= min_numbers, f"{name}: only task numbers {sorted(numbers)}"
    assert len(topics) >= MIN_TOPICS, f"{name}: only topics {sorted(topics)}"
    needed = {"choice", "sequence"} if subject == "math" else {"choice", "matching"}
    assert needed <= types, f"{name}: types {sorted(types)} lack {sorted(needed - types)}"


def test_ids_unique_across_banks() -> None:
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    for name in sorted(BANKS):
        if not (BANK_DIR / name).is_file():
            continue
        data = _load(name)
        assert isinstance(data, dict)
        for task in data.get("tasks") or []:
            tid = task.get("id") if isinstance(task, dict) else None
            if tid in seen:
                duplicates.append(f"{tid} in {seen[tid]} and {name}")
            seen[tid] = name
    assert not duplicates, "\n".join(duplicates)


@pytest.mark.parametrize(
    ("expr", "value"),
    [("3/4 + 5/8", 1.375), ("math.sqrt(16) * 2", 8.0), ("-2**3", -8.0), ("math.pi", math.pi)],
)
def test_safe_eval_accepts_arithmetic(expr: str, value: float) -> None:
    assert safe_eval(expr) == pytest.approx(value)


@pytest.mark.parametrize(
    "expr",
    ["__import__('os')", "abs(-1)", "math.floor(1.5)", "[1][0]", "'a'", "1 % 2", "x + 1", "True"],
)
def test_safe_eval_rejects_other_syntax(expr: str) -> None:
    with pytest.raises(ValueError):
        safe_eval(expr)
