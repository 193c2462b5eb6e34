"""Reading knowledge-base files (YAML or CSV) into validated entries.

YAML: a list of mappings (or a mapping with an ``entries`` list) with the fields of ``Entry``.
CSV: a header row with the same field names; list fields (questions, tags, related) hold their
items separated by ``|``. ``retired: true`` retires an entry. Import is an upsert by id: a row for
an existing id may carry only the fields it changes (``id`` + ``retired: true`` is enough to
retire), a new id needs every required field. Errors name the row and the field; one bad row stops
the whole import so a file is never applied half-way.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from core.file_errors import unreadable as _unreadable

ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
REQUIRED = ("title", "answer", "source", "source_date", "category")
LIST_FIELDS = ("questions", "tags", "related")
TEXT_FIELDS = ("title", "answer", "source", "category", "unverified")
KNOWN = {"id", "retired", "source_date", *LIST_FIELDS, *TEXT_FIELDS}
LIMITS = {"title": 300, "answer": 6000, "source": 1000, "category": 40, "unverified": 2000}


# What a row is when it is not a mapping, for the message (Python's type names are English).
_KINDS = {"str": "строка", "list": "список", "int": "число", "float": "число", "bool": "да/нет"}


class KbFileError(Exception):
    """A file that cannot be imported, with every problem found (row and field named)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class EntryPatch:
    """One row of an import: the id and the fields it sets (a full entry when new)."""

    entry_id: str
    fields: dict[str, Any] = field(default_factory=dict)
    retired: bool = False


def _as_list(value: Any, *, split_text: bool) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.split("|") if split_text else [value]
        return [p.strip() for p in parts if p.strip()]
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    return None


def _as_date(value: Any) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None
    return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in ("", "0", "false", "no", "нет"):
        return False
    if text in ("1", "true", "yes", "да"):
        return True
    return None


def parse_row(raw: Any, where: str, *, split_lists: bool) -> tuple[EntryPatch | None, list[str]]:
    """One mapping into a patch; problems name ``where`` (row number and id)."""
    if not isinstance(raw, Mapping):
        got = _KINDS.get(type(raw).__name__, "не запись")
        return None, [f"{where}: ожидалась запись с полями, получено: {got}"]
    problems: list[str] = []
    entry_id = str(raw.get("id") or "").strip()
    if not ID.match(entry_id):
        return None, [f"{where}: поле id должно быть из строчных латинских букв, цифр и '-'"]
    where = f"{where} ({entry_id})"
    unknown = sorted(str(k) for k in raw if str(k) not in KNOWN)
    if unknown:
        problems.append(f"{where}: неизвестные поля {', '.join(unknown)}")
    patch = EntryPatch(entry_id)
    retired = _as_bool(raw.get("retired"))
    if retired is None:
        problems.append(f"{where}: поле retired должно быть true или false")
    else:
        patch.retired = retired
    for name in TEXT_FIELDS:
        if name in raw and raw[name] is not None:
            value = str(raw[name]).strip()
            if len(value) > LIMITS[name]:
                problems.append(f"{where}: поле {name} длиннее {LIMITS[name]} знаков")
            patch.fields[name] = value
    if "source_date" in raw and raw["source_date"] not in (None, ""):
        iso = _as_date(raw["source_date"])
        if iso is None:
            problems.append(f"{where}: поле source_date должно быть датой ГГГГ-ММ-ДД")
        else:
            patch.fields["source_date"] = iso
    for name in LIST_FIELDS:
        if name in raw:
            items = _as_list(raw[name], split_text=split_lists)
            if items is None:
                problems.append(f"{where}: поле {name} должно быть списком строк")
            else:
                patch.fields[name] = items
    for name in REQUIRED:
        if name in patch.fields and not patch.fields[name]:
            problems.append(f"{where}: поле {name} не может быть пустым")
    return patch, problems


def parse_entries(
    rows: Iterable[Any], *, split_lists: bool, first_row: int = 1
) -> list[EntryPatch]:
    patches: list[EntryPatch] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate(rows, start=first_row):
        patch, row_problems = parse_row(raw, f"запись {number}", split_lists=split_lists)
        problems += row_problems
        if patch is None:
            continue
        if patch.entry_id in seen:
            problems.append(f"запись {number}: id {patch.entry_id} повторяется в файле")
        seen.add(patch.entry_id)
        patches.append(patch)
    if problems:
        raise KbFileError(problems)
    return patches


def parse_yaml(text: str) -> list[EntryPatch]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # PyYAML's words are English: the line tells the author where to look.
        mark = getattr(exc, "problem_mark", None)
        line = f" (ошибка в строке {mark.line + 1})" if mark is not None else ""
        raise KbFileError(
            [f"файл не читается как YAML{line}: проверьте отступы, двоеточия и кавычки"]
        ) from None
    if isinstance(data, dict) and isinstance(data.get("entries"), list):
        data = data["entries"]
    if not isinstance(data, list):
        raise KbFileError(["ожидался список записей (или поле entries со списком)"])
    return parse_entries(data, split_lists=False)


def parse_csv(text: str) -> list[EntryPatch]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or "id" not in reader.fieldnames:
        raise KbFileError(["в первой строке CSV должны быть названия полей, среди них id"])
    # Empty CSV cells mean "not given", so an edit row may leave fields it does not change blank.
    rows = [
        {k: v for k, v in row.items() if k is not None and v not in (None, "")} for row in reader
    ]
    return parse_entries(rows, split_lists=True, first_row=2)


def parse_file(path: Path) -> list[EntryPatch]:
    """Entries of a .yaml/.yml or .csv file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KbFileError([f"не удалось прочитать {path}: {_unreadable(exc)}"]) from None
    except UnicodeDecodeError:
        raise KbFileError([f"{path}: файл должен быть в кодировке UTF-8"]) from None
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return parse_yaml(text)
    if suffix == ".csv":
        return parse_csv(text)
    raise KbFileError([f"{path}: поддерживаются файлы .yaml, .yml и .csv"])
