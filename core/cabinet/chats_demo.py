"""Demo activity in the demo district's chats for the embedded sandbox, so «Чаты сообщества»
shows chats busy and quiet: messages of the chats' members over the last fortnight, dated back
from the injected clock, written as core records them (ActivityStore.ingest). Loaded once (its
rows are marked in the ``plugin`` column)."""

from __future__ import annotations

import json
from datetime import timedelta

from core.activity import ActivityKind, ActivityStore
from core.activity.store import event_row
from core.clock import Clock
from core.storage import Database

# Messages per day by chat external id (the rest stay quiet); the last entry, days since the
# chat's last message.
DEMO_ACTIVITY: dict[str, tuple[int, int]] = {
    "demo:chat-s112-9a": (9, 0),
    "demo:chat-s112-staff": (6, 0),
    "demo:chat-s112-9a-parents": (3, 1),
    "demo:chat-s112-5a": (2, 2),
    "demo:chat-s112-11a": (1, 5),
    "demo:chat-operators": (1, 10),
    "demo:chat-g5-staff": (4, 0),
    "demo:chat-g5-6a": (2, 1),
}
DAYS = 14
MARK = "demo_chats"  # the plugin column of the rows written here


async def load_demo_chat_activity(db: Database, clock: Clock) -> int:
    """Record the demo chats' messages unless they have activity; how many were recorded."""
    # The members' VK ids as a JSON array: SQLite's json_group_array is PostgreSQL's json_agg.
    as_array = "json_agg" if db.dialect.name == "postgresql" else "json_group_array"
    chats = await db.fetchall(
        f"SELECT c.id, c.peer_id, c.external_id, {as_array}(p.vk_user_id) AS members "
        "FROM chats c JOIN chat_members m ON m.chat_id = c.id JOIN persons p ON p.id = m.person_id "
        f"WHERE c.external_id {db.dialect.in_list()} AND p.vk_user_id IS NOT NULL "
        "GROUP BY c.id ORDER BY c.id",
        (db.dialect.in_values(sorted(DEMO_ACTIVITY)),),
    )
    peers = [int(c["peer_id"]) for c in chats if c["peer_id"] is not None]
    # Other demos may have recorded something in these chats: this one's rows carry its mark.
    if not peers or await db.fetchval(
        "SELECT 1 FROM activity_facts WHERE plugin = ? LIMIT 1", (MARK,)
    ):
        return 0
    persons = {
        int(r["vk_user_id"]): int(r["id"])
        for r in await db.fetchall(
            "SELECT id, vk_user_id FROM persons WHERE vk_user_id IS NOT NULL"
        )
    }
    now = clock.now()
    rows = []
    for chat in chats:
        per_day, quiet_days = DEMO_ACTIVITY[chat["external_id"]]
        members = sorted(int(v) for v in json.loads(chat["members"]))
        for day in range(quiet_days, DAYS):
            for n in range(per_day):
                vk_id = members[(day * 7 + n * 3) % len(members)]
                at = now - timedelta(days=day, hours=1 + n % 9, minutes=(n * 13) % 60)
                rows.append(
                    event_row(
                        at,
                        vk_id,
                        ActivityKind.GROUP_CHAT_MESSAGE,
                        person_id=persons.get(vk_id),
                        peer_id=int(chat["peer_id"]),
                        plugin=MARK,
                    )
                )
    rows.sort()
    await ActivityStore(db, clock=clock).ingest(rows)
    return len(rows)
