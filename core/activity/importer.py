"""Import the platform's statistics export (CSV or XLSX from the admin cabinet), so monitoring
works before the bots have any history.

The file has one row per organisation — region, municipality, organisation — with counts of
teachers and students (total, in the platform, active) and, when present, the chat, message and
call columns; subtotal rows (no organisation) are skipped. Columns are recognised by their
headings, whatever their order, by the words in them (``Педагогов в Сферуме``, ``Активных
обучающихся``, ``Муниципальное образование``…); percentage columns are skipped (we compute them).
The header row may sit under title rows. The week comes from a ``Неделя``/``Период``/``Дата``
column or from the caller.

Organisations are matched by the platform's id (kept as ``external_id = platform:<id>``), else by
name under their municipality (case, ``ё``, quotes and ``№`` spacing ignored), and created when
missing. Each row is stored per school and week in ``monitoring_platform_stats``; a file imported
twice leaves the same state. Problems (a cell that is not a number, a row without a week) are
reported with the row number and the row is skipped; nothing in the file can crash the import.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from core.clock import Clock, is_zone
from core.file_errors import os_reason as _os_reason
from core.people import OrgKind
from core.regions import normalise_code, timezone_for
from core.storage import Database

from .counts import SCHOOL_FIELDS
from .texts import T
from .weeks import Week

log = logging.getLogger("sferum.activity")

MAX_ROWS = 200_000
HEADER_SCAN = 30  # rows searched for the header row
STRUCTURE = ("region", "region_code", "municipality", "organisation", "org_ref", "level", "week")


class ImportFailed(ValueError):
    """The file cannot be imported at all (unreadable, no header, no region)."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Problem:
    """Something wrong with one row or cell; rendered by templates/import_problem.j2."""

    code: str
    row: int | None = None
    column: str = ""
    value: str = ""


@dataclass
class ImportResult:
    source: str
    rows: int = 0
    weeks: set[str] = field(default_factory=set)
    subtotals: int = 0
    created: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# --- reading ----------------------------------------------------------------------------------
def _normalise(text: Any) -> str:
    value = str(text or "").casefold().replace("ё", "е")
    value = re.sub(r"[«»\"'“”„]", "", value)
    value = re.sub(r"№\s*", "№ ", value)
    return re.sub(r"[\s_]+", " ", value).strip()


def _header_words(text: Any) -> str:
    value = str(text or "").casefold().replace("ё", "е")
    return " " + re.sub(r"[^0-9a-zа-я%]+", " ", value).strip() + " "


TEACHER_WORDS = ("педагог", "учител", "сотрудник")
STUDENT_WORDS = ("ученик", "учащ", "обучающ", "школьник", "детей")


def classify(header: Any) -> str | None:
    """The field a column heading names, or None (ignored)."""
    words = _header_words(header)
    if "%" in words or " доля" in words or "процент" in words:
        return None
    is_teacher = any(w in words for w in TEACHER_WORDS)
    is_student = any(w in words for w in STUDENT_WORDS)
    if is_teacher or is_student:
        if is_teacher and "чат" in words and "созд" in words:
            return "chat_creators"
        if is_teacher and "сообщ" in words:
            if " 10 " in words:
                return "writers10"
            if " 3 " in words:
                return "writers3"
            return None
        if is_teacher and "звон" in words:
            return "callers"
        prefix = "teachers" if is_teacher else "students"
        if "актив" in words:
            return f"{prefix}_active"
        if any(w in words for w in ("зарегистр", "сферум", "платформ", "подключ", "в системе")):
            return f"{prefix}_registered"
        return prefix
    if "подключ" in words or "структур" in words or " статус " in words:
        return None if " дата " in words else "connected"
    if any(w in words for w in (" неделя ", " период ", " дата ", " начало недели ")):
        return "week"
    if " уровень " in words or " тип " in words:
        return "level"
    if " код " in words and ("регион" in words or "субъект" in words):
        return "region_code"
    if "регион" in words or "субъект" in words:
        return "region"
    if "муниципал" in words or " район" in words or " мо " in words or "округ" in words:
        return "municipality"
    if any(w in words for w in (" id ", "идентификатор", " инн ", " код ")):
        return "org_ref"
    if "организац" in words or " оо " in words or "школ" in words or "наименование" in words:
        return "organisation"
    return None


def _cells_csv(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes any byte string
        raise ImportFailed("encoding")
    # The delimiter that splits the first lines into the most columns (Excel in Russia writes
    # ";", other tools "," or tabs); csv.Sniffer guesses wrong when headings contain commas.
    head = "\n".join(text.splitlines()[:HEADER_SCAN])
    delimiter = max(
        (";", "\t", ","),
        key=lambda d: max((len(r) for r in csv.reader(io.StringIO(head), delimiter=d)), default=0),
    )
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _shown_as_percent(cell: Any) -> Any:
    """A cell's value; a percent-formatted number becomes «45.5%» (Excel keeps 0.455), so it
    reads like the percentages of a CSV."""
    value = getattr(cell, "value", None)
    number_format = str(getattr(cell, "number_format", "") or "")
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in number_format:
        return f"{float(value) * 100:.6g}%"
    return value


def _cells_xlsx(data: bytes, *, percents: bool) -> list[list[Any]]:
    """The first sheet's values (``percents``: formatted as _shown_as_percent says)."""
    from openpyxl import load_workbook  # the dependency is only needed for xlsx

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        log.info("xlsx not readable: %r", exc)
        raise ImportFailed("unreadable", reason="broken_xlsx") from None
    try:
        sheet = book.worksheets[0]
        lines: Iterator[list[Any]] = (
            ([_shown_as_percent(cell) for cell in cells] for cells in sheet.iter_rows())
            if percents
            else (list(values) for values in sheet.iter_rows(values_only=True))
        )
        rows: list[list[Any]] = []
        for row in lines:
            rows.append(row)
            if len(rows) > MAX_ROWS:
                break
        return rows
    finally:
        book.close()


def read_cells(data: bytes, name: str, *, percents: bool = False) -> list[list[Any]]:
    """The cells of a CSV or an XLSX file; ``percents``: an XLSX cell formatted as a percentage
    reads «45.5%», as in a CSV (the weekly layout's shares)."""
    if name.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        return _cells_xlsx(data, percents=percents)
    return _cells_csv(data)


@dataclass(frozen=True)
class Layout:
    header_row: int  # 0-based
    columns: dict[str, int]
    ignored: list[str]


def find_layout(cells: list[list[Any]]) -> Layout:
    best: Layout | None = None
    for index, row in enumerate(cells[:HEADER_SCAN]):
        columns: dict[str, int] = {}
        ignored: list[str] = []
        for position, heading in enumerate(row):
            if heading is None or str(heading).strip() == "":
                continue
            name = classify(heading)
            if name is None or name in columns:
                ignored.append(str(heading).strip())
            else:
                columns[name] = position
        people = sum(1 for name in columns if name in SCHOOL_FIELDS)
        if (
            "organisation" in columns
            and people
            and (best is None or len(columns) > len(best.columns))
        ):
            best = Layout(index, columns, ignored)
    if best is None:
        raise ImportFailed("no_header")
    return best


# --- values -----------------------------------------------------------------------------------
_Value = TypeVar("_Value")


class _Bad(ValueError):
    pass


def _count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Bad()
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise _Bad()
        number = int(value)
    else:
        text = str(value).replace("\u00a0", "").replace(" ", "").strip()
        if text in ("", "-", "—", "–"):
            return None
        text = text.replace(",", ".")
        try:
            parsed = float(text)
        except ValueError:
            raise _Bad() from None
        if not parsed.is_integer():
            raise _Bad()
        number = int(parsed)
    if number < 0 or number > 10_000_000:
        raise _Bad()
    return number


YES = {"да", "1", "true", "yes", "+", "подключена", "подключен", "активна", "активная", "есть"}
NO = {"нет", "0", "false", "no", "не подключена", "не подключен", "неактивна", "неактивная"}


def _flag(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = _normalise(value)
    if text in ("", "-", "—"):
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise _Bad()


_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})|(\d{4})-(\d{2})-(\d{2})|(\d{4})-[wW](\d{1,2})")


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    match = _DATE.search(text)
    if match is None:
        raise _Bad()
    try:
        if match[1]:
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match[4]:
            return date(int(match[4]), int(match[5]), int(match[6]))
        return date.fromisocalendar(int(match[7]), int(match[8]), 1)
    except ValueError:
        raise _Bad() from None


SUBTOTAL_LEVELS = ("регион", "субъект", "муниципал", "итого", "всего", "район", "округ")


@dataclass
class _Row:
    line: int
    region: str
    region_code: str | None
    municipality: str
    organisation: str
    org_ref: str
    day: date | None
    connected: bool | None
    values: dict[str, int | None]


def _cell(row: list[Any], position: int | None) -> Any:
    """The cell of a column (None for a column the file lacks or a short row)."""
    return None if position is None or position >= len(row) else row[position]


def _text(row: list[Any], position: int | None) -> str:
    value = _cell(row, position)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parsed(
    parse: Callable[[Any], _Value | None],
    code: str,
    row: list[Any],
    columns: dict[str, int],
    name: str,
    line: int,
    problems: list[Problem],
) -> _Value | None:
    """The cell of column ``name`` as ``parse`` reads it; a cell it cannot read is a problem."""
    raw = _cell(row, columns.get(name))
    try:
        return parse(raw)
    except _Bad:
        problems.append(Problem(code, line, name, str(raw)[:40]))
        return None


def data_rows(cells: list[list[Any]], header_row: int) -> Iterator[tuple[int, list[Any]]]:
    """The rows under the headings (``header_row``, 0-based) up to MAX_ROWS, with their line
    numbers in the file; an empty row is passed over (both layouts allow blank lines)."""
    for index in range(header_row + 1, min(len(cells), MAX_ROWS)):
        row = cells[index]
        if any(cell is not None and str(cell).strip() for cell in row):
            yield index + 1, row


def parse_rows(cells: list[list[Any]], layout: Layout, result: ImportResult) -> Iterator[_Row]:
    columns = layout.columns
    for line, row in data_rows(cells, layout.header_row):
        level = _normalise(_text(row, columns.get("level")))
        organisation = _text(row, columns.get("organisation"))
        if not organisation or any(level.startswith(word) for word in SUBTOTAL_LEVELS):
            result.subtotals += 1
            continue
        broken: list[Problem] = []
        values: dict[str, int | None] = {
            name: _parsed(_count, "not_a_count", row, columns, name, line, broken)
            for name in SCHOOL_FIELDS
            if name in columns
        }
        # A sheet without the column reads as None, as an empty cell does.
        connected = _parsed(_flag, "not_a_flag", row, columns, "connected", line, broken)
        day = _parsed(_day, "not_a_date", row, columns, "week", line, broken)
        if broken:
            result.problems.extend(broken)
            continue
        for part, whole in (
            ("teachers_registered", "teachers"),
            ("students_registered", "students"),
            ("teachers_active", "teachers_registered"),
            ("students_active", "students_registered"),
        ):
            small, big = values.get(part), values.get(whole)
            if small is not None and big is not None and small > big:
                result.problems.append(Problem("more_than_total", line, part, f"{small} > {big}"))
        code = _text(row, columns.get("region_code"))
        yield _Row(
            line,
            _text(row, columns.get("region")),
            code or None,
            _text(row, columns.get("municipality")),
            organisation,
            _text(row, columns.get("org_ref")),
            day,
            connected,
            values,
        )


# --- storing ----------------------------------------------------------------------------------
class _Orgs:
    """Finds or creates the organisations the rows name."""

    def __init__(self, db: Database, result: ImportResult) -> None:
        self.db = db
        self.result = result
        self._by_key: dict[tuple[Any, ...], int] = {}
        self._regions: dict[tuple[Any, ...], tuple[int, str, str]] = {}

    async def _find(self, sql: str, params: Iterable[Any]) -> list[dict[str, Any]]:
        return await self.db.fetchall(sql, tuple(params))

    async def _create(
        self,
        kind: OrgKind,
        name: str,
        parent_id: int | None,
        code: str,
        timezone: str,
        external_id: str | None = None,
    ) -> int:
        org_id = await self.db.execute(
            "INSERT INTO organisations (kind, name, parent_id, region_code, timezone, external_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (kind.value, name, parent_id, code, timezone, external_id),
        )
        self.result.created.append(name)
        return org_id

    async def region(
        self, name: str, code: str | None, default_id: int | None, timezone: str | None
    ) -> tuple[int, str, str]:
        """(id, region code, zone) of the row's region."""
        key = ("region", _normalise(name), code)
        if key in self._regions:
            return self._regions[key]
        rows: list[dict[str, Any]] = []
        if code:
            rows = await self._find(
                "SELECT id FROM organisations WHERE kind = 'region' AND region_code = ? "
                "ORDER BY id",
                (normalise_code(code),),
            )
        if not rows and name:
            candidates = await self._find(
                "SELECT id, name FROM organisations WHERE kind = 'region' ORDER BY id", ()
            )
            rows = [r for r in candidates if _normalise(r["name"]) == _normalise(name)]
        if rows:
            org_id = int(rows[0]["id"])
        elif default_id is not None and not name and not code:
            org_id = default_id
        elif code:
            normal = normalise_code(code)
            zone = timezone or timezone_for(normal).key
            org_id = await self._create(OrgKind.REGION, name or normal, None, normal, zone)
        else:
            raise ImportFailed("no_region", name=name)
        row = await self.db.fetchone(
            "SELECT region_code, timezone FROM organisations WHERE id = ?", (org_id,)
        )
        assert row is not None
        found = self._regions[key] = org_id, str(row["region_code"]), str(row["timezone"])
        return found

    async def child(
        self,
        kind: OrgKind,
        name: str,
        parent_id: int,
        code: str,
        timezone: str,
        ref: str = "",
        anywhere_in_region: bool = False,
    ) -> int:
        key = (kind.value, parent_id, _normalise(name), ref)
        if key in self._by_key:
            return self._by_key[key]
        found: int | None = None
        external = f"platform:{ref}" if ref else None
        if external:
            value = await self.db.fetchval(
                "SELECT id FROM organisations WHERE external_id = ?", (external,)
            )
            found = None if value is None else int(value)
        if found is None:
            rows = await self._find(
                "SELECT id, name FROM organisations WHERE kind = ? AND parent_id = ?",
                (kind.value, parent_id),
            )
            same = [r for r in rows if _normalise(r["name"]) == _normalise(name)]
            if not same and anywhere_in_region:
                rows = await self._find(
                    "SELECT id, name FROM organisations WHERE kind = ? AND region_code = ?",
                    (kind.value, code),
                )
                same = [r for r in rows if _normalise(r["name"]) == _normalise(name)]
                same = same if len(same) == 1 else []
            found = int(same[0]["id"]) if same else None
        if found is None:
            found = await self._create(kind, name, parent_id, code, timezone, external)
        self._by_key[key] = found
        return found


_STATS_COLUMNS = ("connected", *SCHOOL_FIELDS)


class PlatformImporter:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def import_file(
        self,
        path: Path,
        *,
        week: date | None = None,
        region_id: int | None = None,
        region_code: str | None = None,
        timezone: str | None = None,
    ) -> ImportResult:
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            # The system's words (strerror) are English: a code the template says in Russian.
            log.info("cannot read %s: %r", path, exc)
            raise ImportFailed("unreadable", reason=_os_reason(exc)) from None
        return await self.import_bytes(
            data,
            path.name,
            week=week,
            region_id=region_id,
            region_code=region_code,
            timezone=timezone,
        )

    async def import_bytes(
        self,
        data: bytes,
        source: str,
        *,
        week: date | None = None,
        region_id: int | None = None,
        region_code: str | None = None,
        timezone: str | None = None,
    ) -> ImportResult:
        result = ImportResult(source=source)
        if timezone is not None and not is_zone(timezone):
            raise ImportFailed("timezone", name=timezone)
        if not data.strip():
            raise ImportFailed("empty")
        cells = read_cells(data, source)
        layout = find_layout(cells)
        result.ignored_columns = layout.ignored
        if "week" not in layout.columns and week is None:
            raise ImportFailed("no_week")
        has_region = "region" in layout.columns or "region_code" in layout.columns
        if not has_region and region_id is None and region_code is None:
            raise ImportFailed("no_region", name="")
        orgs = _Orgs(self.db, result)
        now = self.clock.now().astimezone(UTC).isoformat()
        stored: dict[tuple[str, int], int] = {}
        batch: list[tuple[Any, ...]] = []
        for row in parse_rows(cells, layout, result):
            region, code, zone = await orgs.region(
                row.region, row.region_code or region_code, region_id, timezone
            )
            parent = region
            if row.municipality:
                parent = await orgs.child(
                    OrgKind.MUNICIPALITY, row.municipality, region, code, zone
                )
            school = await orgs.child(
                OrgKind.SCHOOL,
                row.organisation,
                parent,
                code,
                zone,
                ref=row.org_ref,
                anywhere_in_region=True,
            )
            day = row.day or week
            if day is None:
                result.problems.append(Problem("no_week", row.line))
                continue
            key = Week.of_day(day, zone).key
            if (key, school) in stored:
                result.problems.append(
                    Problem("duplicate", row.line, "organisation", row.organisation)
                )
            stored[(key, school)] = row.line
            connected = None if row.connected is None else int(row.connected)
            batch.append(
                (
                    key,
                    school,
                    connected,
                    *(row.values.get(field_name) for field_name in SCHOOL_FIELDS),
                    source,
                    now,
                )
            )
            result.weeks.add(key)
        marks = ", ".join("?" * (len(_STATS_COLUMNS) + 4))
        async with self.db.transaction() as tx:
            await tx.executemany(
                # An import replaces the row of its school and week whole (INSERT OR REPLACE).
                tx.dialect.upsert(
                    "INTO monitoring_platform_stats (week, org_id, "
                    f"{', '.join(_STATS_COLUMNS)}, source, imported_at) VALUES ({marks})",
                    ("week", "org_id"),
                    (*_STATS_COLUMNS, "source", "imported_at"),
                ),
                batch,
            )
            for key in sorted(result.weeks):
                await tx.execute("DELETE FROM monitoring_school_weeks WHERE week = ?", (key,))
        result.rows = len(batch)
        return result


# --- describing -------------------------------------------------------------------------------
def describe_problem(problem: Problem) -> str:
    column = problem.column
    if column:
        with contextlib.suppress(KeyError):
            column = T.label(f"col_count_{column}")
    return T.render("import_problem.j2", p=problem, column=column)


def describe(result: ImportResult) -> str:
    """The import's outcome in Russian, for the CLI and the admin page."""
    return T.render(
        "import_result.j2", r=result, problems=[describe_problem(p) for p in result.problems]
    )


def describe_failure(failure: ImportFailed) -> str:
    values = {"name": "", "reason": "", **failure.details}
    return T.render("import_failed.j2", code=failure.code, **values)
