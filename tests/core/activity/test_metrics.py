"""Every metric of the hand-made region (conftest.py), with the answers worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from core.activity import ActivityKind, ActivityStore, event_row
from core.activity.counts import Counts, Metric
from core.activity.report import COLUMNS, Reports
from core.activity.thresholds import Colour, ThresholdStore
from core.activity.weeks import Week

from .conftest import District, local

ZONE = "Asia/Novosibirsk"
W = Week(date(2026, 11, 16), ZONE)


def reports(d: District) -> Reports:
    return Reports.over(d.db, d.clock)


async def school_counts(d: District, key: str, week: Week = W) -> Counts:
    r = reports(d)
    tree = await r.monitoring.tree(d.org(key))
    rows = await r.monitoring.school_weeks(tree, d.org(key), week)
    return rows[d.org(key)].counts()


async def test_school_a_by_hand(district: District) -> None:
    # Teachers t1 (two role rows: counted once), t2, t3 (no VK), t4. In the platform: t1, t2, t4.
    # Active: all three. Chat creator: t4 (chat_created the week before: cumulative).
    # ≥3 group-chat messages: t1 (10) and t2 (2 on Tuesday + 1 on Sunday 23:30 local; his
    # Monday 00:10 message is next week's). ≥10: t1. A call: t1.
    # Students s1–s5, in the platform s1–s4, active s1 (bot) and s2 (mini-app).
    # Writing (a message in any chat): t1, t2, t4 (group chats; t4 also to a bot); s1 (to a bot),
    # not s2 (the mini-app is activity, not a message).
    assert await school_counts(district, "A") == Counts(
        schools=1, schools_connected=1,
        teachers=4, teachers_registered=3, teachers_active=3, teachers_writing=3, chat_creators=1,
        writers3=2, writers10=1, callers=1,
        students=5, students_registered=4, students_active=2, students_writing=1,
    )  # fmt: skip


async def test_school_b_revoked_teacher_and_undated_chat_creator(district: District) -> None:
    # t6's role was revoked on Wednesday: not a teacher of W (his message does not count).
    # t5 pressed a button (active, not writing) and is the creator of a chat in `chats`.
    assert await school_counts(district, "B") == Counts(
        schools=1, schools_connected=1,
        teachers=1, teachers_registered=1, teachers_active=1, chat_creators=1,
        students=2, students_registered=2, students_active=1,
    )  # fmt: skip
    # The week before, t6 was still a teacher and wrote once.
    before = await school_counts(district, "B", W.previous())
    assert (before.teachers, before.teachers_registered, before.teachers_active) == (2, 2, 1)


async def test_schools_c_and_d_are_not_connected(district: District) -> None:
    # C has a class but no registered staff; D has registered staff but no classes.
    c = await school_counts(district, "C")
    assert (c.schools_connected, c.teachers, c.teachers_registered) == (0, 1, 0)
    assert (c.students, c.students_registered, c.students_active) == (1, 1, 0)
    d = await school_counts(district, "D")
    assert d == Counts(
        schools=1, schools_connected=0, teachers=1, teachers_registered=1, teachers_active=1,
        teachers_writing=1, writers3=1, writers10=1,
    )  # fmt: skip


async def test_municipalities_and_region_by_hand(district: District) -> None:
    r = reports(district)
    m1 = await r.unit_report(district.org("M1"), W)
    assert m1.current == Counts(
        schools=2, schools_connected=2, municipalities=1, municipalities_connected=1,
        teachers=5, teachers_registered=4, teachers_active=4, teachers_writing=3, chat_creators=2,
        writers3=2, writers10=1, callers=1,
        students=7, students_registered=6, students_active=3, students_writing=1,
    )  # fmt: skip
    assert m1.share(Metric.CONNECTED) == 100.0
    assert m1.share(Metric.TEACHERS_REGISTERED) == 80.0  # 4 of 5
    assert m1.share(Metric.TEACHERS_ACTIVE) == 100.0  # 4 of the 4 in the platform
    assert m1.share(Metric.CHAT_CREATORS) == 50.0  # 2 of 4
    assert m1.share(Metric.WRITERS3) == 50.0
    assert m1.share(Metric.WRITERS10) == 25.0
    assert m1.share(Metric.CALLERS) == 25.0
    assert m1.share(Metric.STUDENTS_REGISTERED) == pytest.approx(600 / 7)  # 6 of 7
    assert m1.share(Metric.STUDENTS_ACTIVE) == 50.0  # 3 of 6

    region = await r.unit_report(district.org("R"), W)
    assert region.current == Counts(
        schools=4, schools_connected=2, municipalities=2, municipalities_connected=1,
        teachers=7, teachers_registered=5, teachers_active=5, teachers_writing=4, chat_creators=2,
        writers3=3, writers10=2, callers=1,
        students=8, students_registered=7, students_active=3, students_writing=1,
    )  # fmt: skip
    assert region.current.schools_inactive == 2
    assert region.current.municipalities_inactive == 1
    shares = {metric: region.share(metric) for metric in Metric}
    assert shares == {
        Metric.CONNECTED: 50.0,
        Metric.MUNICIPALITIES_CONNECTED: 50.0,
        Metric.TEACHERS_REGISTERED: pytest.approx(500 / 7),
        Metric.TEACHERS_ACTIVE: 100.0,
        Metric.TEACHERS_WRITING: 80.0,  # t1, t2, t4, t8 of 5; t5 only pressed a button
        Metric.CHAT_CREATORS: 40.0,
        Metric.WRITERS3: 60.0,
        Metric.WRITERS10: 40.0,
        Metric.CALLERS: 20.0,
        Metric.STUDENTS_REGISTERED: 87.5,
        Metric.STUDENTS_ACTIVE: pytest.approx(300 / 7),
        Metric.STUDENTS_WRITING: pytest.approx(100 / 7),  # s1 wrote to a bot
    }


async def test_colours_against_the_official_thresholds(district: District) -> None:
    region = await reports(district).unit_report(district.org("R"), W)
    assert region.colour(Metric.CONNECTED) == Colour.BELOW  # 50 % ≤ 75 %
    assert region.colour(Metric.CHAT_CREATORS) == Colour.GOOD  # 40 % ≥ 35 %
    assert region.colour(Metric.WRITERS3) == Colour.GOOD  # 60 % ≥ 25 %
    assert region.colour(Metric.WRITERS10) == Colour.GOOD  # 40 % ≥ the 35 % target
    assert region.colour(Metric.CALLERS) == Colour.BELOW  # 20 % < the 30 % target
    assert region.colour(Metric.TEACHERS_ACTIVE) == Colour.NONE  # no official threshold


async def test_thresholds_are_data_per_region(district: District) -> None:
    store = ThresholdStore(district.db, district.clock)
    await store.set("54", Metric.CONNECTED, low=40, good=50)
    region = await reports(district).unit_report(district.org("R"), W)
    assert region.colour(Metric.CONNECTED) == Colour.GOOD  # 50 % ≥ the region's own 50 %
    other = await store.for_region("22")
    assert other.get(Metric.CONNECTED) == store_default(Metric.CONNECTED)
    await store.reset("54")
    region = await reports(district).unit_report(district.org("R"), W)
    assert region.colour(Metric.CONNECTED) == Colour.BELOW


def store_default(metric: Metric) -> object:
    from core.activity.thresholds import DEFAULTS

    return DEFAULTS[metric]


async def test_ranks_among_siblings(district: District) -> None:
    r = reports(district)
    region = await r.unit_report(district.org("R"), W)
    # Rating index = mean of connected, chat creators, writers3, writers10, callers:
    # M1 (100 + 50 + 50 + 25 + 25) / 5 = 50; M2 (0 + 0 + 100 + 100 + 0) / 5 = 40.
    assert [(c.row.unit.name, c.rank, c.of) for c in region.children] == [
        ("Первый район", 1, 2),
        ("Второй район", 2, 2),
    ]
    assert region.children[0].row.counts.rating_index() == 50.0
    assert region.children[1].row.counts.rating_index() == 40.0
    # A: (100 + 33.3 + 66.7 + 33.3 + 33.3) / 5 = 53.3; B: (100 + 100 + 0 + 0 + 0) / 5 = 40.
    a = await r.unit_report(district.org("A"), W)
    b = await r.unit_report(district.org("B"), W)
    assert (a.rank, a.of, b.rank, b.of) == (1, 2, 2, 2)
    # D: (0 + 0 + 100 + 100 + 0) / 5 = 40 beats C (all 0: nobody in the platform).
    m2 = await r.unit_report(district.org("M2"), W)
    assert [(c.row.unit.name, c.rank) for c in m2.children] == [("Школа Г", 1), ("Школа В", 2)]
    assert (m2.rank, m2.of) == (2, 2)
    assert region.rank is None  # a region has no siblings here


async def test_trends_week_over_week(district: District) -> None:
    region = await reports(district).unit_report(district.org("R"), W)
    # W-1: teachers as of its end are the 7 + t6 = 8, in the platform 6; active t4 (created a
    # chat) and t6 (one message) = 2; chat creators t4 and t5 = 2.
    assert (region.previous.teachers, region.previous.teachers_registered) == (8, 6)
    assert (region.previous.teachers_active, region.previous.chat_creators) == (2, 2)
    active = region.trend(Metric.TEACHERS_ACTIVE)  # 100 % now, 2 of 6 before
    assert active.delta == pytest.approx(100 - 100 * 2 / 6) and active.arrow == "▲"
    creators = region.trend(Metric.CHAT_CREATORS)  # 40 % now, 2 of 6 before
    assert creators.delta == pytest.approx(40 - 100 * 2 / 6) and creators.arrow == "▲"
    registered = region.trend(Metric.TEACHERS_REGISTERED)  # 5 of 7 now, 6 of 8 before
    assert registered.delta == pytest.approx(500 / 7 - 75) and registered.arrow == "▼"
    assert region.trend(Metric.CONNECTED).arrow == ""  # 2 of 4 both weeks


async def test_inactive_schools_list_their_admins(district: District) -> None:
    region = await reports(district).unit_report(district.org("R"), W)
    listed = [
        (s.parent, s.unit.name, s.has_groups, s.staff_registered, s.admins) for s in region.inactive
    ]
    assert listed == [
        ("Второй район", "Школа В", True, 0, ()),
        ("Второй район", "Школа Г", False, 2, (("A2 Тестов", district.vk["a2"]),)),
    ]


async def test_weekly_table_rows_and_arrows(district: District) -> None:
    table = await reports(district).weekly_table(district.org("R"), weeks=3, until=W)
    assert [row.week.key for row in table] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    by_key = {column.key + ":" + column.kind: column for column in COLUMNS}
    last = table[-1]
    assert last.value(by_key["schools:count"]) == 4
    assert last.value(by_key["schools_inactive:count"]) == 2
    assert last.value(by_key["connected:share"]) == 50.0
    assert last.value(by_key["municipalities_inactive:count"]) == 1
    assert last.value(by_key["writers3:share"]) == 60.0
    assert last.trend(by_key["teachers:count"]).arrow == "▼"  # 8 → 7 (t6 left)
    assert last.trend(by_key["teachers_active:count"]).delta == 3  # 2 → 5
    first = table[0]  # 2–8 November: nobody active yet
    assert first.value(by_key["teachers_active:share"]) == 0.0
    assert first.value(by_key["teachers:count"]) == 8


async def test_current_week_is_live_and_counts_monday_after_midnight(district: District) -> None:
    r = reports(district)
    current = await r.unit_report(district.org("A"))
    assert current.week.key == "2026-11-23"
    # t2's message at Monday 00:10 local (Sunday 17:10 UTC) is the only activity of this week.
    assert current.current.teachers_active == 1
    assert current.current.writers3 == 0


async def test_finished_weeks_are_snapshots_dropped_by_late_events(district: District) -> None:
    a = district.org("A")
    assert (await school_counts(district, "A")).students_active == 2
    stored = await district.db.fetchval(
        "SELECT count(*) FROM monitoring_school_weeks WHERE week = ?", (W.key,)
    )
    assert stored == 1  # the scope asked for: school A alone
    # A role change after the week does not rewrite it (history is a snapshot).
    role = await district.db.fetchval(
        "SELECT id FROM roles WHERE person_id = ? AND revoked_at IS NULL", (district.ids["s1"],)
    )
    await district.people.revoke_role(role, by_person_id=None, reason="перевёлся")
    await district.db.execute(
        "UPDATE persons SET vk_user_id = NULL WHERE id = ?", (district.ids["s2"],)
    )
    assert (await school_counts(district, "A")).students_active == 2
    # A late event for that week drops its snapshot; recomputed, s3's event counts (s1's role
    # was revoked only now, after the week, so s1 still counts; s2 lost the VK account).
    store = ActivityStore(district.db, default_timezone="Europe/Moscow")
    await store.ingest([event_row(local(20, 10), district.vk["s3"], ActivityKind.BUTTON)])
    recomputed = await school_counts(district, "A")
    assert (recomputed.students_registered, recomputed.students_active) == (3, 2)
    assert a in await _snapshot_orgs(district)


async def _snapshot_orgs(d: District) -> set[int]:
    rows = await d.db.fetchall(
        "SELECT org_id FROM monitoring_school_weeks WHERE week = ?", (W.key,)
    )
    return {row["org_id"] for row in rows}
