"""«Чаты сообщества»: the group chats of an organisation's subtree with their members and activity.

A chat is a row of ``chats`` (peer id, title, organisation, class, creator) with its
``chat_members``; its activity is what core recorded there (core/activity: events whose
``peer_id`` is the chat's). The list is one query, no query per chat, and it never reads the raw
log: ``activity_facts`` has no index on ``peer_id`` (the bulk ingest is kept an append), so the
ingest keeps ``chat_activity_days`` (migration 0022: per chat peer and UTC day, the group-chat
messages, events and latest event; core/activity/store.py), and the list reads, per chat, the
days of its window and its latest day through that table's primary key (bench/cabinet_chats.py).

The window ("messages in the last seven days") is whole UTC days: the seven UTC days that end with
``now``'s (today's so far included), i.e. from 00:00 UTC of the sixth day before ``now``'s until
``now`` — between six and seven times 24 hours back. A message counts when its UTC day is one of
the seven: nothing older than 7 × 24 hours ever counts, and one 6 × 24 to 7 × 24 hours old counts
when it is on the window's first day, not when it is on the day before. The first day is neither
cut at ``now`` − 7 × 24 h nor topped up from raw events (that would read the unindexed log again):
one query over the counters, correct to the day. A chat's card counts each member's messages over
the same window (from 00:00 UTC of the first day), still from the raw log of that one chat
(``activity_facts`` rows with the member's person id): a card is one chat, opened one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.activity.kinds import GROUP_CHAT_MESSAGE
from core.activity.store import CHAT_PEERS, DAY_S
from core.storage import Database

WINDOW = timedelta(days=7)

_LIST = """
WITH mine AS (
    SELECT c.id, c.peer_id FROM chats c
    WHERE c.org_id {in_list} AND (? = 0 OR c.group_id = ?)
), act AS (
    SELECT mine.id AS chat_id,
           (SELECT sum(d.messages) FROM chat_activity_days d
            WHERE d.peer_id = mine.peer_id AND d.day >= ?) AS messages,
           -- A day's last_ts lies inside it: the latest day holds the chat's latest event.
           (SELECT d.last_ts FROM chat_activity_days d
            WHERE d.peer_id = mine.peer_id ORDER BY d.day DESC LIMIT 1) AS last_ts
    FROM mine
), counted AS (
    SELECT m.chat_id, count(*) AS members FROM chat_members m
    WHERE m.chat_id IN (SELECT id FROM mine) GROUP BY m.chat_id
)
SELECT c.id, c.peer_id, c.title, c.org_id, o.name AS org_name, c.group_id,
       coalesce(g.name, '') AS group_name,
       coalesce(trim(p.first_name || ' ' || p.last_name), '') AS creator,
       coalesce(n.members, 0) AS members, coalesce(a.messages, 0) AS messages, a.last_ts
FROM mine
JOIN chats c ON c.id = mine.id
JOIN organisations o ON o.id = c.org_id
LEFT JOIN groups g ON g.id = c.group_id
LEFT JOIN persons p ON p.id = c.created_by
LEFT JOIN act a ON a.chat_id = c.id
LEFT JOIN counted n ON n.chat_id = c.id
WHERE 1 = 1
"""
_ORDER = " ORDER BY messages DESC, a.last_ts IS NULL, a.last_ts DESC, c.title, c.id"

# {roles}, {classes}: the values joined in the subquery's order (SQLite keeps it; PostgreSQL is
# told with string_agg's ORDER BY).
_MEMBERS_TEMPLATE = f"""
SELECT p.id, p.first_name, p.last_name,
       (SELECT {{roles}} FROM (
           SELECT DISTINCT r.role || ':' || coalesce(r.position, '') AS x FROM roles r
           WHERE r.person_id = p.id AND r.org_id = ? AND r.revoked_at IS NULL ORDER BY x)
           AS held
       ) AS roles,
       (SELECT {{classes}} FROM (
           SELECT DISTINCT g.name FROM student_groups sg JOIN groups g ON g.id = sg.group_id
           WHERE g.org_id = ? AND (sg.person_id = p.id OR sg.person_id IN (
               SELECT pc.child_id FROM parent_children pc WHERE pc.parent_id = p.id))
           ORDER BY g.name) AS named
       ) AS classes,
       coalesce(a.messages, 0) AS messages, a.last_ts
FROM chat_members m
JOIN persons p ON p.id = m.person_id
LEFT JOIN (
    SELECT f.person_id,
           sum(CASE WHEN f.kind = {GROUP_CHAT_MESSAGE} AND f.ts >= ? THEN 1 ELSE 0 END)
               AS messages,
           max(f.ts) AS last_ts
    FROM activity_facts f
    WHERE f.peer_id = ? AND f.peer_id >= {CHAT_PEERS} AND f.person_id IS NOT NULL
    GROUP BY f.person_id
) a ON a.person_id = p.id
WHERE m.chat_id = ?
ORDER BY p.last_name, p.first_name, p.id
"""
_MEMBERS = {
    "sqlite": _MEMBERS_TEMPLATE.format(
        roles="group_concat(x, ',')", classes="group_concat(name, ', ')"
    ),
    "postgresql": _MEMBERS_TEMPLATE.format(
        roles="string_agg(x, ',' ORDER BY x)", classes="string_agg(name, ', ' ORDER BY name)"
    ),
}


def first_day(now: datetime) -> int:
    """The UTC epoch day the window starts with: the seventh day counting today's."""
    return int(now.timestamp()) // DAY_S - (WINDOW.days - 1)


def _moment(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(int(ts), UTC)


@dataclass(frozen=True, slots=True)
class ChatSummary:
    id: int
    peer_id: int | None
    title: str
    org_id: int
    org_name: str
    group_id: int | None
    group_name: str
    creator: str
    members: int
    messages: int  # group-chat messages over the window (seven UTC days, today's included)
    last_activity: datetime | None  # the last thing recorded in the chat, of any kind


@dataclass(frozen=True, slots=True)
class ChatMember:
    person_id: int
    first_name: str
    last_name: str
    # (role, position or "") held in the chat's organisation, e.g. ("staff", "teacher")
    roles: tuple[tuple[str, str], ...]
    classes: str  # a student's classes, or a parent's children's
    messages: int
    last_activity: datetime | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class ChatCard:
    chat: ChatSummary
    members: list[ChatMember]


@dataclass(frozen=True, slots=True)
class ClassOption:
    group_id: int
    name: str
    org_name: str


def _summary(row: dict[str, Any]) -> ChatSummary:
    return ChatSummary(
        id=int(row["id"]),
        peer_id=None if row["peer_id"] is None else int(row["peer_id"]),
        title=str(row["title"]),
        org_id=int(row["org_id"]),
        org_name=str(row["org_name"]),
        group_id=None if row["group_id"] is None else int(row["group_id"]),
        group_name=str(row["group_name"]),
        creator=str(row["creator"]),
        members=int(row["members"]),
        messages=int(row["messages"] or 0),
        last_activity=_moment(row["last_ts"]),
    )


def _roles(value: str | None) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in (value or "").split(","):
        if item:
            role, _, position = item.partition(":")
            pairs.append((role, position))
    return tuple(pairs)


class CommunityChats:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _list(self) -> str:
        return _LIST.format(in_list=self.db.dialect.in_list())

    async def chats(
        self, org_ids: Iterable[int], now: datetime, *, group_id: int | None = None
    ) -> list[ChatSummary]:
        """The chats of these organisations, the most active first (messages in the window:
        the last seven UTC days, today's included; then the latest activity); only one class's
        with ``group_id``."""
        ids = self.db.dialect.in_values(sorted(set(org_ids)))
        rows = await self.db.fetchall(
            self._list() + _ORDER, (ids, group_id or 0, group_id or 0, first_day(now))
        )
        return [_summary(row) for row in rows]

    async def card(self, org_ids: Iterable[int], chat_id: int, now: datetime) -> ChatCard | None:
        """One chat of these organisations with its members (None when it is not theirs)."""
        day = first_day(now)
        ids = self.db.dialect.in_values(sorted(set(org_ids)))
        row = await self.db.fetchone(self._list() + " AND c.id = ?", (ids, 0, 0, day, chat_id))
        if row is None:
            return None
        chat = _summary(row)
        members = await self.db.fetchall(
            _MEMBERS[self.db.dialect.name],
            (chat.org_id, chat.org_id, day * DAY_S, chat.peer_id or 0, chat.id),
        )
        return ChatCard(
            chat,
            [
                ChatMember(
                    person_id=int(m["id"]),
                    first_name=m["first_name"],
                    last_name=m["last_name"],
                    roles=_roles(m["roles"]),
                    classes=m["classes"] or "",
                    messages=int(m["messages"] or 0),
                    last_activity=_moment(m["last_ts"]),
                )
                for m in members
            ],
        )

    async def classes(self, org_ids: Iterable[int]) -> list[ClassOption]:
        """The classes that have a chat in these organisations (the list's filter)."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT g.id, g.name, o.name AS org_name FROM chats c "
            "JOIN groups g ON g.id = c.group_id JOIN organisations o ON o.id = g.org_id "
            f"WHERE c.org_id {self.db.dialect.in_list()} ORDER BY o.name, g.grade, g.name",
            (self.db.dialect.in_values(sorted(set(org_ids))),),
        )
        return [ClassOption(int(r["id"]), r["name"], r["org_name"]) for r in rows]
