"""The activity store: raw log, weekly counters, bulk sessions, recovery, rebuild, the recorder."""

from __future__ import annotations

from datetime import date

import pytest

from core.activity import ActivityKind, ActivityRecorder, ActivityStore, event_row
from core.activity.store import ActivityError
from core.activity.weeks import Week, WeekFinder
from core.storage import Database

from .conftest import UNKNOWN_VK, District, activity, build_district, ingest_cut_off, local


async def weekly(db: Database) -> dict[tuple[str, int], tuple[int, int, int, int]]:
    rows = await db.fetchrows(
        "SELECT week, person_id, events, chat_messages, calls, chats_created FROM activity_weekly"
    )
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}  # type: ignore[misc]


async def test_weekly_counters_by_hand(district: District) -> None:
    counters = await weekly(district.db)
    t = district.ids
    assert counters[("2026-11-16", t["t1"])] == (11, 10, 1, 0)
    assert counters[("2026-11-16", t["t2"])] == (3, 3, 0, 0)  # Sunday 23:30 local is in W
    assert counters[("2026-11-23", t["t2"])] == (1, 1, 0, 0)  # Monday 00:10 local is not
    assert counters[("2026-11-09", t["t4"])] == (1, 0, 0, 1)
    assert counters[("2026-11-16", t["t4"])] == (3, 2, 0, 0)
    assert counters[("2026-11-16", t["s2"])] == (1, 0, 0, 0)
    # The unknown VK user's events are in the raw log, counted nowhere.
    raw = await district.db.fetchval(
        "SELECT count(*) FROM activity_facts WHERE vk_user_id = ?", (UNKNOWN_VK,)
    )
    assert raw == 5
    assert sum(n for n, *_ in counters.values()) == len(activity(district)) - 5


async def test_bulk_session_equals_small_calls(db: Database, tmp_path: object) -> None:
    d = await build_district(db)
    rows = activity(d)
    # batch=4: a multi-transaction bulk session whose counters are written at the end.
    result = await ActivityStore(db, batch=4, flush_keys=3).ingest(rows)
    assert result.events == len(rows) and result.attributed == len(rows) - 5
    assert result.weeks == {"2026-11-09", "2026-11-16", "2026-11-23"}
    bulk = await weekly(db)
    assert await db.fetchval("SELECT count(*) FROM activity_uncounted") == 0
    await db.execute("DELETE FROM activity_weekly")
    small = ActivityStore(db)
    for row in rows:
        await small.ingest([row])
    assert await weekly(db) == bulk


async def test_recover_counts_what_an_interrupted_bulk_ingest_left(db: Database) -> None:
    d = await build_district(db)
    rows = activity(d)
    store = ActivityStore(db, batch=5, clock=d.clock)
    await ingest_cut_off(store, rows, 12)  # two transactions of raw rows are in, not counted
    assert await db.fetchval("SELECT count(*) FROM activity_facts") == 10
    assert await db.fetchval("SELECT count(*) FROM activity_uncounted") == 2
    assert await weekly(db) == {}
    # Younger than an hour: may belong to an ingest still running elsewhere.
    assert (await store.recover(older_than_s=3600)).events == 0
    recovered = await store.recover()
    assert recovered.events == 10
    assert await db.fetchval("SELECT count(*) FROM activity_uncounted") == 0
    total = sum(n for n, *_ in (await weekly(db)).values())
    known = await db.fetchval(
        "SELECT count(*) FROM (SELECT id FROM activity_facts WHERE vk_user_id != ?) AS f",
        (UNKNOWN_VK,),
    )
    assert total == known


async def test_rebuild_recounts_from_the_raw_log(district: District) -> None:
    before = await weekly(district.db)
    await district.db.execute("UPDATE activity_weekly SET events = 0")
    result = await ActivityStore(district.db).rebuild()
    assert result.events == len(activity(district))
    assert await weekly(district.db) == before


async def test_unknown_kind_codes_are_refused(db: Database) -> None:
    with pytest.raises(ActivityError, match="unknown activity kind"):
        await ActivityStore(db).ingest([(1_763_000_000, 1, None, 42, None, None, None)])
    assert await db.fetchval("SELECT count(*) FROM activity_facts") == 0


async def test_recorder_keeps_its_api_and_the_old_view(district: District) -> None:
    recorder = ActivityRecorder(district.db, district.clock, batch=2)
    t8 = district.ids["t8"]
    await recorder.record(district.vk["t8"], ActivityKind.CALL, person_id=t8, peer_id=5)
    assert recorder.pending == 1
    await recorder.record(district.vk["t8"], ActivityKind.CALL, person_id=t8, at=local(24, 9))
    assert recorder.pending == 0  # the batch filled: flushed
    row = await district.db.fetchone(
        "SELECT at, kind, person_id, peer_id FROM activity_events WHERE person_id = ? "
        "AND kind = 'call' ORDER BY id LIMIT 1",
        (t8,),
    )
    assert row == {"at": "2026-11-23T03:00:00+00:00", "kind": "call", "person_id": t8, "peer_id": 5}
    counters = await weekly(district.db)
    assert counters[("2026-11-23", t8)] == (2, 0, 2, 0)
    assert await recorder.flush() == 0


def test_weeks_in_a_zone() -> None:
    week = Week.parse("2026-W47", "Asia/Novosibirsk")
    assert week.monday == date(2026, 11, 16) and week.iso == "2026-W47"
    assert week.start.isoformat() == "2026-11-15T17:00:00+00:00"
    assert Week.parse("2026-11-22", "Asia/Novosibirsk") == week
    finder = WeekFinder("Asia/Novosibirsk")
    sunday_late = int(local(22, 23, 59).timestamp())
    assert finder.key(sunday_late) == "2026-11-16"
    assert finder.key(sunday_late + 60) == "2026-11-23"
    with pytest.raises(ValueError):
        Week(date(2026, 11, 17), "Asia/Novosibirsk")
    # DST: a European week is 7 local days, 167 or 169 hours.
    spring = Week(date(2026, 3, 23), "Europe/Berlin")
    assert (spring.end - spring.start).total_seconds() == 167 * 3600
    assert event_row(local(16, 0), 1, ActivityKind.BUTTON)[3] == 3
