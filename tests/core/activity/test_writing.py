"""«Активные педагоги (сообщения)» / «Активные обучающиеся (сообщения)»: people who wrote at
least one message in the week, in a group chat or privately to a bot — beside «active» (any
activity). Counted, titled, in the weekly table and the xlsx, rebuilt from the raw log, filled
by imported statistics, and present in the demo's current week."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

from openpyxl import load_workbook

from core.activity import ActivityKind, ActivityStore, event_row
from core.activity.counts import SCHOOL_FIELDS, Counts, Metric
from core.activity.demo import load_demo_monitoring
from core.activity.export import workbook
from core.activity.metrics import merge_import
from core.activity.report import COLUMNS, SUMMARY, Column, Reports
from core.activity.texts import T, column_title
from core.activity.weeks import Week
from core.clock import ManualClock
from core.demo.loader import load_demo
from core.people import OrgKind, PeopleRepository
from core.storage import Database

from .conftest import District, local
from .test_metrics import W, school_counts

NEXT = W.next()  # the current week: the clock stands at Monday 23 November 10:00


async def test_only_a_call_is_active_but_not_writing(district: District) -> None:
    # W+1 so far: t2 wrote in a group chat at 00:10 (conftest). Now t1 only calls, t4 writes
    # privately to a bot, s3 writes in a group chat, s4 only opens the mini-app.
    k = ActivityKind
    rows = [
        event_row(local(23, 8), district.vk["t1"], k.CALL),
        event_row(local(23, 8, 5), district.vk["t4"], k.MESSAGE_TO_BOT, peer_id=district.vk["t4"]),
        event_row(local(23, 8, 10), district.vk["s3"], k.GROUP_CHAT_MESSAGE, peer_id=2_000_000_101),
        event_row(local(23, 8, 15), district.vk["s4"], k.MINIAPP_OPEN),
    ]
    await ActivityStore(district.db, default_timezone="Europe/Moscow").ingest(rows)
    a = await school_counts(district, "A", NEXT)
    assert (a.teachers_active, a.teachers_writing) == (3, 2)  # t1, t2, t4 / t2, t4
    assert (a.students_active, a.students_writing) == (2, 1)  # s3, s4 / s3
    assert a.callers == 1 and a.writers3 == 0  # t1 called; nobody wrote 3 in group chats
    assert a.share(Metric.TEACHERS_WRITING) == 200 / 3  # 2 of the 3 registered teachers
    assert a.share(Metric.STUDENTS_WRITING) == 25.0  # 1 of the 4 registered students


async def test_rebuild_recounts_private_and_group_messages(district: District) -> None:
    store = ActivityStore(district.db, default_timezone="Europe/Moscow")
    # As a database migrated from before the column: private messages were not counted.
    await district.db.execute("UPDATE activity_weekly SET messages = chat_messages")
    await district.db.execute("DELETE FROM monitoring_school_weeks")
    before = await school_counts(district, "A")
    assert before.students_writing == 0  # s1 wrote only to a bot
    await store.rebuild()
    after = await school_counts(district, "A")
    assert (after.teachers_writing, after.students_writing) == (3, 1)
    t4 = await district.db.fetchone(
        "SELECT chat_messages, messages FROM activity_weekly WHERE week = ? AND person_id = ?",
        (W.key, district.ids["t4"]),
    )
    assert t4 is not None and (t4["chat_messages"], t4["messages"]) == (2, 3)


async def test_titles_columns_and_xlsx(district: District) -> None:
    assert {"teachers_writing", "students_writing"} <= set(SCHOOL_FIELDS)
    assert Metric.TEACHERS_WRITING.value == "teachers_writing"
    assert Metric.STUDENTS_WRITING.value == "students_writing"
    assert Metric.TEACHERS_WRITING in SUMMARY and Metric.STUDENTS_WRITING in SUMMARY
    teachers, students = Column("teachers_writing", "count"), Column("students_writing", "count")
    assert column_title(teachers) == "Активные педагоги (сообщения)"
    assert column_title(students) == "Активные обучающиеся (сообщения)"
    assert T.label("metric_teachers_writing") == "Активные педагоги (сообщения)"
    assert T.label("metric_students_writing") == "Активные обучающиеся (сообщения)"
    assert teachers in COLUMNS and students in COLUMNS
    assert Column("teachers_writing", "share") in COLUMNS

    reports = Reports.over(district.db, district.clock)
    region = district.org("R")
    table = await reports.weekly_table(region, 2, W)
    report = await reports.unit_report(region, W)
    book = load_workbook(io.BytesIO(workbook(report, table, district.clock.now())))
    sheet = book["По неделям"]
    header = [cell.value for cell in sheet[3]]
    last = [cell.value for cell in sheet[sheet.max_row]]
    at = header.index("Активные педагоги (сообщения)")
    assert last[0] == "16–22 ноября" and last[at] == 4  # t1, t2, t4, t8
    assert last[header.index("Активные обучающиеся (сообщения)")] == 1  # s1


async def test_imported_statistics_fill_the_writing_columns(district: District) -> None:
    reports = Reports.over(district.db, district.clock)
    tree = await reports.monitoring.tree(district.org("A"))
    own = (await reports.monitoring.school_weeks(tree, district.org("A"), W))[district.org("A")]
    merged = merge_import(own, {"teachers_writing": 9, "students_writing": None})
    assert merged.teachers_writing == 9  # the platform's figure over ours
    assert merged.students_writing == own.students_writing == 1  # not in the file: ours
    assert merged.counts() == replace(own.counts(), teachers_writing=9)


async def test_the_demo_week_has_writers_and_people_who_only_call(db: Database) -> None:
    clock = ManualClock(datetime(2026, 11, 26, 5, 0, tzinfo=UTC))  # Thursday noon local
    people = PeopleRepository(db, clock)
    await load_demo(people)
    await load_demo_monitoring(db, clock)
    region = (await people.organisations(OrgKind.REGION))[0].id
    reports = Reports.over(db, clock)
    current = await reports.week_for(region)
    now: Counts = (await reports.unit_report(region, current)).current
    assert now.teachers_writing > 0 and now.students_writing > 0
    # Some teachers only called and some students only opened the mini-app: active, not writing.
    assert now.teachers_active > now.teachers_writing
    assert now.students_active > now.students_writing
    assert now.callers > 0 and now.writers10 > 0
    # Everything recorded lies in the past of the clock, within the current week.
    newest = await db.fetchval("SELECT max(ts) FROM activity_facts")
    assert current.start.timestamp() <= newest < clock.now().timestamp()
    # Loading again adds nothing.
    facts = await db.fetchval("SELECT count(*) FROM activity_facts")
    await load_demo_monitoring(db, clock)
    assert await db.fetchval("SELECT count(*) FROM activity_facts") == facts
    assert isinstance(current, Week)
