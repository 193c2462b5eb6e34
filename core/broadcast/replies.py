"""Recipients' answers to broadcasts: which broadcast a person's message answers, keeping it for
the author, and reading the answers back, broadcast by broadcast.

A message answers a broadcast when it replies to (or forwards) the broadcast's message in the
community's dialog — any broadcast with an author — or when it is typed right after it, nothing
in between. The second only for what people wrote to people (``IMPLICIT_SOURCES``): after a
plugin's broadcast (an assignment, a recommended event) a typed message is more likely meant for
that plugin's dialog than for the teacher behind it. A message after (or replying to) the author's
answer to an earlier reply goes on under the same broadcast.

Replies of a recurring broadcast's runs are kept under the recurring broadcast, the one its author
sees in the lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.clock import Clock
from core.storage import Database, Row
from core.storage.dialect import Dialect

IMPLICIT_SOURCES = ("advisor_broadcast", "cli")
MAX_TEXT = 4000  # what is kept of one answer (a VK message holds 4,096 characters)


@dataclass(frozen=True)
class Target:
    """The broadcast a message answers (the recurring one for a run of it)."""

    broadcast_id: int
    author_person_id: int
    title: str


@dataclass(frozen=True)
class Reply:
    id: int
    broadcast_id: int
    person_id: int
    peer_id: int
    group_id: int
    first_name: str
    last_name: str
    how: str  # reply | forward | after
    text: str
    attachments: int
    created_at: datetime
    answered_at: datetime | None
    answer_text: str | None
    answers: int

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class ReplySummary:
    broadcast_id: int
    title: str
    replies: int
    unanswered: int


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _target(dialect: Dialect, implicit: bool) -> str:
    """The newest broadcast delivered as one of the messages ?3, of the sources ?4 when the
    message only follows it (``implicit``)."""
    sources = f"AND b.source {dialect.in_list('?4')}" if implicit else ""
    return f"""
SELECT coalesce(b.parent_id, b.id) AS id, b.author_person_id,
       coalesce((SELECT p.title FROM broadcasts p WHERE p.id = b.parent_id), b.title) AS title
FROM broadcasts b
JOIN broadcast_deliveries d ON d.broadcast_id = b.id AND d.person_id = ?1
WHERE b.group_id = ?2 AND b.author_person_id IS NOT NULL AND d.state = 'sent'
  AND d.message_id {dialect.in_list("?3")}
  {sources}
ORDER BY b.id DESC LIMIT 1
"""


def _after_answer(dialect: Dialect) -> str:
    """A message after (or replying to) the author's answer to an earlier reply of this
    person."""
    return f"""
SELECT r.broadcast_id AS id, b.author_person_id, b.title
FROM broadcast_replies r JOIN broadcasts b ON b.id = r.broadcast_id
WHERE r.person_id = ?1 AND r.group_id = ?2
  AND r.answer_message_id {dialect.in_list("?3")}
ORDER BY r.id DESC LIMIT 1
"""


_REPLY_COLUMNS = (
    "r.id, r.broadcast_id, r.person_id, r.peer_id, r.group_id, p.first_name, p.last_name, r.how, "
    "r.text, r.attachments, r.created_at, r.answered_at, r.answer_text, r.answers"
)


class BroadcastReplies:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # --- which broadcast a message answers ----------------------------------------------------
    async def target_of(
        self, group_id: int, person_id: int, message_ids: Sequence[int], *, implicit: bool = False
    ) -> Target | None:
        """The newest broadcast with an author this community delivered to this person as one of
        ``message_ids`` (VK message ids in the person's dialog). ``implicit``: the message only
        follows it, so only broadcasts people wrote (IMPLICIT_SOURCES) count."""
        ids = [i for i in message_ids if i > 0]
        if not ids:
            return None
        dialect = self.db.dialect
        messages = dialect.in_values(ids)
        params: tuple[Any, ...] = (person_id, group_id, messages)
        if implicit:
            params += (dialect.in_values(IMPLICIT_SOURCES),)
        row = await self.db.fetchone(_target(dialect, implicit), params)
        if row is None:
            row = await self.db.fetchone(_after_answer(dialect), (person_id, group_id, messages))
        if row is None:
            return None
        return Target(int(row["id"]), int(row["author_person_id"]), row["title"])

    async def may_follow(self, group_id: int, person_id: int) -> bool:
        """Whether any broadcast people wrote (or an answer to this person's reply) reached this
        person from this community: only then is it worth asking VK what a typed message
        follows."""
        found = await self.db.fetchval(
            "SELECT 1 FROM broadcasts b JOIN broadcast_deliveries d ON d.broadcast_id = b.id "
            "AND d.person_id = ?1 WHERE b.group_id = ?2 AND b.author_person_id IS NOT NULL "
            "AND d.state = 'sent' AND d.message_id IS NOT NULL "
            f"AND b.source {self.db.dialect.in_list('?3')} "
            "UNION ALL SELECT 1 FROM broadcast_replies WHERE person_id = ?1 AND group_id = ?2 "
            "AND answer_message_id IS NOT NULL LIMIT 1",
            (person_id, group_id, self.db.dialect.in_values(IMPLICIT_SOURCES)),
        )
        return found is not None

    # --- keeping one ---------------------------------------------------------------------------
    async def record(
        self,
        target: Target,
        *,
        person_id: int,
        group_id: int,
        peer_id: int,
        vk_message_id: int,
        cmid: int,
        how: str,
        text: str,
        attachments: int = 0,
    ) -> int:
        """Keep the answer; the same VK message (a redelivered event) is kept once. Returns the
        reply's id either way."""
        await self.db.execute(
            self.db.dialect.insert_ignore(
                "INTO broadcast_replies (broadcast_id, person_id, group_id, peer_id, "
                "vk_message_id, cmid, how, text, attachments, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            (
                target.broadcast_id,
                person_id,
                group_id,
                peer_id,
                vk_message_id,
                cmid,
                how,
                text[:MAX_TEXT],
                attachments,
                _utc(self.clock.now()),
            ),
        )
        return int(
            await self.db.fetchval(
                "SELECT id FROM broadcast_replies WHERE group_id = ? AND peer_id = ? AND cmid = ?",
                (group_id, peer_id, cmid),
            )
        )

    async def answered(self, reply_id: int, text: str, message_id: int | None) -> None:
        """The author's answer went to the person (as VK message ``message_id``)."""
        await self.db.execute(
            "UPDATE broadcast_replies SET answered_at = ?, answer_text = ?, answers = answers + 1, "
            "answer_message_id = coalesce(?, answer_message_id) WHERE id = ?",
            (_utc(self.clock.now()), text[:MAX_TEXT], message_id, reply_id),
        )

    async def answer_sent(self, reply_id: int, message_id: int) -> None:
        """An answer held back for the person's quiet hours went, as VK message ``message_id``."""
        await self.db.execute(
            "UPDATE broadcast_replies SET answer_message_id = ? WHERE id = ?",
            (message_id, reply_id),
        )

    # --- reading them back -----------------------------------------------------------------------
    async def summaries(
        self, author_person_id: int, offset: int = 0, limit: int = 5
    ) -> tuple[list[ReplySummary], int]:
        """The author's broadcasts that have answers, newest answer first; and how many there
        are in all."""
        total = await self.db.fetchval(
            "SELECT count(DISTINCT r.broadcast_id) FROM broadcast_replies r "
            "JOIN broadcasts b ON b.id = r.broadcast_id WHERE b.author_person_id = ?",
            (author_person_id,),
        )
        rows = await self.db.fetchall(
            "SELECT b.id, b.title, count(*) AS replies, "
            "sum(CASE WHEN r.answered_at IS NULL THEN 1 ELSE 0 END) AS unanswered, "
            "max(r.id) AS last "
            "FROM broadcast_replies r JOIN broadcasts b ON b.id = r.broadcast_id "
            "WHERE b.author_person_id = ? GROUP BY b.id ORDER BY last DESC LIMIT ? OFFSET ?",
            (author_person_id, limit, offset),
        )
        items = [
            ReplySummary(int(r["id"]), r["title"], int(r["replies"]), int(r["unanswered"]))
            for r in rows
        ]
        return items, int(total or 0)

    async def count(self, broadcast_id: int) -> int:
        return int(
            await self.db.fetchval(
                "SELECT count(*) FROM broadcast_replies WHERE broadcast_id = ?", (broadcast_id,)
            )
        )

    async def of_broadcast(
        self, broadcast_id: int, offset: int = 0, limit: int = 5
    ) -> tuple[list[Reply], int]:
        """One broadcast's answers, newest first; and how many there are."""
        rows = await self.db.fetchall(
            f"SELECT {_REPLY_COLUMNS} FROM broadcast_replies r JOIN persons p "
            "ON p.id = r.person_id WHERE r.broadcast_id = ? ORDER BY r.id DESC LIMIT ? OFFSET ?",
            (broadcast_id, limit, offset),
        )
        return [self._reply(row) for row in rows], await self.count(broadcast_id)

    async def get(self, reply_id: int) -> Reply | None:
        row = await self.db.fetchone(
            f"SELECT {_REPLY_COLUMNS} FROM broadcast_replies r JOIN persons p "
            "ON p.id = r.person_id WHERE r.id = ?",
            (reply_id,),
        )
        return None if row is None else self._reply(row)

    @staticmethod
    def _reply(row: Row) -> Reply:
        return Reply(
            id=int(row["id"]),
            broadcast_id=int(row["broadcast_id"]),
            person_id=int(row["person_id"]),
            peer_id=int(row["peer_id"]),
            group_id=int(row["group_id"]),
            first_name=row["first_name"],
            last_name=row["last_name"],
            how=row["how"],
            text=row["text"],
            attachments=int(row["attachments"]),
            created_at=datetime.fromisoformat(row["created_at"]),
            answered_at=_moment(row["answered_at"]),
            answer_text=row["answer_text"],
            answers=int(row["answers"]),
        )
