"""Import a OneRoster 1.2 CSV bulk export into the core people model and the journal tables.

Files: manifest, orgs, users, roles (1.2; the 1.1 ``role``/``orgSourcedIds`` user columns are
read when roles.csv is absent), demographics (birth dates), academicSessions, courses, classes,
enrollments, categories, lineItems, results. Every file is read and checked before anything is
written, so a malformed export changes nothing; the error names the file, line and column.

Mapping: a OneRoster sourcedId becomes ``external_id = 'oneroster:<sourcedId>'`` on core
organisations, persons and groups (created through PeopleRepository when absent), and
``source_id`` on journal rows. A homeroom class is the core group ("9А"); a scheduled class is a
journal subject class linked to the homeroom most of its students belong to. A person already
known (for example bound to a VK account by a journal code) keeps their VK account and birth date;
only names and phone are refreshed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from core.people import OrgKind, PeopleRepository, Position, RoleKind
from core.regions import region as region_by_code

from .csvfile import CsvError, CsvFile, CsvRow
from .store import JournalWriter

PREFIX = "oneroster:"

ORG_KINDS = {
    "school": OrgKind.SCHOOL,
    "department": OrgKind.SCHOOL,  # a department is folded into its parent school below
    "district": OrgKind.MUNICIPALITY,
    "local": OrgKind.MUNICIPALITY,
    "state": OrgKind.REGION,
    "national": OrgKind.REGION,
}
SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")
# OneRoster 1.2 role vocabulary -> the core role (staff positions by what the person does).
ROLE_MAP: dict[str, tuple[RoleKind, Position | None] | None] = {
    "student": (RoleKind.STUDENT, None),
    "teacher": (RoleKind.STAFF, Position.TEACHER),
    "aide": (RoleKind.STAFF, Position.TEACHER),
    "proctor": (RoleKind.STAFF, Position.TEACHER),
    "counselor": (RoleKind.STAFF, Position.COUNSELLOR),
    "principal": (RoleKind.STAFF, Position.DIRECTOR),
    "siteAdministrator": (RoleKind.STAFF, Position.ADMIN),
    "districtAdministrator": (RoleKind.STAFF, Position.ADMIN),
    "systemAdministrator": (RoleKind.STAFF, Position.ADMIN),
    "administrator": (RoleKind.STAFF, Position.ADMIN),
    "parent": (RoleKind.PARENT, None),
    "guardian": (RoleKind.PARENT, None),
    # A relative is not a legal representative: no parent rights in the journal.
    "relative": None,
}
ENROLLMENT_ROLES = ("student", "teacher", "administrator", "proctor", "aide", "guardian", "parent")
STATUSES = ("", "active", "tobedeleted")
_HOMEWORK_TITLE = re.compile(r"домашн|homework", re.IGNORECASE)
_GRADE = re.compile(r"\d+")


@dataclass
class ImportSummary:
    organisations: int = 0
    persons: int = 0
    roles: int = 0
    parent_links: int = 0
    terms: int = 0
    classes: int = 0
    enrollments: int = 0
    line_items: int = 0
    results: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass
class _Org:
    sid: str
    name: str
    kind: OrgKind
    parent: str | None
    identifier: str
    department: bool = False


@dataclass
class _User:
    sid: str
    given: str
    family: str
    phone: str | None
    agents: list[str]
    line: CsvRow
    birth: date | None = None


@dataclass
class _Role:
    user: str
    org: str
    kind: RoleKind
    position: Position | None


@dataclass
class _Class:
    sid: str
    title: str
    kind: str
    school: str
    course: str | None
    subject: str
    location: str
    periods: str
    terms: list[str]
    grade: int | None


@dataclass
class _Parsed:
    orgs: dict[str, _Org] = field(default_factory=dict)
    users: dict[str, _User] = field(default_factory=dict)
    roles: list[_Role] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    courses: dict[str, dict[str, Any]] = field(default_factory=dict)
    classes: dict[str, _Class] = field(default_factory=dict)
    enrollments: list[tuple[str, str, str, bool]] = field(default_factory=list)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    line_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def _active(row: CsvRow) -> bool:
    """Bulk files may carry rows marked for deletion; those are not imported."""
    return row.choice("status", STATUSES, required=False) != "tobedeleted"


def _unique(row: CsvRow, seen: dict[str, Any]) -> str:
    sid = row.required("sourcedId")
    if sid in seen:
        raise row.error("sourcedId", f"sourcedId {sid!r} повторяется")
    return sid


class OneRosterImport:
    def __init__(self, folder: Path, *, region_code: str | None = None) -> None:
        self.folder = folder
        self.region_code = region_code
        self.parsed = _Parsed()
        self._absent: set[str] = set()
        self._legacy_roles = False
        self._disabled: set[str] = set()

    # --- reading ---------------------------------------------------------------------------
    def _file(self, name: str, required: tuple[str, ...], *, must: bool = False) -> CsvFile | None:
        path = self.folder / name
        if name in self._absent or not path.exists():
            if must:
                raise CsvError(name, f"файл не найден в {self.folder}")
            return None
        return CsvFile(path, required)

    def _active_rows(self, name: str, required: tuple[str, ...]) -> Iterator[CsvRow]:
        """The rows of an optional file, but those marked for deletion; none when it is absent."""
        f = self._file(name, required)
        if f is not None:
            yield from (row for row in f.rows() if _active(row))

    def _manifest(self) -> None:
        manifest = self._file("manifest.csv", ("propertyName", "value"))
        if manifest is None:
            return
        for row in manifest.rows():
            key, value = row.get("propertyName"), row.get("value")
            if key == "oneroster.version" and value not in ("1.2", "1.1"):
                raise row.error("value", f"поддерживается OneRoster 1.2 (и 1.1), а не {value!r}")
            if key.startswith("file.") and value not in ("bulk", "delta", "absent"):
                raise row.error("value", f"ожидается bulk, delta или absent, получено {value!r}")
            if key.startswith("file.") and value == "absent":
                self._absent.add(key.removeprefix("file.") + ".csv")

    def parse(self) -> _Parsed:
        if not self.folder.is_dir():
            raise CsvError(str(self.folder), "папка не найдена")
        self._manifest()
        self._orgs()
        self._users()
        self._roles()
        self._demographics()
        self._sessions()
        self._courses()
        self._classes()
        self._enrollments()
        self._categories()
        self._line_items()
        self._results()
        return self.parsed

    def _orgs(self) -> None:
        f = self._file("orgs.csv", ("sourcedId", "name", "type"), must=True)
        assert f is not None
        pending: list[tuple[CsvRow, str]] = []
        for row in f.rows():
            if not _active(row):
                continue
            sid = _unique(row, self.parsed.orgs)
            kind = row.choice("type", tuple(ORG_KINDS))
            self.parsed.orgs[sid] = _Org(
                sid, row.required("name"), ORG_KINDS[kind], row.get("parentSourcedId") or None,
                row.get("identifier"), department=kind == "department",
            )  # fmt: skip
            if kind == "department":
                pending.append((row, sid))
        for row in f.rows():
            parent = row.get("parentSourcedId")
            if parent and _active(row):
                row.ref("parentSourcedId", self.parsed.orgs, "orgs.csv")
        # A department's people and classes belong to its school.
        for row, sid in pending:
            if self.parsed.orgs[sid].parent is None:
                raise row.error("parentSourcedId", "у подразделения (department) нет школы")
        if not any(o.kind == OrgKind.SCHOOL for o in self.parsed.orgs.values()):
            raise CsvError("orgs.csv", "нет ни одной школы (type = school)")

    def school_of(self, sid: str) -> str:
        """The school an org reference means (a department resolves to its parent)."""
        org = self.parsed.orgs[sid]
        seen = {sid}
        while org.department and org.parent is not None and org.parent not in seen:
            seen.add(org.parent)
            org = self.parsed.orgs[org.parent]
        return org.sid

    def _users(self) -> None:
        f = self._file("users.csv", ("sourcedId", "givenName", "familyName"), must=True)
        assert f is not None
        for row in f.rows():
            self._legacy_roles = "role" in f.columns and "orgSourcedIds" in f.columns
            if not _active(row) or not row.flag("enabledUser", default=True):
                # Their roles, enrollments and results are skipped too, not reported as errors.
                self._disabled.add(row.required("sourcedId"))
                self.parsed.skipped["отключённые пользователи"] += 1
                continue
            sid = _unique(row, self.parsed.users)
            self.parsed.users[sid] = _User(
                sid,
                row.get("preferredGivenName") or row.required("givenName"),
                row.get("preferredFamilyName") or row.required("familyName"),
                row.get("phone") or row.get("sms") or None,
                row.ids("agentSourcedIds"),
                row,
            )
            if row.get("primaryOrgSourcedId"):
                row.ref("primaryOrgSourcedId", self.parsed.orgs, "orgs.csv")
        for user in self.parsed.users.values():
            for agent in user.agents:
                if agent not in self.parsed.users and agent not in self._disabled:
                    raise user.line.error("agentSourcedIds", f"нет записи {agent!r} в users.csv")

    def _user(self, row: CsvRow, column: str) -> str | None:
        """A user reference; None for a disabled user (the row is skipped)."""
        user = row.required(column)
        if user in self._disabled:
            return None
        row.ref(column, self.parsed.users, "users.csv")
        return user

    def _add_role(self, row: CsvRow, user: str, org: str, role: str, column: str) -> None:
        if role not in ROLE_MAP:
            raise row.error(column, f"недопустимая роль {role!r}")
        mapped = ROLE_MAP[role]
        if mapped is None:
            self.parsed.skipped[f"роль {role}"] += 1
            return
        self.parsed.roles.append(_Role(user, self.school_of(org), mapped[0], mapped[1]))

    def _roles(self) -> None:
        f = self._file("roles.csv", ("userSourcedId", "role", "orgSourcedId"))
        if f is None:
            if self._legacy_roles:
                self._roles_from_users()
            return
        for row in f.rows():
            if not _active(row):
                continue
            user = self._user(row, "userSourcedId")
            if user is None:
                continue
            org = row.required("orgSourcedId")
            row.ref("orgSourcedId", self.parsed.orgs, "orgs.csv")
            row.choice("roleType", ("primary", "secondary"), required=False)
            row.day("beginDate")
            row.day("endDate")
            self._add_role(row, user, org, row.required("role"), "role")

    def _roles_from_users(self) -> None:
        for user in self.parsed.users.values():
            row = user.line
            role = row.required("role")
            for org in row.ids("orgSourcedIds"):
                if org not in self.parsed.orgs:
                    raise row.error("orgSourcedIds", f"нет записи {org!r} в orgs.csv")
                self._add_role(row, user.sid, org, role, "role")

    def _demographics(self) -> None:
        for row in self._active_rows("demographics.csv", ("sourcedId",)):
            user = row.required("sourcedId")
            birth = row.day("birthDate")
            if user in self.parsed.users and birth is not None:
                self.parsed.users[user].birth = birth

    def _sessions(self) -> None:
        rows = []
        for row in self._active_rows(
            "academicSessions.csv", ("sourcedId", "title", "type", "startDate", "endDate")
        ):
            sid = _unique(row, self.parsed.sessions)
            start = row.day("startDate", required=True)
            end = row.day("endDate", required=True)
            assert start is not None and end is not None
            if end < start:
                raise row.error("endDate", "дата окончания раньше даты начала")
            self.parsed.sessions[sid] = {
                "title": row.required("title"),
                "kind": row.choice("type", SESSION_TYPES),
                "start": start,
                "end": end,
                "parent": row.get("parentSourcedId") or None,
            }
            rows.append(row)
        for row in rows:
            row.ref("parentSourcedId", self.parsed.sessions, "academicSessions.csv", required=False)

    def _courses(self) -> None:
        for row in self._active_rows("courses.csv", ("sourcedId", "title")):
            sid = _unique(row, self.parsed.courses)
            org = row.ref("orgSourcedId", self.parsed.orgs, "orgs.csv", required=False)
            self.parsed.courses[sid] = {
                "title": row.required("title"),
                "code": row.get("courseCode"),
                "org": None if org is None else self.school_of(org.sid),
            }

    def _classes(self) -> None:
        for row in self._active_rows(
            "classes.csv", ("sourcedId", "title", "classType", "schoolSourcedId", "termSourcedIds")
        ):
            sid = _unique(row, self.parsed.classes)
            school = row.ref("schoolSourcedId", self.parsed.orgs, "orgs.csv")
            assert school is not None
            course_id = row.get("courseSourcedId") or None
            if course_id is not None:
                row.ref("courseSourcedId", self.parsed.courses, "courses.csv")
            terms = row.ids("termSourcedIds")
            for term in terms:
                if term not in self.parsed.sessions:
                    raise row.error("termSourcedIds", f"нет записи {term!r} в academicSessions.csv")
            subjects = row.ids("subjects")
            title = row.required("title")
            course_title = self.parsed.courses[course_id]["title"] if course_id else None
            grade_match = _GRADE.search(row.get("grades"))
            self.parsed.classes[sid] = _Class(
                sid=sid,
                title=title,
                kind=row.choice("classType", ("homeroom", "scheduled")),
                school=self.school_of(school.sid),
                course=course_id,
                subject=course_title or (subjects[0] if subjects else title),
                location=row.get("location"),
                periods=row.get("periods"),
                terms=terms,
                grade=int(grade_match[0]) if grade_match else None,
            )

    def _enrollments(self) -> None:
        for row in self._active_rows(
            "enrollments.csv", ("classSourcedId", "userSourcedId", "role")
        ):
            class_sid = row.required("classSourcedId")
            row.ref("classSourcedId", self.parsed.classes, "classes.csv")
            user = self._user(row, "userSourcedId")
            if user is None:
                continue
            role = row.choice("role", ENROLLMENT_ROLES)
            primary = row.flag("primary")
            row.day("beginDate")
            row.day("endDate")
            if role not in ("student", "teacher"):
                self.parsed.skipped[f"зачисления с ролью {role}"] += 1
                continue
            self.parsed.enrollments.append((class_sid, user, role, primary))

    def _categories(self) -> None:
        for row in self._active_rows("categories.csv", ("sourcedId", "title")):
            sid = _unique(row, self.parsed.categories)
            title = row.required("title")
            weight = row.number("weight")
            if weight is not None and weight < 0:
                raise row.error("weight", "вес не может быть отрицательным")
            self.parsed.categories[sid] = {
                "title": title,
                "weight": 1.0 if weight is None else weight,
                "homework": bool(_HOMEWORK_TITLE.search(title)),
            }

    def _line_items(self) -> None:
        for row in self._active_rows("lineItems.csv", ("sourcedId", "title", "classSourcedId")):
            sid = _unique(row, self.parsed.line_items)
            class_sid = row.required("classSourcedId")
            row.ref("classSourcedId", self.parsed.classes, "classes.csv")
            category = row.get("categorySourcedId") or None
            if category is not None:
                row.ref("categorySourcedId", self.parsed.categories, "categories.csv")
            period = row.get("gradingPeriodSourcedId") or None
            if period is not None:
                row.ref("gradingPeriodSourcedId", self.parsed.sessions, "academicSessions.csv")
            assigned, due = row.day("assignDate"), row.day("dueDate")
            if assigned and due and due < assigned:
                raise row.error("dueDate", "срок сдачи раньше даты выдачи")
            low, high = row.number("resultValueMin"), row.number("resultValueMax")
            if low is not None and high is not None and high < low:
                raise row.error("resultValueMax", "максимум меньше минимума")
            self.parsed.line_items[sid] = {
                "title": row.required("title"),
                "description": row.get("description"),
                "class": class_sid,
                "category": category,
                "term": period,
                "assigned_on": assigned,
                "due_on": due,
                "value_min": low,
                "value_max": high,
            }

    def _results(self) -> None:
        seen: dict[str, Any] = {}
        for row in self._active_rows(
            "results.csv", ("sourcedId", "lineItemSourcedId", "studentSourcedId")
        ):
            sid = _unique(row, seen)
            seen[sid] = True
            item = row.required("lineItemSourcedId")
            row.ref("lineItemSourcedId", self.parsed.line_items, "lineItems.csv")
            student = self._user(row, "studentSourcedId")
            if student is None:
                continue
            row.choice(
                "scoreStatus",
                ("exempt", "fully graded", "not submitted", "partially graded", "submitted"),
                required=False,
            )
            score = row.number("score")
            text = row.get("textScore")
            limits = self.parsed.line_items[item]
            if score is not None and (
                (limits["value_min"] is not None and score < limits["value_min"])
                or (limits["value_max"] is not None and score > limits["value_max"])
            ):
                raise row.error("score", f"оценка {score:g} вне диапазона строки журнала")
            self.parsed.results.append(
                {
                    "sid": sid,
                    "item": item,
                    "student": student,
                    "score": score,
                    "text": text,
                    "day": row.day("scoreDate"),
                    "comment": row.get("comment"),
                }
            )

    # --- writing ---------------------------------------------------------------------------
    def _region_code(self) -> str:
        if self.region_code:
            return self.region_code
        for org in self.parsed.orgs.values():
            if org.kind == OrgKind.REGION and org.identifier:
                return org.identifier
        raise CsvError(
            "orgs.csv", "не указан код региона: добавьте --region или identifier региона"
        )

    async def write(self, people: PeopleRepository) -> ImportSummary:
        p = self.parsed
        summary = ImportSummary(skipped=p.skipped)
        try:
            region = region_by_code(self._region_code())
        except (KeyError, ValueError):
            raise CsvError("orgs.csv", f"неизвестный код региона {self._region_code()!r}") from None
        db = people.db
        org_ids: dict[str, int] = {}
        # Parents before children: walk until every org is written.
        remaining = [o for o in p.orgs.values() if self.school_of(o.sid) == o.sid]
        while remaining:
            progressed = False
            for org in list(remaining):
                parent = org.parent
                if parent is not None and parent not in org_ids and parent in p.orgs:
                    continue
                org_ids[org.sid] = await people.upsert_organisation(
                    kind=org.kind, name=org.name, region_code=region.code,
                    timezone=region.timezone, parent_id=org_ids.get(parent or ""),
                    external_id=PREFIX + org.sid,
                )  # fmt: skip
                remaining.remove(org)
                progressed = True
            if not progressed:
                raise CsvError("orgs.csv", "родительские организации образуют цикл")
        summary.organisations = len(org_ids)

        person_ids: dict[str, int] = {}
        for user in p.users.values():
            external = PREFIX + user.sid
            row = await db.fetchone("SELECT id FROM persons WHERE external_id = ?", (external,))
            if row is None:
                person_ids[user.sid] = await people.upsert_person(
                    first_name=user.given, last_name=user.family, phone=user.phone,
                    birth_date=user.birth, external_id=external,
                )  # fmt: skip
            else:
                person_ids[user.sid] = int(row["id"])
                await db.execute(
                    "UPDATE persons SET first_name = ?, last_name = ?, "
                    "phone = COALESCE(?, phone), birth_date = COALESCE(?, birth_date) "
                    "WHERE id = ?",
                    (
                        user.given,
                        user.family,
                        user.phone,
                        user.birth.isoformat() if user.birth else None,
                        row["id"],
                    ),
                )
        summary.persons = len(person_ids)

        kinds: dict[str, set[RoleKind]] = {}
        for role in p.roles:
            await people.grant_role(
                person_ids[role.user], role.kind, org_ids[role.org], position=role.position,
                method="oneroster",
            )  # fmt: skip
            kinds.setdefault(role.user, set()).add(role.kind)
            summary.roles += 1
        pairs = set()
        for user in p.users.values():
            for agent in user.agents:
                held, agent_held = kinds.get(user.sid, set()), kinds.get(agent, set())
                if RoleKind.PARENT in held and RoleKind.STUDENT in agent_held:
                    pairs.add((user.sid, agent))
                elif RoleKind.STUDENT in held and RoleKind.PARENT in agent_held:
                    pairs.add((agent, user.sid))
        for parent, child in sorted(pairs):
            await people.link_parent_child(person_ids[parent], person_ids[child], confirmed=True)
        summary.parent_links = len(pairs)

        # Homerooms are the core groups; their students join the group.
        group_ids: dict[str, int] = {}
        homeroom_of: dict[str, str] = {}
        for cls in p.classes.values():
            if cls.kind == "homeroom":
                group_ids[cls.sid] = await people.upsert_group(
                    org_id=org_ids[cls.school], name=cls.title, grade=cls.grade,
                    external_id=PREFIX + cls.sid,
                )  # fmt: skip
        for class_sid, member, as_role, _primary in p.enrollments:
            cls = p.classes[class_sid]
            if cls.kind != "homeroom":
                continue
            if as_role == "student":
                await people.add_student_to_group(person_ids[member], group_ids[class_sid])
                homeroom_of[member] = class_sid
            else:
                await people.grant_role(
                    person_ids[member], RoleKind.STAFF, org_ids[cls.school],
                    position=Position.CLASS_TEACHER, method="oneroster",
                )  # fmt: skip
        students_of: dict[str, list[str]] = {}
        for class_sid, member, as_role, _primary in p.enrollments:
            if as_role == "student":
                students_of.setdefault(class_sid, []).append(member)

        async with db.transaction() as tx:
            w = JournalWriter(tx)
            term_ids = {
                sid: await w.term(
                    PREFIX + sid, title=s["title"], kind=s["kind"], start=s["start"], end=s["end"]
                )
                for sid, s in p.sessions.items()
            }
            for sid, s in p.sessions.items():
                await w.set_term_parent(term_ids[sid], term_ids.get(s["parent"] or ""))
            summary.terms = len(term_ids)
            course_ids = {
                sid: await w.course(
                    PREFIX + sid,
                    title=c["title"],
                    code=c["code"],
                    org_id=org_ids.get(c["org"] or ""),
                )
                for sid, c in p.courses.items()
            }
            class_ids: dict[str, int] = {}
            for cls in p.classes.values():
                if cls.kind == "homeroom":
                    group_id: int | None = group_ids[cls.sid]
                else:
                    homerooms = Counter(
                        homeroom_of[u] for u in students_of.get(cls.sid, []) if u in homeroom_of
                    )
                    top = homerooms.most_common(1)
                    group_id = group_ids[top[0][0]] if top else None
                class_ids[cls.sid] = await w.journal_class(
                    PREFIX + cls.sid, org_id=org_ids[cls.school], kind=cls.kind, title=cls.title,
                    subject=cls.subject, course_id=course_ids.get(cls.course or ""),
                    group_id=group_id, location=cls.location, periods=cls.periods,
                )  # fmt: skip
                await w.class_terms(class_ids[cls.sid], [term_ids[t] for t in cls.terms])
            summary.classes = len(class_ids)
            for class_sid, member, as_role, primary in p.enrollments:
                await w.enroll(class_ids[class_sid], person_ids[member], as_role, primary=primary)
            summary.enrollments = len(p.enrollments)
            category_ids = {
                sid: await w.category(
                    PREFIX + sid, title=c["title"], weight=c["weight"], is_homework=c["homework"]
                )
                for sid, c in p.categories.items()
            }
            item_ids = await w.line_items(
                [
                    {
                        "source_id": PREFIX + sid,
                        "class_id": class_ids[li["class"]],
                        "category_id": category_ids.get(li["category"] or ""),
                        "term_id": term_ids.get(li["term"] or ""),
                        "title": li["title"],
                        "description": li["description"],
                        "assigned_on": li["assigned_on"],
                        "due_on": li["due_on"],
                        "value_min": li["value_min"],
                        "value_max": li["value_max"],
                    }
                    for sid, li in p.line_items.items()
                ]
            )
            summary.line_items = len(p.line_items)
            await w.results(
                (
                    PREFIX + r["sid"],
                    item_ids[PREFIX + r["item"]],
                    person_ids[r["student"]],
                    r["score"],
                    r["text"],
                    r["day"],
                    r["comment"],
                )
                for r in p.results
            )
            summary.results = len(p.results)
        return summary


async def import_oneroster(
    folder: Path, people: PeopleRepository, *, region_code: str | None = None
) -> ImportSummary:
    """Check every file of the export, then write it. Raises CsvError naming file/line/column."""
    job = OneRosterImport(folder, region_code=region_code)
    job.parse()
    return await job.write(people)
