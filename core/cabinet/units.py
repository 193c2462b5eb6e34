"""«Подразделения»: a school's classes and study groups, their class teachers and student counts.

A class is never deleted: archiving sets ``groups.archived_at`` (its students, chats, codes and
broadcasts keep their history) and hides it wherever a person chooses a class
(``PeopleRepository.groups_of_org``); restoring clears it. Names are unique among a school's
classes in use, compared without case, spaces or the ё/е difference («5 а» is «5А»); an archived
class keeps its name, so next year's 5А may be created while last year's is in the archive, and
the archived one is restored only under a name not in use.

Every change is written with its audit entry in one transaction; a refusal the admin can fix is a
``UnitError`` naming the ``Problem`` (its Russian text is the page's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from core.audit import AuditLog
from core.clock import Clock
from core.people import PeopleRepository, Position, RoleKind
from core.storage import Database
from core.storage.abc import Queries, Row

KINDS = ("class", "study_group")
MAX_NAME = 40  # a class's name is a VK button label in the join dialog (≤ 40 characters)
GRADES = range(1, 12)


class Problem(StrEnum):
    EMPTY = "empty"
    LONG = "long"
    KIND = "kind"
    GRADE = "grade"
    CLASH = "clash"
    TEACHER = "teacher"
    ARCHIVED = "archived"


class UnitError(Exception):
    def __init__(self, problem: Problem, name: str = "") -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.name = name  # the class whose name clashes


@dataclass(frozen=True, slots=True)
class UnitRow:
    id: int
    name: str
    kind: str
    grade: int | None
    archived: bool
    teacher_id: int | None
    teacher_name: str
    # Without the position the class teacher may not address the class's parents
    # (core/broadcast/addressing.py): the page says so.
    teacher_has_position: bool
    students: int


@dataclass(frozen=True, slots=True)
class StaffChoice:
    id: int
    name: str


def name_key(name: str) -> str:
    """What two names of one school may not share."""
    return re.sub(r"[\s\-–—]", "", name.casefold().replace("ё", "е"))


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise UnitError(Problem.EMPTY)
    if len(name) > MAX_NAME:
        raise UnitError(Problem.LONG)
    return name


def parse_grade(raw: str, kind: str) -> int | None:
    """A class has a grade (1–11); a study group may have one."""
    text = raw.strip()
    if not text:
        if kind == "class":
            raise UnitError(Problem.GRADE)
        return None
    if not text.isascii() or not text.isdigit() or int(text) not in GRADES:
        raise UnitError(Problem.GRADE)
    return int(text)


class Units:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog) -> None:
        self.db = db
        self.clock = clock
        self.audit = audit

    def _now(self) -> str:
        return self.clock.now().isoformat()

    async def of_school(self, org_id: int) -> list[UnitRow]:
        """The school's classes and groups, those in use first, by grade and name."""
        rows = await self.db.fetchall(
            "SELECT g.id, g.name, g.kind, g.grade, g.archived_at, g.class_teacher_id, "
            "coalesce(trim(p.first_name || ' ' || p.last_name), '') AS teacher_name, "
            "(SELECT count(*) FROM student_groups s WHERE s.group_id = g.id) AS students, "
            "EXISTS (SELECT 1 FROM roles r WHERE r.person_id = g.class_teacher_id "
            "AND r.org_id = g.org_id AND r.role = 'staff' AND r.position = ? "
            "AND r.revoked_at IS NULL) AS has_position "
            "FROM groups g LEFT JOIN persons p ON p.id = g.class_teacher_id WHERE g.org_id = ?",
            (Position.CLASS_TEACHER.value, org_id),
        )
        found = [
            UnitRow(
                id=row["id"],
                name=row["name"],
                kind=row["kind"],
                grade=row["grade"],
                archived=row["archived_at"] is not None,
                teacher_id=row["class_teacher_id"],
                teacher_name=row["teacher_name"],
                teacher_has_position=bool(row["has_position"]),
                students=int(row["students"]),
            )
            for row in rows
        ]
        found.sort(key=lambda u: (u.archived, u.grade or 99, name_key(u.name), u.id))
        return found

    async def staff(self, org_id: int) -> list[StaffChoice]:
        """Who may be a class teacher: the school's staff with an active role, by surname."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT p.id, p.first_name, p.last_name FROM roles r "
            "JOIN persons p ON p.id = r.person_id WHERE r.org_id = ? AND r.role = 'staff' "
            "AND r.revoked_at IS NULL ORDER BY p.last_name, p.first_name, p.id",
            (org_id,),
        )
        return [
            StaffChoice(row["id"], f"{row['first_name']} {row['last_name']}".strip())
            for row in rows
        ]

    async def _clash(self, q: Queries, org_id: int, name: str, except_id: int = 0) -> str | None:
        """The name of a class in use at this school that ``name`` would repeat.

        Called in the transaction that then writes the name: on PostgreSQL it first locks the
        school's row, so two workers naming two classes alike at once check one after the other
        (SQLite's writer lock does that already). NO KEY UPDATE: rows that merely reference the
        school (roles, groups) are not held up."""
        if q.dialect.name == "postgresql":
            await q.fetchval(
                "SELECT id FROM organisations WHERE id = ? FOR NO KEY UPDATE", (org_id,)
            )
        rows = await q.fetchall(
            "SELECT id, name FROM groups WHERE org_id = ? AND archived_at IS NULL AND id != ?",
            (org_id, except_id),
        )
        key = name_key(name)
        return next((str(r["name"]) for r in rows if name_key(r["name"]) == key), None)

    async def _unit(self, q: Queries, org_id: int, group_id: int) -> Row | None:
        return await q.fetchone(
            "SELECT id, name, archived_at, class_teacher_id FROM groups "
            "WHERE id = ? AND org_id = ?",
            (group_id, org_id),
        )

    async def create(
        self, actor_id: int, org_id: int, raw_name: str, kind: str, raw_grade: str
    ) -> int:
        name = clean_name(raw_name)
        if kind not in KINDS:
            raise UnitError(Problem.KIND)
        grade = parse_grade(raw_grade, kind)
        async with self.db.transaction() as tx:
            clash = await self._clash(tx, org_id, name)
            if clash is not None:
                raise UnitError(Problem.CLASH, clash)
            group_id = await tx.execute(
                "INSERT INTO groups (org_id, name, kind, grade) VALUES (?, ?, ?, ?)",
                (org_id, name, kind, grade),
            )
            await self.audit.record(
                actor_id, org_id, "unit.create", name, q=tx, group_id=group_id, kind=kind
            )
        return group_id

    async def rename(self, actor_id: int, org_id: int, group_id: int, raw_name: str) -> bool:
        """False: no such class at this school. Renaming to the same name changes nothing."""
        name = clean_name(raw_name)
        async with self.db.transaction() as tx:
            unit = await self._unit(tx, org_id, group_id)
            if unit is None:
                return False
            old = str(unit["name"])
            if old == name:
                return True
            if unit["archived_at"] is None:
                clash = await self._clash(tx, org_id, name, group_id)
                if clash is not None:
                    raise UnitError(Problem.CLASH, clash)
            await tx.execute("UPDATE groups SET name = ? WHERE id = ?", (name, group_id))
            await self.audit.record(
                actor_id, org_id, "unit.rename", name, q=tx, group_id=group_id, old=old, new=name
            )
        return True

    async def archive(self, actor_id: int, org_id: int, group_id: int) -> bool:
        async with self.db.transaction() as tx:
            unit = await self._unit(tx, org_id, group_id)
            if unit is None:
                return False
            if unit["archived_at"] is None:
                await tx.execute(
                    "UPDATE groups SET archived_at = ? WHERE id = ?", (self._now(), group_id)
                )
                await self.audit.record(
                    actor_id, org_id, "unit.archive", str(unit["name"]), q=tx, group_id=group_id
                )
        return True

    async def restore(self, actor_id: int, org_id: int, group_id: int) -> bool:
        async with self.db.transaction() as tx:
            unit = await self._unit(tx, org_id, group_id)
            if unit is None:
                return False
            if unit["archived_at"] is not None:
                name = str(unit["name"])
                clash = await self._clash(tx, org_id, name, group_id)
                if clash is not None:
                    raise UnitError(Problem.CLASH, clash)
                await tx.execute("UPDATE groups SET archived_at = NULL WHERE id = ?", (group_id,))
                await self.audit.record(
                    actor_id, org_id, "unit.restore", name, q=tx, group_id=group_id
                )
        return True

    async def set_teacher(
        self, actor_id: int, org_id: int, group_id: int, teacher_id: int | None
    ) -> bool:
        """Make a staff member of the school the class teacher (None: nobody). False: no such
        class at this school."""
        async with self.db.transaction() as tx:
            unit = await self._unit(tx, org_id, group_id)
            if unit is None:
                return False
            if unit["archived_at"] is not None:
                raise UnitError(Problem.ARCHIVED)
            teacher_name = ""
            if teacher_id is not None:
                row = await tx.fetchone(
                    "SELECT p.first_name, p.last_name FROM persons p WHERE p.id = ? AND EXISTS "
                    "(SELECT 1 FROM roles r WHERE r.person_id = p.id AND r.org_id = ? "
                    "AND r.role = 'staff' AND r.revoked_at IS NULL)",
                    (teacher_id, org_id),
                )
                if row is None:
                    raise UnitError(Problem.TEACHER)
                teacher_name = f"{row['first_name']} {row['last_name']}".strip()
            if unit["class_teacher_id"] == teacher_id:
                await self._grant_position(actor_id, org_id, teacher_id)
                return True
            await tx.execute(
                "UPDATE groups SET class_teacher_id = ? WHERE id = ?", (teacher_id, group_id)
            )
            await self.audit.record(
                actor_id,
                org_id,
                "unit.teacher",
                str(unit["name"]),
                q=tx,
                group_id=group_id,
                teacher=teacher_name,
                teacher_id=teacher_id,
                old_teacher_id=unit["class_teacher_id"],
            )
        await self._grant_position(actor_id, org_id, teacher_id)
        return True

    async def _grant_position(self, actor_id: int, org_id: int, teacher_id: int | None) -> None:
        """A class teacher holds the position «классный руководитель» at the school (what the
        broadcast rules check): granted with the assignment when missing, recorded in the
        person's role history and the audit log."""
        if teacher_id is None:
            return
        held = await self.db.fetchval(
            "SELECT 1 FROM roles WHERE person_id = ? AND org_id = ? AND role = 'staff' "
            "AND position = ? AND revoked_at IS NULL",
            (teacher_id, org_id, Position.CLASS_TEACHER.value),
        )
        if held:
            return
        people = PeopleRepository(self.db, self.clock)
        await people.grant_role(
            teacher_id,
            RoleKind.STAFF,
            org_id,
            method="admin",
            position=Position.CLASS_TEACHER,
            by_person_id=actor_id,
        )
        person = await people.person(teacher_id)
        name = "" if person is None else f"{person.first_name} {person.last_name}".strip()
        await self.audit.record(
            actor_id, org_id, "role.grant", name, position=Position.CLASS_TEACHER.value
        )
