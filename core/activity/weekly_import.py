"""Import the platform's weekly statistics of one unit (the "seed-003 layout"): one row per week
for a region, a municipality or a school, Russian headings, counts with «%» columns beside some.

    Статистика Сферума по неделям: Новосибирская область
    Период;Всего педагогов;Педагогов в Сферуме;%;Активных педагогов;%;Создали ≥1 чат;%;...
    16.11.2026 - 22.11.2026;1200;960;80,0;690;71,9;375;39,1;...

Columns are recognised by the words of their headings, whatever their order: the week
(«Неделя», «Период», «Дата»: a date or «14.11.2022 - 20.11.2022»), teachers and students (total,
«в Сферуме», active), «Создали ≥1 чат», «≥3 сообщений», «≥10 сообщений», «≥1 звонка», schools
(«Всего ОО», «Подключено ОО»). A «%» column belongs to the count its heading names («% педагогов
в Сферуме») or, headed by «%» alone, to the count on its left. A share is of the base counts.py
gives it (registered teachers of all teachers, active and writing teachers of the registered…);
it is checked against the counts (over 1 point apart: a warning naming the row and the column)
and gives the count when the count's cell is empty and the base is there.

The unit is ``org_id`` (``--org``), else the organisation a title row above the headings names.
Rows are stored per unit and week in ``unit_week_stats`` (a file imported twice leaves the same
state); the reports take them for that unit and week (unit_weeks.py). A cell that is not a
number skips its row with an error naming the row and the column; nothing in the file crashes
the import. The organisation-per-row layout stays with importer.py; ``is_weekly`` tells them
apart by the headings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any, TypeVar

from core.clock import Clock
from core.storage import Database

from .counts import SHARES
from .importer import (
    HEADER_SCAN,
    ImportFailed,
    _Bad,
    _cell,
    _count,
    _day,
    _header_words,
    _normalise,
    classify,
    data_rows,
    describe_failure,
    read_cells,
)
from .texts import T, pct
from .unit_weeks import UNIT_FIELDS
from .units import load_tree
from .weeks import Week

# count field -> the count its share is of (counts.SHARES, for the fields the sheet carries).
BASES: dict[str, str] = {
    part: whole for part, whole in SHARES.values() if part in UNIT_FIELDS and whole in UNIT_FIELDS
}
_Value = TypeVar("_Value")
TOLERANCE = 1.0  # percentage points between a «%» cell and its counts before a warning
WEEK_WORDS = (" неделя ", " период ", " дата ", " начало недели ")
PERCENT_WORDS = ("%", " доля ", " доли ", "процент")


@dataclass(frozen=True)
class Problem:
    """A cell or row of the file; rendered by templates/weekly_problem.j2. ``error``: the row
    was skipped; otherwise a warning and the row was stored."""

    code: str
    row: int
    column: str = ""
    value: str = ""
    expected: str = ""
    error: bool = False


@dataclass
class WeeklyResult:
    source: str
    unit: str = ""
    org_id: int = 0
    rows: int = 0
    weeks: list[str] = field(default_factory=list)
    derived: int = 0  # counts computed from a «%» cell and its base
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# --- headings ---------------------------------------------------------------------------------
def classify_weekly(heading: Any) -> str | None:
    """The count field a heading names, ``week``, or None. Percentage headings: use
    ``percent_of``."""
    words = _header_words(heading)
    if any(w in words for w in WEEK_WORDS):
        return "week"
    named = classify(heading)
    if named in UNIT_FIELDS:
        return named
    if "сообщ" in words:
        if " 10 " in words:
            return "writers10"
        if " 3 " in words:
            return "writers3"
        return None
    if "чат" in words and "созд" in words:
        return "chat_creators"
    if "звон" in words:
        return "callers"
    if " оо " in words or "школ" in words or "организац" in words:
        if "подключ" in words:
            return "schools_connected"
        if "всего" in words or "количество" in words or "число" in words:
            return "schools"
    return None


def is_percent(heading: Any) -> bool:
    words = _header_words(heading)
    return any(w in words for w in PERCENT_WORDS)


def percent_of(heading: Any) -> str | None:
    """The count a «%» heading names («% педагогов в Сферуме»), None for a bare «%»."""
    text = re.sub(r"%|доля|доли|процент\w*", " ", str(heading or ""), flags=re.IGNORECASE)
    named = classify_weekly(text) if text.strip(" ,.()") else None
    return named if named in UNIT_FIELDS else None


@dataclass(frozen=True)
class WeeklyLayout:
    header_row: int  # 0-based
    week: int
    counts: dict[str, int]  # field -> column
    percents: dict[str, int]  # field -> column of its share
    headings: dict[int, str]  # column -> heading as written
    ignored: list[str]


def find_weekly_layout(cells: list[list[Any]]) -> WeeklyLayout | None:
    """The header row of the weekly layout: a week column and at least two counts, and no
    organisation column (that is importer.py's layout)."""
    for index, row in enumerate(cells[:HEADER_SCAN]):
        week: int | None = None
        counts: dict[str, int] = {}
        percents: dict[str, int] = {}
        headings: dict[int, str] = {}
        ignored: list[str] = []
        organisation = False
        last_count: str | None = None
        for position, heading in enumerate(row):
            if heading is None or str(heading).strip() == "":
                continue
            shown = str(heading).strip()
            headings[position] = shown
            if is_percent(heading):
                target = percent_of(heading) or last_count
                if target is not None and target not in percents and target in BASES:
                    percents[target] = position
                else:
                    ignored.append(shown)
                continue
            name = classify_weekly(heading)
            if name is None and classify(heading) == "organisation":
                organisation = True
            if name == "week" and week is None:
                week = position
            elif name is not None and name != "week" and name not in counts:
                counts[name] = position
                last_count = name
            else:
                ignored.append(shown)
        if week is not None and len(counts) >= 2 and not organisation:
            return WeeklyLayout(index, week, counts, percents, headings, ignored)
    return None


def weekly_cells(data: bytes, name: str) -> list[list[Any]]:
    return read_cells(data, name, percents=True)


def is_weekly(data: bytes, name: str) -> bool:
    """Whether the file is in the weekly layout (else: importer.py's organisation rows)."""
    try:
        return find_weekly_layout(weekly_cells(data, name)) is not None
    except ImportFailed:
        return False


# --- values -----------------------------------------------------------------------------------
def _percent(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Bad()
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).replace("\u00a0", "").replace(" ", "").rstrip("%").strip()
        if text in ("", "-", "—", "–"):
            return None
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise _Bad() from None
    if not 0 <= number <= 100:
        raise _Bad()
    return number


def _shown(value: Any) -> str:
    return str(value).strip()[:40]


def _read_columns(
    row: list[Any],
    columns: dict[str, int],
    parse: Callable[[Any], _Value | None],
    code: str,
    line: int,
    headings: dict[int, str],
    problems: list[Problem],
) -> dict[str, _Value | None]:
    """The cells of ``columns`` (field -> column) as ``parse`` reads them; a cell it cannot read
    is a problem ``code`` that skips the row, and its field is left out."""
    found: dict[str, _Value | None] = {}
    for name, position in columns.items():
        raw = _cell(row, position)
        try:
            found[name] = parse(raw)
        except _Bad:
            problems.append(Problem(code, line, headings[position], _shown(raw), error=True))
    return found


@dataclass
class _Week:
    line: int
    day: date
    values: dict[str, int]


def _parse(cells: list[list[Any]], layout: WeeklyLayout, result: WeeklyResult) -> list[_Week]:
    found: list[_Week] = []
    heading = layout.headings
    for line, row in data_rows(cells, layout.header_row):
        raw_week = _cell(row, layout.week)
        if raw_week is None or not str(raw_week).strip():
            continue  # a note or a total under the table
        problems: list[Problem] = []
        try:
            day = _day(raw_week)
        except _Bad:
            if any(w in _normalise(raw_week) for w in ("итого", "всего", "среднее")):
                continue
            day = None
            problems.append(
                Problem("not_a_date", line, heading[layout.week], _shown(raw_week), error=True)
            )
        values = _read_columns(row, layout.counts, _count, "not_a_number", line, heading, problems)
        shares = _read_columns(
            row, layout.percents, _percent, "not_a_percent", line, heading, problems
        )
        result.problems.extend(problems)
        if problems or day is None:
            continue
        # Derive missing counts (bases first: teachers → registered → active…).
        for name in sorted(shares, key=lambda n: _depth(n)):
            share, base = shares[name], values.get(BASES[name])
            if values.get(name) is None and share is not None and base is not None:
                values[name] = round(share * base / 100)
                result.derived += 1
            elif values.get(name) is None and share is not None:
                result.problems.append(
                    Problem("no_base", line, heading[layout.percents[name]], pct(share))
                )
        for name, share in shares.items():
            part, base = values.get(name), values.get(BASES[name])
            if share is None or part is None or not base:
                continue
            computed = 100.0 * part / base
            if abs(computed - share) > TOLERANCE:
                result.problems.append(
                    Problem(
                        "percent_mismatch",
                        line,
                        heading[layout.percents[name]],
                        pct(share),
                        pct(computed),
                    )
                )
        for name, base_name in BASES.items():
            part, base = values.get(name), values.get(base_name)
            if part is not None and base is not None and part > base:
                position = layout.counts.get(name, layout.percents.get(name, layout.week))
                result.problems.append(
                    Problem("more_than_total", line, heading[position], f"{part} > {base}")
                )
        found.append(_Week(line, day, {k: v for k, v in values.items() if v is not None}))
    return found


def _depth(name: str) -> int:
    depth = 0
    while name in BASES and depth < 8:
        name = BASES[name]
        depth += 1
    return depth


# --- the unit ---------------------------------------------------------------------------------
async def _unit_from_title(db: Database, cells: list[list[Any]], header_row: int) -> int:
    texts = [
        _normalise(cell)
        for row in cells[:header_row]
        for cell in row
        if cell is not None and str(cell).strip()
    ]
    if not texts:
        raise ImportFailed("weekly_no_unit", name="")
    orgs = await db.fetchall("SELECT id, name FROM organisations ORDER BY id")
    best: list[tuple[int, int, str]] = []  # (length of the name, id, name)
    for org in orgs:
        name = _normalise(org["name"])
        if not name:
            continue
        pattern = re.compile(r"(?<![0-9a-zа-я])" + re.escape(name) + r"(?![0-9a-zа-я])")
        if any(text == name or pattern.search(text) for text in texts):
            best.append((len(name), int(org["id"]), str(org["name"])))
    if not best:
        raise ImportFailed("weekly_no_unit", name=" ".join(texts)[:80])
    longest = max(length for length, _, _ in best)
    chosen = [b for b in best if b[0] == longest]
    if len({_normalise(name) for _, _, name in chosen}) == 1 and len(chosen) > 1:
        raise ImportFailed("weekly_ambiguous_unit", name=chosen[0][2])
    return chosen[0][1]


_COLUMNS = ", ".join(UNIT_FIELDS)


class WeeklyImporter:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def import_bytes(
        self, data: bytes, source: str, *, org_id: int | None = None
    ) -> WeeklyResult:
        if not data.strip():
            raise ImportFailed("empty")
        cells = weekly_cells(data, source)
        layout = find_weekly_layout(cells)
        if layout is None:
            raise ImportFailed("weekly_no_header")
        if org_id is None:
            org_id = await _unit_from_title(self.db, cells, layout.header_row)
        tree = await load_tree(self.db, org_id)
        if tree is None or org_id not in tree:
            raise ImportFailed("weekly_no_org", name=str(org_id))
        unit = tree.unit(org_id)
        zone = tree.timezone(org_id)
        result = WeeklyResult(source=source, unit=unit.name, org_id=org_id)
        result.ignored_columns = layout.ignored
        weeks: dict[str, _Week] = {}
        for parsed in _parse(cells, layout, result):
            key = Week.of_day(parsed.day, zone).key
            if key in weeks:
                heading = layout.headings[layout.week]
                result.problems.append(Problem("duplicate", parsed.line, heading, key))
            weeks[key] = parsed
        now = self.clock.now().astimezone(UTC).isoformat()
        marks = ", ".join("?" * (len(UNIT_FIELDS) + 4))
        async with self.db.transaction() as tx:
            await tx.executemany(
                # A file replaces the row of its unit and week whole (INSERT OR REPLACE).
                tx.dialect.upsert(
                    f"INTO unit_week_stats (week, org_id, {_COLUMNS}, source, "
                    f"imported_at) VALUES ({marks})",
                    ("week", "org_id"),
                    (*UNIT_FIELDS, "source", "imported_at"),
                ),
                [
                    (key, org_id, *(row.values.get(name) for name in UNIT_FIELDS), source, now)
                    for key, row in weeks.items()
                ],
            )
        result.rows = len(weeks)
        result.weeks = sorted(weeks)
        return result


# --- describing -------------------------------------------------------------------------------
def describe_weekly_problem(problem: Problem) -> str:
    return T.render("weekly_problem.j2", p=problem)


def describe_weekly(result: WeeklyResult) -> str:
    return T.render(
        "weekly_import_result.j2",
        r=result,
        problems=[describe_weekly_problem(p) for p in result.problems],
    )


def describe_weekly_failure(failure: ImportFailed) -> str:
    if not failure.code.startswith("weekly_"):
        return describe_failure(failure)
    values = {"name": "", **failure.details}
    return T.render("weekly_import_failed.j2", code=failure.code, **values)
