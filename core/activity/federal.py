"""The federal level: every region ranked by its share of active teachers and active students,
as the federal «Моя школа 2025» table shows them, with the change from the week before.

Definitions are the regional reports' own (counts.py): % active teachers is teachers_active of
teachers_registered, % active students students_active of students_registered; a school's
numbers are computed from roles and the weekly counters, imported platform statistics override
them column by column, a stored snapshot of a finished week is taken as it is, and a region's own
imported weekly sheet (unit_weeks.py) overrides the sums of its schools. A region's week is the
same Monday in the region's own zone, so its row matches its regional report of that week.

A week that has ended in a region is read from the per-school snapshots the regional reports
keep (``monitoring_school_weeks``, metrics.py): the schools a snapshot lacks are computed by
metrics.py's own code and stored, so the regional pages and this one share the rows and one rule
drops them (events or an import arriving for the week). A job stores every region's week just
after it has ended (federal_snapshots.py, Monday 01:15 Moscow), so a page load reads stored rows
only. A week still running somewhere is computed live for those regions in a handful of
statements gathered on the database's readers (staff, students, imported rows), both weeks in
each pass. Rows are summed per region in one loop over plain rows; no per-region or per-school
report is built. bench/federal.py measures it on 85 regions and 40,000 schools.

The federal week is named by its Monday, like every monitoring week; "now" is read in Moscow time
(the federal reporting zone). The default week is the last one finished everywhere.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from core.clock import Clock
from core.storage import Database

from . import unit_weeks
from .counts import Counts, percent
from .metrics import Monitoring
from .report import Trend, trend
from .weeks import Week

FEDERAL_ZONE = "Europe/Moscow"
MAX_WEEKS_BACK = 104

# What a school contributes to the ranking (and its country total), in the order of the
# values each pass returns per week: four of the staff pass, then four of the students pass.
FIELDS: tuple[str, ...] = (
    "teachers",
    "teachers_registered",
    "teachers_active",
    "teachers_writing",
    "students",
    "students_registered",
    "students_active",
    "students_writing",
)
WRITING_FIELDS: tuple[str, ...] = ("teachers_writing", "students_writing")
_COUNTS = {f.name for f in fields(Counts)}


class Basis(StrEnum):
    """What "active" means in the ranking: any recorded activity (the regional reports'
    definition), or having written messages (``teachers_writing`` / ``students_writing``)."""

    ACTIVE = "active"
    MESSAGES = "messages"


def messages_basis_available() -> bool:
    """The "messages" basis needs the writing counts of Counts (issue 19, part M1)."""
    return all(name in _COUNTS for name in WRITING_FIELDS)


def _active_fields(basis: Basis) -> tuple[str, str]:
    if basis == Basis.MESSAGES:
        return WRITING_FIELDS[0], WRITING_FIELDS[1]
    return "teachers_active", "students_active"


# Both weeks in one pass: a role in force at the end of a week counts for that week, as in
# metrics.py (granted before the end, not revoked by then). A region's week ends at its own local
# midnight; all of them lie between ?2 and ?3 (this week) and ?4 and ?5 (the week before), so only
# a role granted or revoked within those few hours needs its region's end (?1, one JSON row per
# region), looked up then and only then. Only teaching staff matter here; several role rows of
# one teacher at a school (teacher and class teacher) count once: hence the grouping by (school,
# person). Organisations other than schools are dropped by the caller.
_END_NOW = (
    "(SELECT b.value ->> 1 FROM organisations o JOIN json_each(?1) b "
    "ON b.value ->> 0 = o.region_code WHERE o.id = r.org_id)"
)
# PostgreSQL has no json_each over an array; json_array_elements names its column ``value`` too.
_END_NOW_PG = _END_NOW.replace("json_each(?1)", "json_array_elements(?1::json)")


def _before(column: str, low: str, high: str, end: str, yes: str = "1", no: str = "0") -> str:
    """``column`` < the region's end, looking the end up only between ``low`` and ``high`` (a
    CASE, not OR: SQLite computes both sides of an OR outside a WHERE clause). ``yes``/``no``:
    SQLite's 0/1, or PostgreSQL's booleans (a CASE may not mix them there)."""
    return (
        f"(CASE WHEN {column} < {low} THEN {yes} WHEN {column} >= {high} THEN {no} "
        f"ELSE {column} < {end} END)"
    )


def _in_force(low: str, high: str, end: str, yes: str = "1", no: str = "0") -> str:
    # Not revoked by the end (NULL would fall through to the lookup: tested first).
    revoked_before = _before("r.revoked_at", low, high, end, yes, no)
    return f"(CASE WHEN r.revoked_at IS NULL THEN {yes} ELSE NOT {revoked_before} END)"


def _staff_sql(postgresql: bool) -> str:
    """The pass over teaching staff. SQLite's flags are 0/1 (max and sum of them); PostgreSQL's
    are booleans, so the same logic (NULLs included) reads bool_or and sums their casts."""
    if postgresql:
        yes, no, end_now, any_of = "true", "false", _END_NOW_PG, "bool_or"

        def total(flag: str) -> str:
            return f"sum(({flag})::int)"
    else:
        yes, no, end_now, any_of = "1", "0", _END_NOW, "max"

        def total(flag: str) -> str:
            return f"sum({flag})"

    end_before = end_now.replace("->> 1", "->> 2")
    registered = "p.vk_user_id IS NOT NULL"
    sums = ",\n       ".join(
        total(flag)
        for flag in (
            "m.now_in",
            f"m.now_in AND {registered}",
            f"m.now_in AND {registered} AND coalesce(a.events, 0) > 0",
            f"m.now_in AND {registered} AND coalesce(a.messages, 0) > 0",
            "m.before_in",
            f"m.before_in AND {registered}",
            f"m.before_in AND {registered} AND coalesce(b.events, 0) > 0",
            f"m.before_in AND {registered} AND coalesce(b.messages, 0) > 0",
        )
    )
    return f"""
WITH members AS (
    SELECT r.org_id, r.person_id,
           {any_of}({_in_force("?2", "?3", end_now, yes, no)}) AS now_in,
           {any_of}({_before("r.granted_at", "?4", "?5", end_before, yes, no)}
               AND {_in_force("?4", "?5", end_before, yes, no)}) AS before_in
    FROM roles r
    WHERE r.role = 'staff' AND r.position IN ('teacher', 'class_teacher')
      AND {_before("r.granted_at", "?2", "?3", end_now, yes, no)}
    GROUP BY r.org_id, r.person_id
)
SELECT m.org_id,
       {sums}
FROM members m
JOIN persons p ON p.id = m.person_id
LEFT JOIN activity_weekly a ON a.week = ?6 AND a.person_id = m.person_id
LEFT JOIN activity_weekly b ON b.week = ?7 AND b.person_id = m.person_id
GROUP BY m.org_id
"""


def _students_sql(staff: str) -> str:
    # Students outnumber teachers several times: their pass is split in two halves of the
    # schools (?8: 0 or 1), run side by side on two readers.
    students = staff.replace(
        "r.role = 'staff' AND r.position IN ('teacher', 'class_teacher')",
        "r.role = 'student' AND r.org_id % 2 = ?8",
    )
    assert students != staff
    return students


# Per dialect name: (staff, students).
_PASSES = {
    name: (_staff_sql(pg), _students_sql(_staff_sql(pg)))
    for name, pg in (("sqlite", False), ("postgresql", True))
}
# Imported statistics and stored snapshots of both weeks, for the schools that have them.
_IMPORTED = (
    "SELECT week, org_id, " + ", ".join(FIELDS) + " FROM monitoring_platform_stats "
    "WHERE week IN (?, ?)"
)
_STORED = (
    "SELECT week, org_id, " + ", ".join(FIELDS) + " FROM monitoring_school_weeks "
    "WHERE week IN (?, ?)"
)
_REGIONS = (
    "SELECT id, name, region_code, timezone FROM organisations o WHERE kind = 'region' "
    "AND id = (SELECT min(id) FROM organisations x "
    "WHERE x.kind = 'region' AND x.region_code = o.region_code)"
)
_SCHOOLS = "SELECT id, region_code FROM organisations WHERE kind = 'school'"


@dataclass(frozen=True, slots=True)
class RegionRow:
    """One region in the ranking: its counts this week and the week before, and its place
    (competition ranking: equal shares share a place, 1, 2, 2, 4)."""

    org_id: int
    code: str
    name: str
    timezone: str
    current: Counts
    previous: Counts
    basis: Basis
    rank: int = 0

    def teachers(self, counts: Counts | None = None) -> float | None:
        c = self.current if counts is None else counts
        return percent(getattr(c, _active_fields(self.basis)[0]), c.teachers_registered)

    def students(self, counts: Counts | None = None) -> float | None:
        c = self.current if counts is None else counts
        return percent(getattr(c, _active_fields(self.basis)[1]), c.students_registered)

    @property
    def teachers_trend(self) -> Trend:
        return trend(self.teachers(), self.teachers(self.previous))

    @property
    def students_trend(self) -> Trend:
        return trend(self.students(), self.students(self.previous))

    @property
    def teachers_active(self) -> int:
        value: int = getattr(self.current, _active_fields(self.basis)[0])
        return value

    @property
    def students_active(self) -> int:
        value: int = getattr(self.current, _active_fields(self.basis)[1])
        return value

    @property
    def has_data(self) -> bool:
        return self.current.teachers_registered > 0 or self.current.students_registered > 0


@dataclass(frozen=True)
class FederalRanking:
    monday: date
    current_monday: date  # the week running now (Moscow)
    finished: bool  # the week has ended in every region
    basis: Basis
    rows: list[RegionRow]
    total: RegionRow  # the country: sums over the regions, shares of the sums

    @property
    def key(self) -> str:
        return self.monday.isoformat()

    @property
    def week(self) -> Week:
        return Week(self.monday, FEDERAL_ZONE)


def current_monday(now: datetime) -> date:
    return Week.containing(now, FEDERAL_ZONE).monday


def last_finished_monday(now: datetime) -> date:
    """The latest week that has ended in every zone of the country (the westernmost,
    Kaliningrad, ends last)."""
    monday = current_monday(now)
    while Week(monday, "Europe/Kaliningrad").end > now:
        monday -= timedelta(days=7)
    return monday


def _sort_key(row: RegionRow) -> tuple[float, float, str, str]:
    # No value (nobody registered) sorts below 0 %.
    teachers, students = row.teachers(), row.students()
    return (
        -round(-1.0 if teachers is None else teachers, 9),
        -round(-1.0 if students is None else students, 9),
        row.name.casefold(),
        row.code,
    )


def rank(rows: list[RegionRow]) -> list[RegionRow]:
    ordered = sorted(rows, key=_sort_key)
    ranked: list[RegionRow] = []
    for position, row in enumerate(ordered, start=1):
        place = position
        if ranked and _sort_key(ranked[-1])[:2] == _sort_key(row)[:2]:
            place = ranked[-1].rank
        ranked.append(replace(row, rank=place))
    return ranked


def _counts(values: dict[str, int]) -> Counts:
    return Counts(**{name: value for name, value in values.items() if name in _COUNTS})


class FederalMonitoring:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def default_monday(self) -> date:
        return last_finished_monday(self.clock.now())

    def choose_monday(self, text: str | None) -> date:
        """The Monday of the week ``text`` names (any of its days, or 2026-W48), kept between
        two years back and the current week; the default week for nothing or nonsense."""
        now = self.clock.now()
        current = current_monday(now)
        if not text:
            return self.default_monday()
        try:
            monday = Week.parse(text, FEDERAL_ZONE).monday
        except ValueError:
            return self.default_monday()
        if monday > current or monday < current - timedelta(days=7 * MAX_WEEKS_BACK):
            return self.default_monday()
        return monday

    async def ranking(
        self, monday: date | None = None, basis: Basis = Basis.ACTIVE
    ) -> FederalRanking:
        if basis == Basis.MESSAGES and not messages_basis_available():
            basis = Basis.ACTIVE
        now = self.clock.now()
        monday = monday or self.default_monday()
        week_key = monday.isoformat()
        before_key = (monday - timedelta(days=7)).isoformat()
        regions: list[_Region] = await self.db.fetchrows(_REGIONS)
        mondays = (monday, monday - timedelta(days=7))
        # Per week: the regions where it is still running (computed live there).
        running = tuple(
            {str(code) for _id, _name, code, zone in regions if not Week(m, zone).closed(now)}
            for m in mondays
        )
        if any(running):
            (region_of, per_school, _computed), live = await asyncio.gather(
                self._finished_weeks(regions, monday), self._live_weeks(regions, monday)
            )
            # Only where the week is still running: elsewhere the snapshot stands (the same
            # numbers, and what the region's reports show).
            for index in (0, 1):
                for org_id, values in live[index].items():
                    if region_of.get(org_id) in running[index]:
                        per_school[index][org_id] = values
        else:
            region_of, per_school, _computed = await self._finished_weeks(regions, monday)
        by_week = _sums(region_of, per_school)
        units_now, units_before = await asyncio.gather(
            unit_weeks.load(self.db, week_key), unit_weeks.load(self.db, before_key)
        )
        rows: list[RegionRow] = []
        for org_id, name, code, zone in regions:
            now_values = by_week[0].get(code, {})
            before_values = by_week[1].get(code, {})
            # A region's own weekly sheet wins over its schools' sums (as in its report).
            current = _override(org_id, units_now, week_key, _counts(now_values))
            previous = _override(org_id, units_before, before_key, _counts(before_values))
            rows.append(
                RegionRow(int(org_id), str(code), str(name), str(zone), current, previous, basis)
            )
        total_now, total_before = Counts(), Counts()
        for row in rows:
            total_now, total_before = total_now + row.current, total_before + row.previous
        total = RegionRow(0, "", "", FEDERAL_ZONE, total_now, total_before, basis)
        finished = bool(regions) and not running[0]
        return FederalRanking(monday, current_monday(now), finished, basis, rank(rows), total)

    async def store_snapshots(self, monday: date | None = None) -> int:
        """Store what the ranking of ``monday`` (the last finished week by default) reads from
        snapshots and does not find there: the school rows of that week and of the week before,
        in every region where the week has ended. Returns how many school-weeks were computed:
        0 when everything was stored already (the Monday job calls it; federal_snapshots.py)."""
        regions: list[_Region] = await self.db.fetchrows(_REGIONS)
        _region_of, _rows, computed = await self._finished_weeks(
            regions, monday or self.default_monday()
        )
        return computed

    async def _finished_weeks(
        self, regions: list[_Region], monday: date
    ) -> tuple[dict[int, str], _PerSchool, int]:
        """The schools' region codes, and per week (``monday``'s, the one before) the values of
        every school whose region has finished that week: its stored snapshot, or computed and
        stored now through the regional reports' own code (metrics.py), so both read the same
        rows. Also how many school-weeks were computed."""
        now = self.clock.now()
        mondays = (monday, monday - timedelta(days=7))
        keys = tuple(m.isoformat() for m in mondays)
        zones = {str(code): str(zone) for _id, _name, code, zone in regions}
        ended = tuple(
            {code for code, zone in zones.items() if Week(m, zone).closed(now)} for m in mondays
        )
        stored, schools = await asyncio.gather(
            self.db.fetchrows(_STORED, keys), self.db.fetchrows(_SCHOOLS)
        )
        region_of: dict[int, str] = {int(org_id): str(code) for org_id, code in schools}
        per_school: _PerSchool = ({}, {})
        for week_id, org_id, *values in stored:
            index = keys.index(week_id)
            if region_of.get(org_id) in ended[index]:
                per_school[index][org_id] = [int(v or 0) for v in values]
        # The missing ones, grouped by the moment their week ended (zones that end a week at the
        # same moment share one computation: only the end and the key matter to metrics.py).
        missing: dict[tuple[int, datetime], tuple[Week, list[int]]] = {}
        for org_id, code in region_of.items():
            for index in (0, 1):
                if code in ended[index] and org_id not in per_school[index]:
                    week = Week(mondays[index], zones[code])
                    missing.setdefault((index, week.end), (week, []))[1].append(org_id)
        if not missing:
            return region_of, per_school, 0
        monitoring = Monitoring(self.db, self.clock)
        groups = list(missing.items())
        computed = await asyncio.gather(
            *(monitoring.store_snapshots(org_ids, week) for _key, (week, org_ids) in groups)
        )
        for ((index, _end), _group), rows in zip(groups, computed, strict=True):
            for org_id, row in rows.items():
                per_school[index][org_id] = [int(getattr(row, name)) for name in FIELDS]
        return region_of, per_school, sum(len(rows) for rows in computed)

    async def _live_weeks(self, regions: list[_Region], monday: date) -> _PerSchool:
        """Per week (``monday``'s, the one before), every school's values computed from roles and
        counters with the platform's imports over them, no snapshots read or written (the
        ranking takes these where a week is still running)."""
        week_key, before_key = monday.isoformat(), (monday - timedelta(days=7)).isoformat()
        bounds = []
        for _id, _name, code, zone in regions:
            week = Week(monday, zone)
            bounds.append([code, week.end.isoformat(), week.start.isoformat()])
        now_ends = [b[1] for b in bounds] or [""]
        before_ends = [b[2] for b in bounds] or [""]
        params = (
            json.dumps(bounds),
            min(now_ends),
            max(now_ends),
            min(before_ends),
            max(before_ends),
            week_key,
            before_key,
        )
        staff_sql, students_sql = _PASSES[self.db.dialect.name]
        staff, even, odd, imported = await asyncio.gather(
            self.db.fetchrows(staff_sql, params),
            self.db.fetchrows(students_sql, (*params, 0)),
            self.db.fetchrows(students_sql, (*params, 1)),
            self.db.fetchrows(_IMPORTED, (week_key, before_key)),
        )
        weeks = (week_key, before_key)
        width = len(FIELDS)
        # Per week: school -> its values in FIELDS order.
        computed: _PerSchool = ({}, {})
        for people, offset in ((staff, 0), (even + odd, 4)):
            for org_id, *values in people:
                for index in (0, 1):
                    school = computed[index].setdefault(org_id, [0] * width)
                    school[offset : offset + 4] = [
                        int(v) for v in values[4 * index : 4 * index + 4]
                    ]
        # The platform's statistics over ours, column by column (NULL: not in the file).
        for week_id, org_id, *values in imported:
            school = computed[weeks.index(week_id)].setdefault(org_id, [0] * width)
            for position, value in enumerate(values):
                if value is not None:
                    school[position] = int(value)
        return computed


_Region = tuple[Any, ...]  # id, name, region_code, timezone
# Per week (this one, the one before): school -> its values in FIELDS order.
_PerSchool = tuple[dict[int, list[int]], dict[int, list[int]]]


def _sums(
    region_of: dict[int, str], per_school: _PerSchool
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Per week and region code: the sums of its schools (organisations that are not schools
    are dropped)."""
    width = len(FIELDS)
    result: tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]] = ({}, {})
    for index in (0, 1):
        sums: dict[str, list[int]] = {}
        for org_id, values in per_school[index].items():
            code = region_of.get(org_id)
            if code is None:  # not a school
                continue
            total = sums.setdefault(code, [0] * width)
            for position in range(width):
                total[position] += values[position]
        result[index].update(
            {code: dict(zip(FIELDS, total, strict=True)) for code, total in sums.items()}
        )
    return result


def _override(
    org_id: int, units: dict[int, dict[str, int]], week_key: str, counts: Counts
) -> Counts:
    return unit_weeks.override(org_id, unit_weeks.WeekRows({}, week_key, units), counts)


def ranking_rows(ranking: FederalRanking) -> list[dict[str, Any]]:
    """Plain rows for an export: place, region, code, the two shares and their changes."""
    out: list[dict[str, Any]] = []
    for row in [*ranking.rows, ranking.total]:
        out.append(
            {
                "rank": row.rank or None,
                "name": row.name,
                "code": row.code,
                "teachers_registered": row.current.teachers_registered,
                "teachers_active": row.teachers_active,
                "teachers_pct": row.teachers(),
                "teachers_change": row.teachers_trend.delta,
                "students_registered": row.current.students_registered,
                "students_active": row.students_active,
                "students_pct": row.students(),
                "students_change": row.students_trend.delta,
            }
        )
    return out


__all__ = [
    "Basis",
    "FederalMonitoring",
    "FederalRanking",
    "RegionRow",
    "current_monday",
    "last_finished_monday",
    "messages_basis_available",
    "rank",
    "ranking_rows",
]
