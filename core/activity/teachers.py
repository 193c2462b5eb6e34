"""Per-teacher weekly figures of a unit: every teacher of its schools with the group chats they
created, their messages in group chats and their calls, week by week.

One SQL statement for the whole unit (a region's tens of thousands of teachers included): the
teachers whose role was not revoked before the weeks asked for, their weekly counters
from ``activity_weekly`` (its primary key (week, person_id) finds them) and the chats they own
from ``chats``, grouped once. No query per teacher.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.storage import Database

from .units import OrgTree
from .weeks import Week

# {orgs}: the person's distinct schools joined with commas (the engines spell it differently,
# and Dialect.group_concat takes no DISTINCT); {in_list}: the engine's IN-list.
_ORGS = {
    "sqlite": "group_concat(DISTINCT r.org_id)",
    "postgresql": "string_agg(DISTINCT r.org_id::text, ',')",
}
_TEACHERS = """
WITH teachers AS (
    SELECT r.person_id, {orgs} AS orgs
    FROM roles r
    WHERE r.role = 'staff' AND r.position IN ('teacher', 'class_teacher')
      AND r.org_id {in_list}
      AND (r.revoked_at IS NULL OR r.revoked_at >= ?)
    GROUP BY r.person_id
),
owned AS (
    SELECT created_by AS person_id, count(*) AS chats
    FROM chats WHERE created_by IS NOT NULL GROUP BY created_by
)
SELECT t.person_id, p.last_name, p.first_name, t.orgs, coalesce(o.chats, 0),
       a.week, a.chats_created, a.chat_messages, a.calls
FROM teachers t
JOIN persons p ON p.id = t.person_id
LEFT JOIN owned o ON o.person_id = t.person_id
LEFT JOIN activity_weekly a
       ON a.week {in_list} AND a.person_id = t.person_id
"""


@dataclass(frozen=True, slots=True)
class TeacherWeek:
    chats_created: int = 0
    messages: int = 0  # in group chats
    calls: int = 0


@dataclass
class TeacherRow:
    person_id: int
    name: str  # «Фамилия Имя», as the regions' sheets list people
    schools: list[str]
    chats_owned: int  # group chats whose creator they are (``chats.created_by``), all time
    weeks: dict[str, TeacherWeek] = field(default_factory=dict)

    def week(self, week: Week) -> TeacherWeek:
        return self.weeks.get(week.key, TeacherWeek())

    @property
    def school(self) -> str:
        return ", ".join(self.schools)


async def teacher_weeks(
    db: Database, tree: OrgTree, unit_id: int, weeks: Sequence[Week]
) -> list[TeacherRow]:
    """Every teacher of the schools under ``unit_id`` whose role was not revoked before ``weeks``
    (oldest first) began, by school and name; a teacher of several of its schools is one row
    naming them all. A role granted later still lists its teacher: roles are often confirmed
    after the teacher started writing, and the activity of those weeks is theirs."""
    schools = tree.schools(unit_id)
    if not schools or not weeks:
        return []
    start = weeks[0].start.isoformat()
    dialect = db.dialect
    keys = dialect.in_values([week.key for week in weeks])
    sql = _TEACHERS.format(orgs=_ORGS[dialect.name], in_list=dialect.in_list())
    found: dict[int, TeacherRow] = {}
    for person_id, last, first, orgs, owned, key, chats, messages, calls in await db.fetchrows(
        sql, (dialect.in_values(schools), start, keys)
    ):
        row = found.get(person_id)
        if row is None:
            names = sorted(
                {tree.unit(int(org)).name for org in str(orgs).split(",") if int(org) in tree},
                key=str.casefold,
            )
            row = found[person_id] = TeacherRow(
                person_id, f"{last} {first}".strip(), names, int(owned)
            )
        if key is not None:
            row.weeks[key] = TeacherWeek(int(chats), int(messages), int(calls))
    return sorted(
        found.values(), key=lambda r: (r.school.casefold(), r.name.casefold(), r.person_id)
    )
