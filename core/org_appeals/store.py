"""Appeals to an organisation in storage (``org_appeals``, migration 0018).

An appeal is filed as the person who wrote it, to one organisation they hold a role in; their role
and classes there are kept with it as they were at that moment (the cabinet shows who wrote, and a
role revoked later does not rewrite what they wrote as). An appeal is answered once: the first
answer's update wins (``answered_at IS NULL``), so two admins answering at once cannot both send.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.clock import Clock
from core.storage import Database
from core.storage.abc import Queries

MAX_TEXT = 2000  # characters of an appeal
MAX_ANSWER = 2000  # characters of an answer: in Cyrillic its posted form stays under the
# mini-app's 16 KB form limit (6 bytes a letter, url-encoded)
MAX_FILES = 5
PAGE = 100
OUTBOX_KIND = "core.org_appeal_answer"

# The order of a person's roles in an organisation when one names them (the strongest first).
_ROLE_ORDER = {"staff": 0, "parent": 1, "student": 2}
_POSITION_ORDER = {
    "director": 0,
    "admin": 1,
    "counsellor": 2,
    "class_teacher": 3,
    "teacher": 4,
    "operator": 5,
}

_SELECT = """
SELECT a.*, coalesce(trim(p.first_name || ' ' || p.last_name), '') AS author_name,
       o.name AS org_name,
       coalesce(trim(b.first_name || ' ' || b.last_name), '') AS answered_by_name,
       m.state AS delivery, m.not_before AS delivery_due, m.deferred AS delivery_deferred
FROM org_appeals a
JOIN persons p ON p.id = a.person_id
JOIN organisations o ON o.id = a.org_id
LEFT JOIN persons b ON b.id = a.answered_by
LEFT JOIN outbox_messages m ON m.kind = ? AND m.key = CAST(a.id AS TEXT)
"""


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@dataclass(frozen=True, slots=True)
class OrgAppeal:
    id: int
    person_id: int
    org_id: int
    group_id: int
    created_at: datetime
    text: str
    attachments: tuple[tuple[str, str, str], ...]  # (kind, VK attachment, title)
    author_role: str
    author_position: str | None
    author_classes: str
    answer: str | None
    answered_by: int | None
    answered_at: datetime | None
    author_name: str = ""
    org_name: str = ""
    answered_by_name: str = ""
    delivery: str | None = None  # the answer's outbox state: pending, sent, skipped, failed
    delivery_due: datetime | None = None
    delivery_deferred: bool = False  # held back by the recipient's quiet hours

    @property
    def is_new(self) -> bool:
        return self.answered_at is None

    @property
    def file_titles(self) -> list[str]:
        return [title for _kind, _attachment, title in self.attachments]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OrgAppeal:
        files = json.loads(row["attachments"] or "[]")
        return cls(
            id=int(row["id"]),
            person_id=int(row["person_id"]),
            org_id=int(row["org_id"]),
            group_id=int(row["group_id"]),
            created_at=datetime.fromisoformat(row["created_at"]),
            text=row["text"],
            attachments=tuple((str(k), str(a), str(t)) for k, a, t in files),
            author_role=row["author_role"],
            author_position=row["author_position"],
            author_classes=row["author_classes"],
            answer=row["answer"],
            answered_by=row["answered_by"],
            answered_at=_when(row["answered_at"]),
            author_name=row.get("author_name", ""),
            org_name=row.get("org_name", ""),
            answered_by_name=row.get("answered_by_name", ""),
            delivery=row.get("delivery"),
            delivery_due=_when(row.get("delivery_due")),
            delivery_deferred=bool(row.get("delivery_deferred")),
        )


@dataclass(frozen=True, slots=True)
class Author:
    """Who the person is in the organisation: their strongest role and their classes (a
    student's own, a parent's children's)."""

    role: str
    position: str | None
    classes: str


class OrgAppealStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def author(self, person_id: int, org_id: int) -> Author | None:
        """The person's role in the organisation, or None when they hold none there."""
        rows = await self.db.fetchall(
            "SELECT role, position FROM roles WHERE person_id = ? AND org_id = ? "
            "AND revoked_at IS NULL",
            (person_id, org_id),
        )
        if not rows:
            return None
        best = min(
            rows,
            key=lambda r: (_ROLE_ORDER.get(r["role"], 9), _POSITION_ORDER.get(r["position"], 9)),
        )
        mine = (
            "FROM student_groups sg JOIN groups g ON g.id = sg.group_id WHERE g.org_id = ? "
            "AND (sg.person_id = ? OR "
            "sg.person_id IN (SELECT child_id FROM parent_children WHERE parent_id = ?))"
        )
        if self.db.dialect.name == "postgresql":
            # PostgreSQL orders an aggregate only when told, and a DISTINCT query only by
            # what it selects: the classes are grouped by name and ordered inside string_agg.
            sql = (
                "SELECT string_agg(name, ', ' ORDER BY grade NULLS FIRST, name) FROM "
                f"(SELECT g.name, min(g.grade) AS grade {mine} GROUP BY g.name) AS classes"
            )
        else:
            sql = (
                "SELECT group_concat(name, ', ') FROM "
                f"(SELECT DISTINCT g.name {mine} ORDER BY g.grade, g.name)"
            )
        classes = await self.db.fetchval(sql, (org_id, person_id, person_id))
        return Author(best["role"], best["position"], classes or "")

    async def file(
        self,
        person_id: int,
        org_id: int,
        group_id: int,
        text: str,
        attachments: Sequence[Sequence[str]] = (),
        *,
        author: Author | None = None,
    ) -> OrgAppeal:
        """Keep an appeal; ``author`` defaults to the person's role there now."""
        who = author or await self.author(person_id, org_id)
        if who is None:
            raise ValueError(f"person {person_id} holds no role in organisation {org_id}")
        appeal_id = await self.db.execute(
            "INSERT INTO org_appeals (person_id, org_id, group_id, created_at, text, attachments, "
            "author_role, author_position, author_classes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                person_id,
                org_id,
                group_id,
                _utc(self.clock.now()),
                text,
                json.dumps([list(a) for a in attachments], ensure_ascii=False),
                who.role,
                who.position,
                who.classes,
            ),
        )
        found = await self.get(appeal_id)
        assert found is not None
        return found

    async def get(self, appeal_id: int) -> OrgAppeal | None:
        row = await self.db.fetchone(_SELECT + " WHERE a.id = ?", (OUTBOX_KIND, appeal_id))
        return None if row is None else OrgAppeal.from_row(row)

    async def appeals(
        self, org_ids: Iterable[int], *, status: str | None = None, limit: int = PAGE
    ) -> list[OrgAppeal]:
        """The appeals of these organisations: new ones first, each group newest first;
        ``status`` "new" or "answered" keeps one group."""
        where = f" WHERE a.org_id {self.db.dialect.in_list()}"
        if status == "new":
            where += " AND a.answered_at IS NULL"
        elif status == "answered":
            where += " AND a.answered_at IS NOT NULL"
        rows = await self.db.fetchall(
            _SELECT + where + " ORDER BY a.answered_at IS NOT NULL, a.id DESC LIMIT ?",
            (OUTBOX_KIND, self.db.dialect.in_values(sorted(set(org_ids))), limit),
        )
        return [OrgAppeal.from_row(row) for row in rows]

    async def counts(self, org_ids: Iterable[int]) -> tuple[int, int]:
        """(new, answered) appeals of these organisations."""
        row = await self.db.fetchone(
            "SELECT coalesce(sum(CASE WHEN answered_at IS NULL THEN 1 ELSE 0 END), 0) AS new, "
            "coalesce(sum(CASE WHEN answered_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS answered "
            f"FROM org_appeals WHERE org_id {self.db.dialect.in_list()}",
            (self.db.dialect.in_values(sorted(set(org_ids))),),
        )
        assert row is not None
        return int(row["new"]), int(row["answered"])

    async def mark_answered(
        self, appeal_id: int, by_person_id: int, answer: str, *, q: Queries | None = None
    ) -> bool:
        """Record the answer unless the appeal has one already (False then)."""
        changed = await (q or self.db).execute(
            "UPDATE org_appeals SET answer = ?, answered_by = ?, answered_at = ? "
            "WHERE id = ? AND answered_at IS NULL",
            (answer, by_person_id, _utc(self.clock.now()), appeal_id),
        )
        return bool(changed)
