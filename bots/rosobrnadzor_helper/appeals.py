"""Appeals (обращения) of teachers and their lifecycle, with the deadlines of 59-ФЗ.

new → in_progress (an operator took it) → answered → closed (after the teacher's rating, or
``AUTO_CLOSE_DAYS`` after the answer). The answer is due ``ANSWER_DAYS`` days after registration
(ст. 12 ч. 1 59-ФЗ: 30 days); an operator may extend it once by at most ``MAX_EXTENSION_DAYS``
(ст. 12 ч. 2: by no more than 30 days, telling the citizen).

Who may do what is checked here, on the identity of whoever acts, never on ids a button carries:
an appeal is always filed as the verified staff person who writes, and only operators (staff with
the operator position) take and answer appeals.

The mini-app (operators' queue) reads through ``list_queue`` and ``get_appeal``; both return
``Appeal`` objects whose ``to_json()`` is ready for a page or an API answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from core.clock import Clock
from core.people import Identity, Position, RoleKind
from core.storage import Database, Transaction

ANSWER_DAYS = 30
MAX_EXTENSION_DAYS = 30
REMIND_DAYS_BEFORE = (3, 1)
AUTO_CLOSE_DAYS = 14
MIN_TEXT = 10
MAX_TEXT = 4000
MAX_LINKS = 5
MAX_FILES = 5  # documents and photos sent with an appeal
MAX_ANSWER = 4000

# The subjects of appeals; their Russian names are blocks ``cat_<code>`` of templates/labels.j2.
CATEGORIES = (
    "documents",
    "attestation",
    "gia",
    "control",
    "licensing",
    "rights",
    "other",
)

_LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


class Status(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"


OPEN = (Status.NEW, Status.IN_PROGRESS)


class AppealError(Exception):
    """A refused action; ``reason`` names a template block the bot shows (``err_<reason>``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def extract_links(text: str) -> list[str]:
    """http(s) links in a message, trailing punctuation trimmed, in order, without repeats."""
    found = [link.rstrip(".,;:!?)»") for link in _LINK.findall(text or "")]
    return list(dict.fromkeys(link for link in found if len(link) <= 1000))


def is_staff(identity: Identity) -> bool:
    return identity.person is not None and identity.has(RoleKind.STAFF)


def is_operator(identity: Identity) -> bool:
    return identity.person is not None and identity.has(RoleKind.STAFF, Position.OPERATOR)


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@dataclass(frozen=True)
class Appeal:
    id: int
    number: str
    person_id: int
    org_id: int | None
    group_id: int | None
    category: str
    text: str
    links: tuple[str, ...]
    status: Status
    created_at: datetime
    due_at: datetime
    extended_days: int
    operator_id: int | None
    taken_at: datetime | None
    answer: str | None
    answered_at: datetime | None
    answer_delivered: bool
    rating: int | None
    closed_at: datetime | None
    # (kind, attachment, title) of each document or photo: "doc"/"photo", the community's own
    # copy as VK names it, the name the teacher's file had.
    files: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Appeal:
        return cls(
            id=int(row["id"]),
            number=row["number"],
            person_id=int(row["person_id"]),
            org_id=row["org_id"],
            group_id=row["group_id"],
            category=row["category"],
            text=row["text"],
            links=tuple(json.loads(row["links"])),
            status=Status(row["status"]),
            created_at=datetime.fromisoformat(row["created_at"]),
            due_at=datetime.fromisoformat(row["due_at"]),
            extended_days=int(row["extended_days"]),
            operator_id=row["operator_id"],
            taken_at=_time(row["taken_at"]),
            answer=row["answer"],
            answered_at=_time(row["answered_at"]),
            answer_delivered=bool(row["answer_delivered"]),
            rating=row["rating"],
            closed_at=_time(row["closed_at"]),
            files=tuple((str(k), str(a), str(t)) for k, a, t in json.loads(row["files"] or "[]")),
        )

    @property
    def attachment(self) -> str | None:
        """messages.send's attachment for the appeal's files (None without files)."""
        return ",".join(attachment for _kind, attachment, _title in self.files) or None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def overdue(self, now: datetime) -> bool:
        return self.is_open and now > self.due_at

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return None if moment is None else moment.isoformat()

        return {
            "id": self.id,
            "number": self.number,
            "person_id": self.person_id,
            "org_id": self.org_id,
            "category": self.category,
            "text": self.text,
            "links": list(self.links),
            "files": [{"kind": kind, "title": title} for kind, _a, title in self.files],
            "status": self.status.value,
            "created_at": iso(self.created_at),
            "due_at": iso(self.due_at),
            "extended_days": self.extended_days,
            "operator_id": self.operator_id,
            "taken_at": iso(self.taken_at),
            "answer": self.answer,
            "answered_at": iso(self.answered_at),
            "answer_delivered": self.answer_delivered,
            "rating": self.rating,
            "closed_at": iso(self.closed_at),
        }


_SELECT = "SELECT * FROM rosobrnadzor_helper_appeals"


async def get_appeal(db: Database, appeal_id: int) -> Appeal | None:
    """One appeal by id (for the mini-app and the bot alike)."""
    row = await db.fetchone(f"{_SELECT} WHERE id = ?", (appeal_id,))
    return None if row is None else Appeal.from_row(row)


def visible_to(appeal: Appeal, identity: Identity) -> bool:
    """The one rule of who sees an appeal's card, in the bot and in the mini-app alike: its
    author; any operator while it is new (so that one takes it); after that only the operator
    who took it."""
    person = identity.person
    if person is None:
        return False
    if appeal.person_id == person.id:
        return True
    if not is_operator(identity):
        return False
    return appeal.status == Status.NEW or appeal.operator_id == person.id


async def list_queue(
    db: Database,
    *,
    statuses: tuple[Status, ...] = OPEN,
    operator_id: int | None = None,
    visible_to_operator: int | None = None,
    limit: int = 100,
) -> list[Appeal]:
    """The operators' queue: appeals in these statuses, the nearest deadline first.

    ``operator_id`` keeps only the appeals that operator has taken; ``visible_to_operator``
    the new ones and those that operator has taken (``visible_to``). Filters apply before the
    limit, so appeals others took never crowd new ones out of the first ``limit``."""
    sql = f"{_SELECT} WHERE status {db.dialect.in_list()}"
    params: list[Any] = [db.dialect.in_values([s.value for s in statuses])]
    if operator_id is not None:
        sql += " AND operator_id = ?"
        params.append(operator_id)
    if visible_to_operator is not None:
        sql += " AND (status = 'new' OR operator_id = ?)"
        params.append(visible_to_operator)
    rows = await db.fetchall(sql + " ORDER BY due_at, id LIMIT ?", (*params, limit))
    return [Appeal.from_row(row) for row in rows]


class AppealStore:
    """The appeals table and every transition, each recorded in the appeal's history."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def _log(
        self, tx: Transaction, appeal_id: int, actor_id: int | None, kind: str, **details: Any
    ) -> None:
        await tx.execute(
            "INSERT INTO rosobrnadzor_helper_appeal_events (appeal_id, at, actor_id, kind, "
            "details) VALUES (?, ?, ?, ?, ?)",
            (
                appeal_id,
                self.clock.now().isoformat(),
                actor_id,
                kind,
                json.dumps(details, ensure_ascii=False),
            ),
        )

    async def _locked(self, tx: Transaction, appeal_id: int) -> Appeal:
        """The appeal, locked until ``tx`` ends: every transition reads it here first, so two
        operators acting on one appeal at once take turns and the second sees the first's
        change. SQLite's writer lock already serialises transactions; PostgreSQL's do not, so
        there the row is locked (a second reader waits, then reads the committed row)."""
        row = await tx.fetchone(f"{_SELECT} WHERE id = ? {tx.dialect.for_update}", (appeal_id,))
        if row is None:
            raise AppealError("not_found")
        return Appeal.from_row(row)

    async def get(self, appeal_id: int) -> Appeal | None:
        return await get_appeal(self.db, appeal_id)

    async def of_person(self, person_id: int, limit: int = 20) -> list[Appeal]:
        rows = await self.db.fetchall(
            f"{_SELECT} WHERE person_id = ? ORDER BY id DESC LIMIT ?", (person_id, limit)
        )
        return [Appeal.from_row(row) for row in rows]

    async def history(self, appeal_id: int) -> list[dict[str, Any]]:
        return await self.db.fetchall(
            "SELECT at, actor_id, kind, details FROM rosobrnadzor_helper_appeal_events "
            "WHERE appeal_id = ? ORDER BY id",
            (appeal_id,),
        )

    async def file(
        self,
        author: Identity,
        *,
        category: str,
        text: str,
        links: list[str] | tuple[str, ...] = (),
        group_id: int | None = None,
        files: Sequence[tuple[str, str, str]] = (),
    ) -> Appeal:
        """Register an appeal of ``author``, who must be verified staff: a student, a parent or a
        user with no role cannot file one, for themselves or for anyone else."""
        if author.person is None or not is_staff(author):
            raise AppealError("not_staff")
        text = (text or "").strip()
        if not MIN_TEXT <= len(text) <= MAX_TEXT:
            raise AppealError("bad_text")
        if category not in CATEGORIES:
            category = "other"
        links = list(dict.fromkeys(links))[:MAX_LINKS]
        org_id = min(author.org_ids(RoleKind.STAFF))
        now = self.clock.now()
        due = now + timedelta(days=ANSWER_DAYS)
        async with self.db.transaction() as tx:
            appeal_id = await tx.execute(
                "INSERT INTO rosobrnadzor_helper_appeals (number, person_id, org_id, group_id, "
                "category, text, links, status, created_at, due_at, files) "
                "VALUES ('', ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?)",
                (
                    author.person.id,
                    org_id,
                    group_id,
                    category,
                    text,
                    json.dumps(links, ensure_ascii=False),
                    now.isoformat(),
                    due.isoformat(),
                    json.dumps([list(f) for f in files[:MAX_FILES]], ensure_ascii=False),
                ),
            )
            number = f"{now.year}-{appeal_id:05d}"
            await tx.execute(
                "UPDATE rosobrnadzor_helper_appeals SET number = ? WHERE id = ?",
                (number, appeal_id),
            )
            await self._log(tx, appeal_id, author.person.id, "filed", category=category)
            return await self._locked(tx, appeal_id)

    async def take(self, appeal_id: int, operator: Identity) -> Appeal:
        """An operator takes a new appeal; taking one's own again is a no-op."""
        if operator.person is None or not is_operator(operator):
            raise AppealError("not_operator")
        async with self.db.transaction() as tx:
            appeal = await self._locked(tx, appeal_id)
            if appeal.status == Status.IN_PROGRESS and appeal.operator_id == operator.person.id:
                return appeal
            if appeal.status != Status.NEW:
                raise AppealError("taken" if appeal.status == Status.IN_PROGRESS else "not_open")
            return await self._take_new(tx, appeal_id, operator.person.id)

    async def release(self, appeal_id: int, operator: Identity) -> Appeal:
        """The operator who took an appeal puts it back into the queue."""
        async with self.db.transaction() as tx:
            appeal = await self._own(tx, appeal_id, operator)
            await tx.execute(
                "UPDATE rosobrnadzor_helper_appeals SET status = 'new', operator_id = NULL, "
                "taken_at = NULL WHERE id = ?",
                (appeal_id,),
            )
            await self._log(tx, appeal_id, appeal.operator_id, "released")
            return await self._locked(tx, appeal_id)

    async def _take_new(self, tx: Transaction, appeal_id: int, person_id: int) -> Appeal:
        """A new appeal (locked in tx) goes in progress with this operator."""
        # Conditional as well as locked: only a still new appeal is taken, whatever the caller
        # read before, so two operators can never both take it.
        changed = await tx.execute(
            "UPDATE rosobrnadzor_helper_appeals SET status = 'in_progress', operator_id = ?, "
            "taken_at = ? WHERE id = ? AND status = 'new'",
            (person_id, self.clock.now().isoformat(), appeal_id),
        )
        if not changed:
            raise AppealError("taken")
        await self._log(tx, appeal_id, person_id, "taken")
        return await self._locked(tx, appeal_id)

    async def _own(self, tx: Transaction, appeal_id: int, operator: Identity) -> Appeal:
        """The appeal, in progress with this operator (a new one is taken on the way)."""
        if operator.person is None or not is_operator(operator):
            raise AppealError("not_operator")
        appeal = await self._locked(tx, appeal_id)
        if appeal.status == Status.NEW:
            return await self._take_new(tx, appeal_id, operator.person.id)
        if appeal.status != Status.IN_PROGRESS:
            raise AppealError("not_open")
        if appeal.operator_id != operator.person.id:
            raise AppealError("taken")
        return appeal

    async def answer(self, appeal_id: int, operator: Identity, text: str) -> Appeal:
        text = (text or "").strip()
        if not 2 <= len(text) <= MAX_ANSWER:
            raise AppealError("bad_answer")
        async with self.db.transaction() as tx:
            appeal = await self._own(tx, appeal_id, operator)
            await tx.execute(
                "UPDATE rosobrnadzor_helper_appeals SET status = 'answered', answer = ?, "
                "answered_at = ?, answer_delivered = 0 WHERE id = ?",
                (text, self.clock.now().isoformat(), appeal_id),
            )
            await self._log(tx, appeal_id, appeal.operator_id, "answered")
            return await self._locked(tx, appeal_id)

    async def mark_delivered(self, appeal_id: int, delivered: bool, reason: str = "") -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE rosobrnadzor_helper_appeals SET answer_delivered = ? WHERE id = ?",
                (int(delivered), appeal_id),
            )
            await self._log(
                tx, appeal_id, None, "delivered" if delivered else "kept", reason=reason
            )

    async def mark_deferred(self, appeal_id: int, until: str) -> None:
        """The answer waits for the teacher's working hours (``until``, their local time); the
        history records its delivery when it goes (``mark_delivered``)."""
        async with self.db.transaction() as tx:
            await self._log(tx, appeal_id, None, "deferred", until=until)

    async def extend(self, appeal_id: int, operator: Identity, days: int) -> Appeal:
        """Extend the deadline once, by 1 to 30 days (the teacher must be told)."""
        if not 1 <= days <= MAX_EXTENSION_DAYS:
            raise AppealError("bad_days")
        async with self.db.transaction() as tx:
            appeal = await self._own(tx, appeal_id, operator)
            if appeal.extended_days:
                raise AppealError("extension_used")
            due = appeal.due_at + timedelta(days=days)
            await tx.execute(
                "UPDATE rosobrnadzor_helper_appeals SET due_at = ?, extended_days = ? WHERE id = ?",
                (due.isoformat(), days, appeal_id),
            )
            await self._log(tx, appeal_id, appeal.operator_id, "extended", days=days)
            return await self._locked(tx, appeal_id)

    async def rate(self, appeal_id: int, person: Identity, rating: int) -> Appeal:
        """The teacher who filed the appeal rates the answer; that closes it."""
        if not 1 <= rating <= 5:
            raise AppealError("bad_rating")
        async with self.db.transaction() as tx:
            appeal = await self._locked(tx, appeal_id)
            if person.person is None or appeal.person_id != person.person.id:
                raise AppealError("not_author")
            if appeal.status not in (Status.ANSWERED, Status.CLOSED) or appeal.rating is not None:
                raise AppealError("not_ratable")
            await tx.execute(
                "UPDATE rosobrnadzor_helper_appeals SET rating = ?, status = 'closed', "
                "closed_at = coalesce(closed_at, ?) WHERE id = ?",
                (rating, self.clock.now().isoformat(), appeal_id),
            )
            await self._log(tx, appeal_id, person.person.id, "rated", rating=rating)
            return await self._locked(tx, appeal_id)

    async def close_if_answered(self, appeal_id: int) -> bool:
        """Close an answered appeal nobody rated (the 14-day job)."""
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE rosobrnadzor_helper_appeals SET status = 'closed', closed_at = ? "
                "WHERE id = ? AND status = 'answered'",
                (self.clock.now().isoformat(), appeal_id),
            )
            if changed:
                await self._log(tx, appeal_id, None, "closed", why="no_rating")
            return bool(changed)
