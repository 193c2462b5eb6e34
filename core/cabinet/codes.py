"""«Журнальные коды»: one-time e-journal codes issued at once for a class's students and/or their
parents, to be printed on slips or handed over as a CSV.

Codes are stored hashed (core/verification/codes.py), so the plain codes exist only in the
``Issue`` returned here — the answer to the admin's POST — and never again. Issuing again replaces
a person's codes: once the new ones are stored, that person's earlier unused codes of the same
role at the school stop working (their ``expires_at`` is set to now, so the bot and the mini-app
answer «срок действия истёк, попросите новый»), and only the newest slip is valid. The old codes
are cut only after every new one is written, so a failure halfway leaves the old slips working.

The counts a class shows (issued, used, expired or replaced, still valid) are of the codes of its
students (role student) and of their parents (role parent) at the school.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.audit import AuditLog
from core.people import Group, RoleKind
from core.storage import Database
from core.verification import Verification

from .names import SurnameFirst

ROLES = (RoleKind.STUDENT, RoleKind.PARENT)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_STUDENTS = (
    "SELECT p.id, p.first_name, p.last_name FROM student_groups s "
    "JOIN persons p ON p.id = s.person_id WHERE s.group_id = ?"
)
_PARENTS = (
    "SELECT DISTINCT p.id, p.first_name, p.last_name FROM student_groups s "
    "JOIN parent_children c ON c.child_id = s.person_id AND c.confirmed = 1 "
    "JOIN persons p ON p.id = c.parent_id WHERE s.group_id = ?"
)


@dataclass(frozen=True, slots=True)
class Holder(SurnameFirst):
    person_id: int
    first_name: str
    last_name: str
    role: RoleKind


@dataclass(frozen=True, slots=True)
class IssuedCode:
    holder: Holder
    code: str


@dataclass(frozen=True, slots=True)
class Issue:
    group: Group
    codes: list[IssuedCode]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CodeCounts:
    issued: int = 0
    used: int = 0
    expired: int = 0  # unused and past their date, or replaced by a newer code

    @property
    def valid(self) -> int:
        return self.issued - self.used - self.expired


@dataclass(frozen=True, slots=True)
class ClassCodes:
    group: Group
    students: int
    parents: int
    counts: CodeCounts


async def holders(db: Database, group: Group, roles: Collection[RoleKind]) -> list[Holder]:
    """The class's students and/or the parents of its students, by surname and name."""
    found: list[Holder] = []
    for role, sql in ((RoleKind.STUDENT, _STUDENTS), (RoleKind.PARENT, _PARENTS)):
        if role in roles:
            for row in await db.fetchall(sql, (group.id,)):
                found.append(Holder(row["id"], row["first_name"], row["last_name"], role))
    found.sort(key=lambda h: (ROLES.index(h.role), h.last_name, h.first_name, h.person_id))
    return found


async def issue_for_class(
    verification: Verification,
    group: Group,
    roles: Collection[RoleKind],
    *,
    actor_id: int | None,
    audit: AuditLog | None,
    ttl: timedelta | None = None,
) -> Issue:
    """A new code for each of the class's students and/or parents; their earlier unused codes
    stop working. ``audit`` records «codes.issue» (None: the demo loader, nobody did it)."""
    db, clock = verification.db, verification.clock
    ttl = ttl or verification.code_ttl
    chosen = await holders(db, group, roles)
    now = clock.now()
    if not chosen:
        return Issue(group, [], now + ttl)  # nothing issued, nothing to record
    last_before = int(await db.fetchval("SELECT coalesce(max(id), 0) FROM journal_codes"))
    issued = [
        IssuedCode(h, await verification.issue_code(h.person_id, h.role, group.org_id, ttl=ttl))
        for h in chosen
    ]
    async with db.transaction() as tx:
        for role in ROLES:
            ids = tx.dialect.in_values(
                sorted({c.holder.person_id for c in issued if c.holder.role == role})
            )
            await tx.execute(
                "UPDATE journal_codes SET expires_at = ? WHERE id <= ? AND used_at IS NULL "
                "AND expires_at > ? AND org_id = ? AND role = ? "
                f"AND person_id {tx.dialect.in_list()}",
                (now.isoformat(), last_before, now.isoformat(), group.org_id, role.value, ids),
            )
        if audit is not None:
            await audit.record(
                actor_id,
                group.org_id,
                "codes.issue",
                group.name,
                q=tx,
                group_id=group.id,
                count=len(issued),
                students=sum(1 for c in issued if c.holder.role == RoleKind.STUDENT),
                parents=sum(1 for c in issued if c.holder.role == RoleKind.PARENT),
            )
    return Issue(group, issued, now + ttl)


async def of_classes(db: Database, groups: Sequence[Group], now: datetime) -> list[ClassCodes]:
    """Each class with its numbers of students and parents and the counts of their codes."""
    ids = db.dialect.in_values([g.id for g in groups])
    in_list = db.dialect.in_list()
    members = (
        "SELECT s.group_id, s.person_id, 'student' AS role FROM student_groups s "
        f"WHERE s.group_id {in_list} "
        "UNION SELECT s.group_id, c.parent_id, 'parent' FROM student_groups s "
        "JOIN parent_children c ON c.child_id = s.person_id AND c.confirmed = 1 "
        f"WHERE s.group_id {in_list}"
    )
    # Counts through CASE, not summed booleans (PostgreSQL sums none).
    sizes = await db.fetchrows(
        "SELECT group_id, sum(CASE WHEN role = 'student' THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN role = 'parent' THEN 1 ELSE 0 END) FROM ({members}) AS m "
        "GROUP BY group_id",
        (ids, ids),
    )
    org_of = {g.id: g.org_id for g in groups}
    counted = await db.fetchrows(
        "SELECT m.group_id, j.org_id, count(*), "
        "sum(CASE WHEN j.used_at IS NOT NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN j.used_at IS NULL AND j.expires_at <= ? THEN 1 ELSE 0 END) "
        f"FROM ({members}) m JOIN journal_codes j ON j.person_id = m.person_id "
        "AND j.role = m.role GROUP BY m.group_id, j.org_id",
        (now.isoformat(), ids, ids),
    )
    size = {int(r[0]): (int(r[1] or 0), int(r[2] or 0)) for r in sizes}
    counts = {
        int(r[0]): CodeCounts(int(r[2]), int(r[3] or 0), int(r[4] or 0))
        for r in counted
        if org_of.get(int(r[0])) == r[1]  # codes of this school only
    }
    return [ClassCodes(g, *size.get(g.id, (0, 0)), counts.get(g.id, CodeCounts())) for g in groups]


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def as_csv(
    issue: Issue, header: Sequence[str], role_names: Mapping[RoleKind, str], zone: ZoneInfo
) -> bytes:
    """ФИО;Класс;Роль;Код;Действует до — UTF-8 with a BOM, «;»-separated, as Russian Excel
    opens it; the texts of the header and the roles are the caller's (Russian templates)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    until = issue.expires_at.astimezone(zone).strftime("%d.%m.%Y")
    for issued in issue.codes:
        writer.writerow(
            [
                _cell(issued.holder.name),
                _cell(issue.group.name),
                role_names[issued.holder.role],
                issued.code,
                until,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
