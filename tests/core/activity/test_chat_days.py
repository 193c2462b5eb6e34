"""Per-chat, per-day counters (chat_activity_days): kept at ingest (small calls and bulk sessions),
equal to a recount from the raw log after a mixed ingest, after a crash between the raw rows and
the counters + recover, after rebuild and after migration 0022's backfill; and the chat list's
window of whole UTC days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.activity import ActivityKind, ActivityStore, event_row
from core.activity.store import IngestRow
from core.cabinet.chats import CommunityChats
from core.storage import Database, load_migrations, migrate, open_database

from .conftest import UNKNOWN_VK, District, build_district, ingest_cut_off

CHAT_A = 2_000_000_101  # «Чат 1А» of school B in the test district
CHAT_B = 2_000_000_102
# Sunday 2026-11-22 23:59:30 UTC: a day's edge falls inside the activity.
EDGE = datetime(2026, 11, 22, 23, 59, 30, tzinfo=UTC)
DAY = 86_400
Days = dict[tuple[int, int], tuple[int, int, int]]


async def counters(db: Database) -> Days:
    rows = await db.fetchrows(
        "SELECT peer_id, day, messages, events, last_ts FROM chat_activity_days"
    )
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}


async def recount(db: Database, *, skip: tuple[int, int] | None = None) -> Days:
    """The same numbers from the raw log, in Python (ids in ``skip`` left out)."""
    found: dict[tuple[int, int], list[int]] = {}
    for row_id, ts, kind, peer in await db.fetchrows(
        "SELECT id, ts, kind, peer_id FROM activity_facts"
    ):
        if peer is None or peer < 2_000_000_000:
            continue
        if skip is not None and skip[0] <= row_id <= skip[1]:
            continue
        counts = found.setdefault((peer, ts // DAY), [0, 0, 0])
        counts[0] += kind == 2
        counts[1] += 1
        counts[2] = max(counts[2], ts)
    return {key: (m, e, last) for key, (m, e, last) in found.items()}


def mixed(d: District) -> list[IngestRow]:
    """Several chats and days, every kind, a known person's events and an unknown VK user's, a
    private message and events without a peer (neither counts as a chat's)."""
    k = ActivityKind
    rows: list[IngestRow] = []

    def add(key: str, kind: ActivityKind, at: datetime, peer: int | None, times: int = 1) -> None:
        vk_id = d.vk.get(key, UNKNOWN_VK)
        for n in range(times):
            rows.append(event_row(at + timedelta(seconds=10 * n), vk_id, kind, peer_id=peer))

    add("t5", k.GROUP_CHAT_MESSAGE, EDGE - timedelta(days=2, hours=1), CHAT_A, 4)
    add("t5", k.CHAT_CREATED, EDGE - timedelta(days=2, hours=2), CHAT_A)
    add("s6", k.GROUP_CHAT_MESSAGE, EDGE, CHAT_A, 6)  # three before midnight UTC, three after
    add("s7", k.CALL, EDGE + timedelta(hours=3), CHAT_A)
    add("nobody", k.GROUP_CHAT_MESSAGE, EDGE - timedelta(hours=5), CHAT_B, 3)
    add("t1", k.GROUP_CHAT_MESSAGE, EDGE + timedelta(days=1), CHAT_B, 2)
    add("t1", k.BUTTON, EDGE + timedelta(days=1, hours=-1), CHAT_B)
    # A private message to a bot: its peer is the user, not a chat.
    add("t2", k.MESSAGE_TO_BOT, EDGE, d.vk["t2"], 5)
    add("t2", k.MINIAPP_OPEN, EDGE, None)
    rows.sort(key=lambda row: row[0])
    return rows


def day_of(at: datetime) -> int:
    return int(at.timestamp()) // DAY


async def test_counters_equal_a_recount_after_a_mixed_ingest(db: Database) -> None:
    d = await build_district(db)
    rows = mixed(d)
    half = len(rows) // 2
    live = ActivityStore(db)
    for row in rows[:half]:  # the recorder's small calls
        await live.ingest([row])
    # A bulk session of many transactions whose counters are written twice (flush_keys=2).
    result = await ActivityStore(db, batch=4, flush_keys=2).ingest(rows[half:])
    assert result.events == len(rows) - half
    assert await db.fetchval("SELECT count(*) FROM activity_uncounted") == 0
    got = await counters(db)
    assert got == await recount(db)
    # By hand: the edge splits s6's six messages; the private messages are nowhere.
    edge = day_of(EDGE)
    last_before = int(EDGE.timestamp()) + 20
    assert got[(CHAT_A, edge - 2)] == (4, 5, int(EDGE.timestamp()) - 2 * DAY - 3600 + 30)
    assert got[(CHAT_A, edge)] == (3, 3, last_before)
    assert got[(CHAT_A, edge + 1)] == (3, 4, int((EDGE + timedelta(hours=3)).timestamp()))
    assert got[(CHAT_B, edge)][:2] == (3, 3)  # an unknown VK user's messages count in a chat
    assert got[(CHAT_B, edge + 1)][:2] == (2, 3)
    assert {peer for peer, _ in got} == {CHAT_A, CHAT_B}
    assert sum(events for _, events, _ in got.values()) == len(rows) - 6


async def test_a_crash_between_raw_rows_and_counters_is_recovered(db: Database) -> None:
    d = await build_district(db)
    rows = mixed(d)
    store = ActivityStore(db, batch=5, clock=d.clock)
    await ingest_cut_off(store, rows, 17)  # three transactions of raw rows in, not counted
    assert await db.fetchval("SELECT count(*) FROM activity_facts") == 15
    assert await counters(db) == {}
    assert (await store.recover(older_than_s=3600)).events == 0  # may be a running ingest's
    assert (await store.recover()).events == 15
    assert await db.fetchval("SELECT count(*) FROM activity_uncounted") == 0
    assert await counters(db) == await recount(db) != {}
    # The rest goes in as usual, counted once.
    await ActivityStore(db, batch=5, clock=d.clock).ingest(rows[15:])
    assert await counters(db) == await recount(db)
    assert sum(events for _, events, _ in (await counters(db)).values()) == len(rows) - 6


async def test_rebuild_recounts_the_chat_counters(db: Database) -> None:
    d = await build_district(db)
    await ActivityStore(db).ingest(mixed(d))
    expected = await recount(db)
    assert await counters(db) == expected
    await db.execute("UPDATE chat_activity_days SET messages = 0, events = 1")
    await db.execute(
        "INSERT INTO chat_activity_days (peer_id, day, messages, events, last_ts) "
        "VALUES (2000000999, 1, 7, 7, 86400)"
    )
    # Pages of three rows, flushed every two chat-days: every write path of rebuild.
    result = await ActivityStore(db, flush_keys=2).rebuild(page=3)
    assert result.events == len(mixed(d))
    assert await counters(db) == expected


async def test_migration_backfills_all_but_the_uncounted_ranges(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "old.db"))
    await db.connect()
    try:
        every = load_migrations("core", "core.storage")
        assert every[21].version == 22
        await migrate(db, every[:21])
        d = await build_district(db)
        raw = mixed(d)
        await db.executemany(
            "INSERT INTO activity_facts (ts, vk_user_id, person_id, kind, peer_id, group_id, "
            "plugin) VALUES (?, ?, ?, ?, ?, ?, ?)",
            raw,
        )
        # An ingest died after rows 5..9: the backfill leaves them to recover().
        await db.execute(
            "INSERT INTO activity_uncounted (session, first_id, last_id, at) "
            "VALUES ('dead', 5, 9, 0)"
        )
        await migrate(db, every)
        assert await counters(db) == await recount(db, skip=(5, 9)) != await recount(db)
        assert (await ActivityStore(db, clock=d.clock).recover()).events == 5
        assert await counters(db) == await recount(db)
    finally:
        await db.close()


async def test_the_list_counts_whole_utc_days(db: Database) -> None:
    """Seven UTC days, today's included: the first day whole, nothing of the day before."""
    d = await build_district(db)
    chat_id = await db.fetchval("SELECT id FROM chats WHERE peer_id = ?", (CHAT_A,))
    await d.people.add_chat_members(chat_id, [d.ids["s6"], d.ids["s7"]])
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    first = datetime(2026, 11, 17, tzinfo=UTC)  # 00:00 UTC six days before now
    k = ActivityKind.GROUP_CHAT_MESSAGE
    rows = [
        event_row(first - timedelta(seconds=1), d.vk["t5"], k, peer_id=CHAT_A),
        # Less than 7 × 24 hours ago, but on the day before the window's first.
        event_row(first - timedelta(hours=5), d.vk["t5"], k, peer_id=CHAT_A),
        event_row(first, d.vk["t5"], k, peer_id=CHAT_A),
        event_row(first + timedelta(hours=2), d.vk["t5"], k, peer_id=CHAT_A),
        # As the recorder writes it, with the person (the card counts members by person id).
        event_row(now - timedelta(minutes=1), d.vk["s6"], k, person_id=d.ids["s6"], peer_id=CHAT_A),
        event_row(now, d.vk["s6"], ActivityKind.CALL, peer_id=CHAT_A),
        event_row(now, d.vk["t2"], ActivityKind.MESSAGE_TO_BOT, peer_id=d.vk["t2"]),
    ]
    await ActivityStore(db).ingest(rows)
    found = await CommunityChats(db).chats([d.org("B")], now)
    assert [(c.peer_id, c.messages, c.last_activity) for c in found] == [(CHAT_A, 3, now)]
    # A day later the first day has left the window whole.
    later = await CommunityChats(db).chats([d.org("B")], now + timedelta(days=1))
    assert later[0].messages == 1
    card = await CommunityChats(db).card([d.org("B")], chat_id, now)
    assert card is not None and card.chat.messages == 3
    # The members' messages over the same window (t5, who wrote the rest, is no member).
    assert {m.person_id: m.messages for m in card.members} == {d.ids["s6"]: 1, d.ids["s7"]: 0}
