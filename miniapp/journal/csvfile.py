"""Reading one CSV file with errors that name the file, the line and the column.

Columns are found by header name (OneRoster fixes the names, not the order) and unknown columns
are ignored, so 1.2 extension columns (``metadata.*``) and vendor additions pass through.
"""

from __future__ import annotations

import csv
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from core.file_errors import unreadable as _unreadable

T = TypeVar("T")


def _csv_problem(exc: csv.Error) -> str:
    """The csv module's complaint (English, no codes) as an author can act on it."""
    text = str(exc)
    if "unexpected end of data" in text or "EOF" in text:
        return "кавычка не закрыта до конца файла"
    if "expected after" in text:
        return "после закрывающей кавычки должна идти запятая"
    if "NUL" in text:
        return "в строке есть нулевой символ — сохраните файл заново как CSV"
    if "field larger than" in text:
        return "слишком длинное значение в ячейке"
    return "проверьте кавычки и разделители"


class CsvError(Exception):
    """A problem in an input file; ``str()`` is one line a person can act on."""

    def __init__(
        self, file: str, message: str, line: int | None = None, column: str | None = None,
        number: int | None = None,
    ) -> None:  # fmt: skip
        self.file = file
        self.line = line
        self.column = column
        self.number = number
        self.message = message
        where = file
        if line is not None:
            where += f", строка {line}"
        if column is not None:
            where += f", столбец {number} ({column})" if number else f", столбец {column}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class CsvRow:
    file: CsvFile
    line: int
    values: Mapping[str, str]

    def error(self, column: str | None, message: str) -> CsvError:
        number = self.file.columns.get(column) if column else None
        return CsvError(self.file.name, message, self.line, column, number)

    def get(self, column: str) -> str:
        """The stripped value, '' when the column is absent or blank."""
        return self.values.get(column, "").strip()

    def required(self, column: str) -> str:
        value = self.get(column)
        if not value:
            raise self.error(column, "пустое значение, а поле обязательно")
        return value

    def choice(self, column: str, allowed: Container[str], *, required: bool = True) -> str:
        value = self.required(column) if required else self.get(column)
        if value and value not in allowed:
            raise self.error(column, f"недопустимое значение {value!r}")
        return value

    def day(self, column: str, *, required: bool = False) -> date | None:
        """A date (``2026-09-01``); a datetime (``2026-09-01T08:00:00Z``) keeps its date."""
        value = self.required(column) if required else self.get(column)
        if not value:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            raise self.error(column, f"ожидается дата ГГГГ-ММ-ДД, получено {value!r}") from None

    def number(self, column: str) -> float | None:
        value = self.get(column)
        if not value:
            return None
        try:
            return float(value.replace(",", "."))
        except ValueError:
            raise self.error(column, f"ожидается число, получено {value!r}") from None

    def flag(self, column: str, default: bool = False) -> bool:
        value = self.get(column).lower()
        if not value:
            return default
        if value not in ("true", "false"):
            raise self.error(column, f"ожидается true или false, получено {value!r}")
        return value == "true"

    def ids(self, column: str) -> list[str]:
        """A comma-separated list of sourcedIds."""
        return [part.strip() for part in self.get(column).split(",") if part.strip()]

    def ref(self, column: str, known: Mapping[str, T], target: str, *, required: bool = True
            ) -> T | None:  # fmt: skip
        value = self.required(column) if required else self.get(column)
        if not value:
            return None
        if value not in known:
            raise self.error(column, f"нет записи {value!r} в {target}")
        return known[value]


class CsvFile:
    def __init__(self, path: Path, required: tuple[str, ...]) -> None:
        self.path = path
        self.name = path.name
        self.required = required
        self.columns: dict[str, int] = {}

    def rows(self) -> Iterator[CsvRow]:
        try:
            handle = self.path.open(encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise CsvError(self.name, f"не удалось открыть файл: {_unreadable(exc)}") from None
        with handle:
            reader = csv.reader(handle, strict=True)
            try:
                header = next(reader, None)
                if header is None:
                    raise CsvError(self.name, "файл пуст, нет строки заголовков", 1)
                self.columns = {name.strip(): i for i, name in enumerate(header, start=1)}
                for column in self.required:
                    if column not in self.columns:
                        raise CsvError(self.name, "нет обязательного столбца", 1, column)
                names = [name.strip() for name in header]
                for fields in reader:
                    line = reader.line_num
                    if not any(field.strip() for field in fields):
                        continue
                    if len(fields) != len(names):
                        raise CsvError(
                            self.name,
                            f"в строке {len(fields)} полей, а в заголовке {len(names)}",
                            line,
                        )
                    yield CsvRow(self, line, dict(zip(names, fields, strict=True)))
            except csv.Error as exc:
                raise CsvError(
                    self.name, f"ошибка формата CSV: {_csv_problem(exc)}", reader.line_num
                ) from None
            except UnicodeDecodeError:
                raise CsvError(
                    self.name, "файл не в кодировке UTF-8", reader.line_num + 1
                ) from None
