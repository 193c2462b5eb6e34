"""Who has read a broadcast, and the report by audience group: delivered / read / failed.

VK tells a community what a person has read through the conversation's ``out_read``
(messages.getConversationsById: the id of the community's last message the person has read);
a delivered message is read once ``out_read`` reaches its id. (The Callback API's
``message_read`` event is not one VK sends to a community's Bots Long Poll, so the marks are
asked for.) A look asks about the delivered, not yet read recipients — 100 peers a call, 25 calls
an execute — at most ``MAX_PER_LOOK`` of them, the next look going on after the last one, and not
more often than ``LOOK_EVERY`` per broadcast.

Audience groups: the classes for a class audience, and for the school's students or parents (a
parent counted under the first chosen class of their children); the roles for the whole school
(staff, parents, students: a person with several roles is counted once, by the strongest).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.clock import Clock
from core.storage import Database
from core.storage.dialect import Dialect
from core.vk.batch_sender import BatchSender, VkCallError

from .spec import Audience, AudienceKind

if TYPE_CHECKING:
    from .engine import BroadcastEngine

log = logging.getLogger("sferum.broadcast.reads")

LOOK_EVERY = timedelta(minutes=1)
PEERS_PER_CALL = 100
CALLS_PER_EXECUTE = 25
MAX_PER_LOOK = 10_000
ROLE_ORDER = ("staff", "parent", "student")


@dataclass
class GroupLine:
    """One audience group of a broadcast's report."""

    key: str  # "g:<class id>", "r:<role>", "all", "none" (no class)
    name: str  # the class's name, the role, or ""
    total: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0
    skipped: int = 0
    pending: int = 0

    @property
    def kind(self) -> str:
        """class | role | all | none, for whoever names the group."""
        return {"g": "class", "r": "role"}.get(self.key.split(":")[0], self.key)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _execute_code(peer_groups: list[list[int]]) -> str:
    calls = ",".join(
        "API.messages.getConversationsById("
        + json.dumps({"peer_ids": ",".join(map(str, peers))})
        + ")"
        for peers in peer_groups
    )
    return f"return [{calls}];"


def _out_read(answer: Any) -> dict[int, int]:
    """peer id -> out_read from one getConversationsById answer (anything else: nothing)."""
    found: dict[int, int] = {}
    if not isinstance(answer, dict):
        return found
    for item in answer.get("items") or []:
        if not isinstance(item, dict):
            continue
        peer = item.get("peer")
        if isinstance(peer, dict) and isinstance(peer.get("id"), int):
            found[peer["id"]] = int(item.get("out_read") or 0)
    return found


# The audience group of each recipient, by audience kind: (person_id, key) rows, with the
# parameters the query takes (the audience's classes, or its organisation).
_SCHOOL = "IN (SELECT id FROM groups WHERE org_id = ?)"


def _class_of_student(classes: str) -> str:
    return (
        "SELECT person_id, 'g:' || min(group_id) AS key FROM student_groups "
        f"WHERE group_id {classes} GROUP BY person_id"
    )


def _class_of_parent(classes: str) -> str:
    return (
        "SELECT c.parent_id AS person_id, 'g:' || min(s.group_id) AS key FROM parent_children c "
        "JOIN student_groups s ON s.person_id = c.child_id WHERE c.confirmed = 1 "
        f"AND s.group_id {classes} GROUP BY c.parent_id"
    )


# The strongest role first; CASE rather than max() of a comparison, which PostgreSQL (whose
# comparisons are booleans) has no max() for.
_ROLE = (
    "SELECT person_id, 'r:' || CASE "
    "WHEN max(CASE WHEN role = 'staff' THEN 1 ELSE 0 END) = 1 THEN 'staff' "
    "WHEN max(CASE WHEN role = 'parent' THEN 1 ELSE 0 END) = 1 THEN 'parent' "
    "ELSE 'student' END AS key FROM roles "
    "WHERE org_id = ? AND revoked_at IS NULL GROUP BY person_id"
)
# Typed NULLs: PostgreSQL joins the keys on person_id, which must be a number.
_NOBODY = "SELECT CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS TEXT) AS key WHERE 1 = 0"


def _grouping(audience: Audience, dialect: Dialect) -> tuple[str, tuple[Any, ...], str]:
    """The (person_id, key) query for this audience, its parameters, and the key of everyone
    it leaves out."""
    kind = audience.kind
    chosen = (dialect.in_values(audience.group_ids),)
    school = (audience.org_id,)
    if kind == AudienceKind.GROUPS:
        return _class_of_student(dialect.in_list()), chosen, "none"
    if kind == AudienceKind.GROUP_PARENTS:
        return _class_of_parent(dialect.in_list()), chosen, "none"
    if kind == AudienceKind.STUDENTS:
        return _class_of_student(_SCHOOL), school, "none"
    if kind == AudienceKind.PARENTS:
        return _class_of_parent(_SCHOOL), school, "none"
    if kind == AudienceKind.ORGANISATION:
        return _ROLE, school, "none"
    if kind == AudienceKind.STAFF:
        return _NOBODY, (), "r:staff"
    return _NOBODY, (), "all"


def _mark_read(dialect: Dialect, when: str, read: list[list[int]]) -> tuple[str, tuple[Any, ...]]:
    """The statement marking these [broadcast, person] pairs read, and its parameters: the pairs
    as one JSON parameter on SQLite, as two arrays on PostgreSQL."""
    if dialect.name == "postgresql":
        return (
            "UPDATE broadcast_deliveries SET read_at = ?1 "
            "FROM unnest(CAST(?2 AS BIGINT[]), CAST(?3 AS BIGINT[])) AS r(b, p) "
            "WHERE broadcast_id = r.b AND person_id = r.p AND read_at IS NULL",
            (when, [pair[0] for pair in read], [pair[1] for pair in read]),
        )
    return (
        "UPDATE broadcast_deliveries SET read_at = ?1 FROM ("
        "SELECT json_extract(value, '$[0]') AS b, json_extract(value, '$[1]') AS p "
        "FROM json_each(?2)) AS r "
        "WHERE broadcast_id = r.b AND person_id = r.p AND read_at IS NULL",
        (when, json.dumps(read)),
    )


class ReadMarks:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def _runs(self, broadcast_id: int) -> list[int]:
        """The broadcasts whose delivery logs make this one's report: a recurring broadcast's
        runs, or itself."""
        row = await self.db.fetchone(
            "SELECT schedule FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        if row is None or row["schedule"] is None:
            return [broadcast_id]
        rows = await self.db.fetchrows(
            "SELECT id FROM broadcasts WHERE parent_id = ? ORDER BY id", (broadcast_id,)
        )
        return [int(r[0]) for r in rows]

    # --- asking VK ------------------------------------------------------------------------------
    async def refresh(self, broadcast_id: int, sender: BatchSender, *, force: bool = False) -> int:
        """Ask VK which delivered recipients have read it since the last look; returns how many
        were found to have read it now. A VK that does not answer changes nothing (logged)."""
        now = self.clock.now()
        check = await self.db.fetchone(
            "SELECT checked_at, after_person_id FROM broadcast_read_checks WHERE broadcast_id = ?",
            (broadcast_id,),
        )
        if (
            check is not None
            and not force
            and now - datetime.fromisoformat(check["checked_at"]) < LOOK_EVERY
        ):
            return 0
        after = int(check["after_person_id"]) if check is not None else 0
        runs = await self._runs(broadcast_id)
        dialect = self.db.dialect
        rows = await self.db.fetchrows(
            "SELECT broadcast_id, person_id, peer_id, message_id FROM broadcast_deliveries "
            f"WHERE broadcast_id {dialect.in_list()} AND state = 'sent' "
            "AND read_at IS NULL AND message_id > 0 AND peer_id IS NOT NULL AND person_id > ? "
            "ORDER BY person_id LIMIT ?",
            (dialect.in_values(runs), after, MAX_PER_LOOK),
        )
        # A full look goes on after its last person next time; a short one has reached the end.
        cursor = int(rows[-1][1]) if len(rows) == MAX_PER_LOOK else 0
        out_read, complete = await self._ask(sorted({int(r[2]) for r in rows}), sender)
        read = [[int(r[0]), int(r[1])] for r in rows if out_read.get(int(r[2]), 0) >= int(r[3])]
        async with self.db.transaction() as tx:
            if read:
                await tx.execute(*_mark_read(dialect, _utc(now), read))
            # A look VK did not fully answer is not one: the next asks again at once.
            if complete:
                await tx.execute(
                    "INSERT INTO broadcast_read_checks (broadcast_id, checked_at, "
                    "after_person_id) VALUES (?1, ?2, ?3) ON CONFLICT (broadcast_id) DO UPDATE "
                    "SET checked_at = ?2, after_person_id = ?3",
                    (broadcast_id, _utc(now), cursor),
                )
        return len(read)

    async def _ask(self, peers: list[int], sender: BatchSender) -> tuple[dict[int, int], bool]:
        """out_read by peer, and whether every call was answered."""
        found: dict[int, int] = {}
        groups = [peers[i : i + PEERS_PER_CALL] for i in range(0, len(peers), PEERS_PER_CALL)]
        for start in range(0, len(groups), CALLS_PER_EXECUTE):
            calls = groups[start : start + CALLS_PER_EXECUTE]
            try:
                body = await sender.call("execute", {"code": _execute_code(calls)})
            except VkCallError as exc:
                log.warning("read marks: VK did not answer getConversationsById: %s", exc)
                return found, False
            answers = body.get("response")
            answers = answers if isinstance(answers, list) else [answers]
            if len(answers) != len(calls) or not all(isinstance(a, dict) for a in answers):
                log.warning(
                    "read marks: getConversationsById failed inside execute: %s",
                    body.get("execute_errors"),
                )
                found.update(m for a in answers for m in _out_read(a).items())
                return found, False
            for answer in answers:
                found.update(_out_read(answer))
        return found, True

    # --- the report -----------------------------------------------------------------------------
    async def groups(self, broadcast_id: int) -> list[GroupLine]:
        """Delivered / read / failed (and skipped, waiting) per audience group, in the order a
        reader expects: classes by grade and name, roles staff-parents-students."""
        row = await self.db.fetchone(
            "SELECT audience FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        if row is None:
            return []
        audience = Audience.from_json(json.loads(row["audience"]))
        dialect = self.db.dialect
        grouping, grouping_params, rest = _grouping(audience, dialect)
        runs = dialect.in_values(await self._runs(broadcast_id))
        counts = await self.db.fetchall(
            f"WITH keyed AS ({grouping}) "
            "SELECT coalesce(k.key, ?) AS key, d.state, d.read_at IS NOT NULL AS read, "
            "count(*) AS n FROM broadcast_deliveries d "
            "LEFT JOIN keyed k ON k.person_id = d.person_id "
            f"WHERE d.broadcast_id {dialect.in_list()} "
            "GROUP BY 1, 2, 3",
            (*grouping_params, rest, runs),
        )
        lines: dict[str, GroupLine] = {}
        for count in counts:
            key = str(count["key"])
            line = lines.setdefault(key, GroupLine(key, ""))
            n = int(count["n"])
            line.total += n
            state = count["state"]
            if state == "sent":
                line.delivered += n
                line.read += n if count["read"] else 0
            elif state == "failed":
                line.failed += n
            elif state == "skipped":
                line.skipped += n
            else:
                line.pending += n
        return await self._named(lines)

    async def _named(self, lines: dict[str, GroupLine]) -> list[GroupLine]:
        class_ids = [int(k[2:]) for k in lines if k.startswith("g:")]
        order: dict[str, tuple[int, int, str]] = {}
        if class_ids:
            dialect = self.db.dialect
            for group in await self.db.fetchall(
                f"SELECT id, name, grade FROM groups WHERE id {dialect.in_list()}",
                (dialect.in_values(class_ids),),
            ):
                key = f"g:{group['id']}"
                lines[key].name = group["name"]
                order[key] = (0, int(group["grade"] or 0), group["name"])
        for key, line in lines.items():
            if line.kind == "role":
                line.name = key[2:]
                order[key] = (1, ROLE_ORDER.index(line.name), "")
            order.setdefault(key, (2, 0, key))
        return sorted(lines.values(), key=lambda line: order[line.key])


async def look(engine: BroadcastEngine, broadcast_id: int, *, force: bool = False) -> bool:
    """Refresh the broadcast's read marks through its community's sender; False when that
    community is not connected here (the report then shows what was known before)."""
    from .engine import BroadcastError

    group_id = await engine.db.fetchval(
        "SELECT group_id FROM broadcasts WHERE id = ?", (broadcast_id,)
    )
    if group_id is None:
        return False
    try:
        sender = engine.sender(int(group_id))
    except BroadcastError:
        return False
    await ReadMarks(engine.db, engine.clock).refresh(broadcast_id, sender, force=force)
    return True
