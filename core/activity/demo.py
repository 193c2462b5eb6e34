"""The demo district's platform statistics for the embedded sandbox.

samples/platform_stats_demo.csv holds six weeks written for the weeks before the demo's anchor
week (core.demo.calendar); loaded in another week, every «Неделя» is moved by the same whole
weeks, so the admin's «мониторинг» always has the six weeks that have just ended.

The current week is the bots' own: ``load_demo_activity`` records what the demo people did in it
so far (messages in group chats and to the bots, calls, buttons, the mini-app), so the week the
monitoring opens on has every metric, the "writing" ones (a message in any chat) among them, and
shows people who are active without writing (a call or a button only).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from core.clock import Clock
from core.demo.calendar import demo_shift
from core.storage import Database

from .importer import ImportResult, PlatformImporter
from .kinds import ActivityKind
from .store import ActivityStore, IngestRow, event_row
from .weeks import Week

SAMPLE = Path(__file__).resolve().parent / "samples" / "platform_stats_demo.csv"
WEEK_HEADING = "Неделя"
DATE_FORMAT = "%d.%m.%Y"


def demo_platform_stats(now: datetime) -> bytes:
    """The sample with its weeks moved to end just before the week of ``now``."""
    shift = demo_shift(now)
    rows = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8")), delimiter=";"))
    header = next(i for i, row in enumerate(rows) if WEEK_HEADING in row)
    column = rows[header].index(WEEK_HEADING)
    for row in rows[header + 1 :]:
        if len(row) > column and row[column].strip():
            day = datetime.strptime(row[column].strip(), DATE_FORMAT).date() + shift
            row[column] = day.strftime(DATE_FORMAT)
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


async def load_demo_monitoring(db: Database, clock: Clock) -> ImportResult | None:
    """Import the demo weeks unless platform statistics are there already; record the demo
    people's activity of the current week unless activity is there already."""
    await load_demo_activity(db, clock)
    if await db.fetchval("SELECT 1 FROM monitoring_platform_stats LIMIT 1"):
        return None
    return await PlatformImporter(db, clock).import_bytes(
        demo_platform_stats(clock.now()), SAMPLE.name
    )


# What the n-th demo teacher / student did this week (by person id order, in a cycle): the
# kinds, each with how many times. Teachers: ≥10 group-chat messages and a call; 4 messages;
# one private message to a bot; only a call (active, not writing). Students: 2 group-chat
# messages; one message to a bot; only the mini-app (active, not writing); nothing.
TEACHER_WEEKS: tuple[tuple[tuple[ActivityKind, int], ...], ...] = (
    ((ActivityKind.GROUP_CHAT_MESSAGE, 12), (ActivityKind.CALL, 1)),
    ((ActivityKind.GROUP_CHAT_MESSAGE, 4),),
    ((ActivityKind.MESSAGE_TO_BOT, 1), (ActivityKind.BUTTON, 2)),
    ((ActivityKind.CALL, 1),),
)
STUDENT_WEEKS: tuple[tuple[tuple[ActivityKind, int], ...], ...] = (
    ((ActivityKind.GROUP_CHAT_MESSAGE, 2),),
    ((ActivityKind.MESSAGE_TO_BOT, 1),),
    ((ActivityKind.MINIAPP_OPEN, 1),),
    (),
)
DEMO_PEER = 2_000_000_001  # a group chat, when the demo has none stored


async def load_demo_activity(db: Database, clock: Clock) -> int:
    """Record the demo people's activity from the start of the current week until now (nothing
    when activity is recorded already); returns the number of events."""
    if await db.fetchval("SELECT 1 FROM activity_facts LIMIT 1"):
        return 0
    zone = await db.fetchval(
        "SELECT timezone FROM organisations WHERE kind = 'region' ORDER BY id LIMIT 1"
    )
    if zone is None:
        return 0
    now = clock.now()
    start = Week.containing(now, str(zone)).start
    people = await db.fetchall(
        "SELECT p.id, p.vk_user_id, max(CASE WHEN r.role = 'staff' THEN 1 ELSE 0 END) AS staff "
        "FROM roles r "
        "JOIN persons p ON p.id = r.person_id WHERE r.revoked_at IS NULL "
        "AND p.vk_user_id IS NOT NULL AND (r.role = 'student' OR (r.role = 'staff' "
        "AND r.position IN ('teacher', 'class_teacher'))) GROUP BY p.id ORDER BY p.id"
    )
    peer = await db.fetchval("SELECT peer_id FROM chats ORDER BY id LIMIT 1") or DEMO_PEER
    planned: list[tuple[int, int, ActivityKind]] = []
    counters = {True: 0, False: 0}
    for person in people:
        staff = bool(person["staff"])
        cycle = TEACHER_WEEKS if staff else STUDENT_WEEKS
        for kind, times in cycle[counters[staff] % len(cycle)]:
            planned.extend((person["id"], person["vk_user_id"], kind) for _ in range(times))
        counters[staff] += 1
    if not planned:
        return 0
    # Spread evenly over the part of the week already gone: every event is in the past.
    step = (now - start) / (len(planned) + 1)
    rows: list[IngestRow] = [
        event_row(
            start + step * (number + 1),
            vk_user_id,
            kind,
            person_id=person_id,
            peer_id=peer if kind == ActivityKind.GROUP_CHAT_MESSAGE else None,
            plugin="demo",
        )
        for number, (person_id, vk_user_id, kind) in enumerate(planned)
    ]
    await ActivityStore(db, clock=clock, default_timezone=str(zone)).ingest(rows)
    return len(rows)
