"""Weekly metrics per school, computed from recorded activity and imported platform statistics.

Per school and week two SQL statements (staff, students) join the roles in force at the end of
the week with the weekly counters (``activity_weekly``, one row per active person) and the chat
creators; the definitions are in counts.py. Municipalities and the region are sums over their
schools.

Imported statistics (``monitoring_platform_stats``) override the computed values column by column
for the schools and weeks they cover: the platform sees all activity in Сферум, the bots only what
passes through them. A column the file did not have keeps the computed value.

A finished week is computed once and kept in ``monitoring_school_weeks`` (a snapshot: later role
changes do not rewrite history, and a report over many weeks reads stored rows). The snapshot of a
week is dropped when events or an import arrive for it. The current week is always computed live.
The federal ranking (federal.py) reads and writes the same snapshots, through ``store_snapshots``,
and a Monday job (federal_snapshots.py) stores every region's week as soon as it has ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC
from typing import Any

from core.clock import Clock
from core.people import OrgKind
from core.storage import Database

from . import unit_weeks
from .counts import SCHOOL_FIELDS, Counts, SchoolWeek
from .texts import T
from .units import OrgTree, load_tree
from .weeks import Week


class MonitoringError(LookupError):
    pass


# Staff and students are counted apart: a staff member often holds several role rows in one
# school (teacher, class teacher, admin) and must be counted once, which costs a grouping pass;
# students have one row per school, and a DISTINCT count is enough. Together they take about
# half the time of one grouped pass over everybody (bench/monitoring.py). Flags are 0/1 integers
# summed through CASE (PostgreSQL sums no booleans); {in_list} is the engine's IN-list.
_STAFF = """
WITH members AS (
    SELECT r.org_id, r.person_id,
           max(CASE WHEN r.position IN ('teacher', 'class_teacher') THEN 1 ELSE 0 END)
               AS teacher,
           max(CASE WHEN p.vk_user_id IS NOT NULL THEN 1 ELSE 0 END) AS registered
    FROM roles r JOIN persons p ON p.id = r.person_id
    WHERE r.role = 'staff' AND r.org_id {in_list}
      AND r.granted_at < ? AND (r.revoked_at IS NULL OR r.revoked_at >= ?)
    GROUP BY r.org_id, r.person_id
),
creators AS (
    -- Grouped, so that the plan walks the small partial index activity_weekly_creators: with
    -- ``week <= ?`` in a WHERE it walked the primary key over every counter row up to the week.
    SELECT person_id FROM activity_weekly WHERE chats_created > 0
    GROUP BY person_id HAVING min(week) <= ?
    UNION
    SELECT created_by FROM chats WHERE created_by IS NOT NULL
)
SELECT m.org_id,
       coalesce(sum(m.registered), 0),
       coalesce(sum(m.teacher), 0),
       coalesce(sum(m.teacher * m.registered), 0),
       coalesce(sum(CASE WHEN m.teacher * m.registered = 1 AND a.events > 0 THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN m.teacher * m.registered = 1 AND a.messages > 0
                         THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN m.teacher * m.registered = 1 AND c.person_id IS NOT NULL
                         THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN m.teacher * m.registered = 1 AND a.chat_messages >= 3
                         THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN m.teacher * m.registered = 1 AND a.chat_messages >= 10
                         THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN m.teacher * m.registered = 1 AND a.calls > 0 THEN 1 ELSE 0 END), 0)
FROM members m
LEFT JOIN activity_weekly a ON a.week = ? AND a.person_id = m.person_id
LEFT JOIN creators c ON c.person_id = m.person_id
GROUP BY m.org_id
"""
_STUDENTS = """
SELECT r.org_id,
       count(DISTINCT r.person_id),
       count(DISTINCT CASE WHEN p.vk_user_id IS NOT NULL THEN r.person_id END),
       count(DISTINCT CASE WHEN p.vk_user_id IS NOT NULL AND a.events > 0 THEN r.person_id END),
       count(DISTINCT CASE WHEN p.vk_user_id IS NOT NULL AND a.messages > 0 THEN r.person_id END)
FROM roles r JOIN persons p ON p.id = r.person_id
LEFT JOIN activity_weekly a ON a.week = ? AND a.person_id = r.person_id
WHERE r.role = 'student' AND r.org_id {in_list}
  AND r.granted_at < ? AND (r.revoked_at IS NULL OR r.revoked_at >= ?)
GROUP BY r.org_id
"""
# The result columns of _STAFF (after org_id and registered staff) and of _STUDENTS, in order.
STAFF_FIELDS = tuple(name for name in SCHOOL_FIELDS if not name.startswith("students"))
STUDENT_FIELDS = tuple(name for name in SCHOOL_FIELDS if name.startswith("students"))

_SNAPSHOT_COLUMNS = (
    "week, org_id, has_groups, staff_registered, connected, "
    + ", ".join(SCHOOL_FIELDS)
    + ", source, computed_at"
)
# Every column but the key: a stored snapshot is replaced whole (SQLite's INSERT OR REPLACE).
_SNAPSHOT_UPDATE = tuple(
    name.strip() for name in _SNAPSHOT_COLUMNS.split(",") if name.strip() not in ("week", "org_id")
)


class Monitoring:
    """Reads the weekly metrics; ``report.py`` turns them into tables and summaries."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        # Schools already computed by this instance, per week: a page asks for the same week
        # more than once (its report and its table). Create one Monitoring per request.
        self._seen: dict[str, dict[int, SchoolWeek]] = {}
        self._units: dict[str, dict[int, dict[str, int]]] = {}

    async def tree(self, org_id: int) -> OrgTree:
        tree = await load_tree(self.db, org_id)
        if tree is None or org_id not in tree:
            raise MonitoringError(T.render("monitoring_error.j2", kind="no_org", org_id=org_id))
        return tree

    def current_week(self, tree: OrgTree, org_id: int) -> Week:
        return Week.containing(self.clock.now(), tree.timezone(org_id))

    # --- per school ---------------------------------------------------------------------------
    async def school_weeks(self, tree: OrgTree, root_id: int, week: Week) -> dict[int, SchoolWeek]:
        """Every school under ``root_id`` in ``week`` (snapshots for finished weeks), with the
        units' imported weekly figures attached for ``unit_counts`` (unit_weeks.py)."""
        if week.key not in self._units:
            self._units[week.key] = await unit_weeks.load(self.db, week.key)
        rows = await self._schools_of(tree, root_id, week)
        return unit_weeks.WeekRows(rows, week.key, self._units[week.key])

    async def _schools_of(self, tree: OrgTree, root_id: int, week: Week) -> dict[int, SchoolWeek]:
        schools = tree.schools(root_id)
        if not schools:
            return {}
        seen = self._seen.setdefault(week.key, {})
        if all(school in seen for school in schools):
            return {school: seen[school] for school in schools}
        rows = await self._school_weeks(schools, week)
        seen.update(rows)
        return rows

    async def _school_weeks(self, schools: list[int], week: Week) -> dict[int, SchoolWeek]:
        if not week.closed(self.clock.now()):
            return await self._merge_imports(await self._compute(schools, week), week)
        stored = await self._snapshot(schools, week)
        missing = [school for school in schools if school not in stored]
        if missing:
            stored.update(await self.store_snapshots(missing, week))
        return {school: stored[school] for school in schools}

    async def store_snapshots(self, schools: list[int], week: Week) -> dict[int, SchoolWeek]:
        """Compute these schools' rows of a finished week (imports merged) and store them as its
        snapshot. ``school_weeks`` calls it for the schools a snapshot lacks; the federal ranking
        (federal.py) for the whole country. Only the week's end and key matter: any zone whose
        week ends at the same moment gives the same rows."""
        if not week.closed(self.clock.now()):
            raise ValueError(f"week {week.key} in {week.timezone} has not ended")
        rows = await self._merge_imports(await self._compute(schools, week), week)
        await self._store(list(rows.values()))
        return rows

    async def _compute(self, schools: list[int], week: Week) -> dict[int, SchoolWeek]:
        dialect = self.db.dialect
        ids = dialect.in_values(schools)
        in_list = dialect.in_list()
        end = week.end.isoformat()
        # Independent queries, run side by side on the database's readers.
        staff_rows, student_rows, group_rows = await asyncio.gather(
            self.db.fetchrows(_STAFF.format(in_list=in_list), (ids, end, end, week.key, week.key)),
            self.db.fetchrows(_STUDENTS.format(in_list=in_list), (week.key, ids, end, end)),
            self.db.fetchrows(
                "SELECT org_id, count(*) FROM groups WHERE archived_at IS NULL "
                f"AND org_id {in_list} GROUP BY org_id",
                (ids,),
            ),
        )
        staff = {row[0]: row[1:] for row in staff_rows}
        students = {row[0]: row[1:] for row in student_rows}
        groups = dict(group_rows)
        result: dict[int, SchoolWeek] = {}
        for org_id in schools:
            staff_row = staff.get(org_id, (0,) * (len(STAFF_FIELDS) + 1))
            student_row = students.get(org_id, (0,) * len(STUDENT_FIELDS))
            registered_staff = int(staff_row[0])
            has_groups = groups.get(org_id, 0) > 0
            people: dict[str, Any] = {
                **{name: int(v) for name, v in zip(STAFF_FIELDS, staff_row[1:], strict=True)},
                **{name: int(v) for name, v in zip(STUDENT_FIELDS, student_row, strict=True)},
            }
            result[org_id] = SchoolWeek(
                org_id=org_id,
                week=week.key,
                has_groups=has_groups,
                staff_registered=registered_staff,
                connected=has_groups and registered_staff > 0,
                **people,
            )
        return result

    async def _merge_imports(
        self, rows: dict[int, SchoolWeek], week: Week
    ) -> dict[int, SchoolWeek]:
        imported = await self.db.fetchall(
            "SELECT * FROM monitoring_platform_stats WHERE week = ? "
            f"AND org_id {self.db.dialect.in_list()}",
            (week.key, self.db.dialect.in_values(rows)),
        )
        for stats in imported:
            own = rows[stats["org_id"]]
            rows[own.org_id] = merge_import(own, stats)
        return rows

    async def _snapshot(self, schools: list[int], week: Week) -> dict[int, SchoolWeek]:
        stored = await self.db.fetchall(
            f"SELECT {_SNAPSHOT_COLUMNS} FROM monitoring_school_weeks WHERE week = ? "
            f"AND org_id {self.db.dialect.in_list()}",
            (week.key, self.db.dialect.in_values(schools)),
        )
        return {
            row["org_id"]: SchoolWeek(
                org_id=row["org_id"],
                week=row["week"],
                has_groups=bool(row["has_groups"]),
                staff_registered=row["staff_registered"],
                connected=bool(row["connected"]),
                source=row["source"],
                **{name: row[name] for name in SCHOOL_FIELDS},
            )
            for row in stored
        }

    async def _store(self, rows: list[SchoolWeek]) -> None:
        now = self.clock.now().astimezone(UTC).isoformat()
        marks = ", ".join("?" * (len(SCHOOL_FIELDS) + 7))
        await self.db.executemany(
            self.db.dialect.upsert(
                f"INTO monitoring_school_weeks ({_SNAPSHOT_COLUMNS}) VALUES ({marks})",
                ("week", "org_id"),
                _SNAPSHOT_UPDATE,
            ),
            [
                (
                    r.week,
                    r.org_id,
                    int(r.has_groups),
                    r.staff_registered,
                    int(r.connected),
                    *(getattr(r, name) for name in SCHOOL_FIELDS),
                    r.source,
                    now,
                )
                for r in rows
            ],
        )

    async def forget_weeks(self, weeks: Sequence[str] | None = None) -> int:
        """Drop snapshots (all, or of these weeks): they are computed again when next asked."""
        if weeks is None:
            return await self.db.execute("DELETE FROM monitoring_school_weeks")
        return await self.db.execute(
            f"DELETE FROM monitoring_school_weeks WHERE week {self.db.dialect.in_list()}",
            (self.db.dialect.in_values(weeks),),
        )

    # --- units --------------------------------------------------------------------------------
    @staticmethod
    def unit_counts(tree: OrgTree, unit_id: int, rows: dict[int, SchoolWeek]) -> Counts:
        """A unit's counts: its schools summed, and its municipalities (a municipality counts
        itself; one is connected when at least one of its schools is)."""
        total = Counts()
        for school in tree.schools(unit_id):
            row = rows.get(school)
            if row is not None:
                total = total + row.counts()
        municipalities = tree.municipalities(unit_id)
        connected = sum(
            1
            for m in municipalities
            if any(rows[s].connected for s in tree.schools(m) if s in rows)
        )
        counts = replace(
            total, municipalities=len(municipalities), municipalities_connected=connected
        )
        return unit_weeks.override(unit_id, rows, counts)

    async def admins(self, schools: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """Verified admins of these schools (who to call about an inactive school)."""
        rows = await self.db.fetchall(
            "SELECT r.org_id, p.id, p.first_name, p.last_name, p.vk_user_id FROM roles r "
            "JOIN persons p ON p.id = r.person_id WHERE r.role = 'staff' "
            "AND r.position = 'admin' AND r.revoked_at IS NULL "
            f"AND r.org_id {self.db.dialect.in_list()} ORDER BY p.last_name, p.id",
            (self.db.dialect.in_values(schools),),
        )
        found: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            found.setdefault(row["org_id"], []).append(row)
        return found

    async def admin_units(self, person_id: int) -> list[int]:
        """Organisations this person administers, the widest first (region, municipality,
        school)."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT o.id, o.kind FROM roles r JOIN organisations o ON o.id = r.org_id "
            "WHERE r.person_id = ? AND r.role = 'staff' AND r.position = 'admin' "
            "AND r.revoked_at IS NULL",
            (person_id,),
        )
        order = {OrgKind.REGION: 0, OrgKind.MUNICIPALITY: 1, OrgKind.SCHOOL: 2}
        rows.sort(key=lambda r: (order[OrgKind(r["kind"])], r["id"]))
        return [int(r["id"]) for r in rows]


def merge_import(own: SchoolWeek, stats: dict[str, Any]) -> SchoolWeek:
    """Imported values over computed ones, column by column (NULL: not in the file)."""
    values: dict[str, Any] = {
        name: int(stats[name]) for name in SCHOOL_FIELDS if stats.get(name) is not None
    }
    ours = own.has_groups or own.staff_registered > 0 or own.teachers > 0 or own.students > 0
    connected = stats.get("connected")
    if connected is None:
        # The platform counts a school as connected once its staff registered there.
        connected = own.connected or (stats.get("teachers_registered") or 0) > 0
    return replace(
        own,
        connected=bool(connected),
        source="activity+import" if ours else "import",
        **values,
    )
