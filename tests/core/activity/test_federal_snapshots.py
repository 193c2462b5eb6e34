"""The federal ranking on the regional reports' snapshots: it writes the rows metrics.py would,
its figures do not depend on them, the Monday job stores every region's finished week once, and
an event arriving for the week drops the snapshot and the ranking computes it again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from core.activity import ActivityKind, ActivityStore, event_row
from core.activity.federal import (
    FEDERAL_ZONE,
    FederalMonitoring,
    _sums,
    last_finished_monday,
)
from core.activity.federal_snapshots import AT, JOB_ID, TRIGGER, schedule
from core.activity.metrics import Monitoring
from core.activity.weeks import Week
from core.clock import ManualClock
from core.scheduling import Job, JobQueue
from core.storage import Database

from .conftest import District
from .test_federal import BASE, SHIFTS, build_country


@pytest.fixture(params=SHIFTS, ids=["now", "year_ahead", "year_back"])
def now(request: pytest.FixtureRequest) -> datetime:
    shift: timedelta = request.param
    return BASE + shift


async def stored(db: Database) -> dict[tuple[str, int], dict[str, Any]]:
    rows = await db.fetchall("SELECT * FROM monitoring_school_weeks")
    return {
        (row["week"], row["org_id"]): {k: v for k, v in row.items() if k != "computed_at"}
        for row in rows
    }


async def test_snapshots_are_what_the_regional_reports_store(district: District) -> None:
    db, clock = district.db, district.clock
    monday = last_finished_monday(clock.now())
    week = Week(monday, "Asia/Novosibirsk")
    # The platform's file covers school B this week: its columns win, the same way in both.
    await db.execute(
        "INSERT INTO monitoring_platform_stats (week, org_id, teachers_registered, "
        "students_active, source, imported_at) VALUES (?, ?, 3, 2, 'test', ?)",
        (week.key, district.org("B"), clock.now().isoformat()),
    )
    ranking = await FederalMonitoring(db, clock).ranking()
    assert ranking.monday == monday
    federal = await stored(db)
    schools = [district.org(key) for key in "ABCD"]
    assert set(federal) == {(w.key, s) for w in (week, week.previous()) for s in schools}
    # Every column, not only the eight the ranking reads.
    a = federal[(week.key, district.org("A"))]
    assert (a["writers3"], a["writers10"], a["callers"], a["chat_creators"]) == (2, 1, 1, 1)
    assert a["connected"] == 1 and federal[(week.key, district.org("D"))]["connected"] == 0
    b = federal[(week.key, district.org("B"))]
    assert (b["teachers_registered"], b["students_active"], b["source"]) == (
        3,
        2,
        "activity+import",
    )

    await db.execute("DELETE FROM monitoring_school_weeks")
    monitoring = Monitoring(db, clock)
    tree = await monitoring.tree(district.org("R"))
    for which in (week, week.previous()):
        await monitoring.school_weeks(tree, district.org("R"), which)
    assert await stored(db) == federal


async def test_figures_are_the_same_with_and_without_snapshots(db: Database, now: datetime) -> None:
    await build_country(db, now)
    clock = ManualClock(now)
    federal = FederalMonitoring(db, clock)
    monday = last_finished_monday(now)
    first = await federal.ranking()  # no snapshots: computed and stored
    assert len(await stored(db)) == 3 * 2
    again = await federal.ranking()  # read from them
    assert again == first
    # The live pass (roles and counters, what the ranking computed before snapshots).
    regions = await db.fetchrows(
        "SELECT id, name, region_code, timezone FROM organisations WHERE kind = 'region'"
    )
    schools = await db.fetchrows("SELECT id, region_code FROM organisations WHERE kind = 'school'")
    live = _sums(dict(schools), await federal._live_weeks(regions, monday))
    for row in first.rows:
        for counts, values in ((row.current, live[0][row.code]), (row.previous, live[1][row.code])):
            assert {name: getattr(counts, name) for name in values} == values
    shares = {r.code: (r.teachers(), r.students()) for r in first.rows}
    assert shares == {"77": (75.0, 50.0), "25": (50.0, 100.0), "54": (50.0, 50.0)}


class CountingDb:
    """The database, noting every statement read through it."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.statements: list[str] = []

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._db, name)
        if name.startswith("fetch") or name in ("execute", "executemany"):

            async def noted(sql: str, *args: Any, **kwargs: Any) -> Any:
                self.statements.append(sql)
                return await found(sql, *args, **kwargs)

            return noted
        return found


async def test_monday_job_snapshots_every_region_once(db: Database, now: datetime) -> None:
    await build_country(db, now)
    monday = last_finished_monday(now)
    ends = Week(monday, FEDERAL_ZONE).end  # Monday 00:00 Moscow
    clock = ManualClock(ends - timedelta(hours=2))  # Sunday 22:00: still running in the west
    jobs = JobQueue(db, clock)
    snapshots = await schedule(jobs, db, clock)
    await schedule(jobs, db, clock)  # a second start: still one job, same next run
    due = ends + timedelta(hours=AT.hour, minutes=AT.minute)
    assert await jobs.next_run(JOB_ID) == due
    assert len(await jobs.jobs("monitoring.federal_snapshots")) == 1

    clock.set(due - timedelta(minutes=1))
    assert await jobs.run_due() == 0 and await stored(db) == {}
    clock.set(due)
    assert await jobs.run_due() == 1
    rows = await stored(db)
    keys = {monday.isoformat(), (monday - timedelta(days=7)).isoformat()}
    assert len(rows) == 3 * 2 and {week for week, _org in rows} == keys
    computed_at = await db.fetchall("SELECT week, org_id, computed_at FROM monitoring_school_weeks")

    # Run again (a retry, a second worker): nothing computed, nothing rewritten.
    job = (await db.fetchall("SELECT * FROM scheduled_jobs WHERE id = ?", (JOB_ID,)))[0]
    assert job["runs"] == 1 and job["last_error"] is None
    clock.set(due + timedelta(minutes=5))
    assert await jobs.run_due() == 0
    assert await snapshots.fire(Job(JOB_ID, job["kind"], TRIGGER, {}, due, 2)) == 0
    assert await FederalMonitoring(db, clock).store_snapshots() == 0
    assert (
        await db.fetchall("SELECT week, org_id, computed_at FROM monitoring_school_weeks")
        == computed_at
    )

    # The page after the job reads stored rows only: no role or counter is looked at.
    counting = CountingDb(db)
    ranking = await FederalMonitoring(counting, clock).ranking()  # type: ignore[arg-type]
    assert ranking.monday == monday and ranking.finished
    assert not any("roles" in sql or "activity_weekly" in sql for sql in counting.statements)
    assert not any(sql.lstrip().upper().startswith("INSERT") for sql in counting.statements)
    shares = {r.code: (r.teachers(), r.students()) for r in ranking.rows}
    assert shares == {"77": (75.0, 50.0), "25": (50.0, 100.0), "54": (50.0, 50.0)}


async def test_an_event_for_the_week_drops_its_snapshot(db: Database, now: datetime) -> None:
    await build_country(db, now)
    clock = ManualClock(now)
    federal = FederalMonitoring(db, clock)
    monday = last_finished_monday(now)
    assert await federal.store_snapshots() == 3 * 2
    before = {r.code: r.current.teachers_active for r in (await federal.ranking()).rows}
    assert before["54"] == 2
    # A registered teacher of «Север» inactive that week; an event of theirs arrives late.
    vk_id = await db.fetchval(
        "SELECT p.vk_user_id FROM persons p JOIN roles r ON r.person_id = p.id "
        "JOIN organisations o ON o.id = r.org_id WHERE o.region_code = '54' "
        "AND r.role = 'staff' AND p.vk_user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
        "activity_weekly a WHERE a.person_id = p.id AND a.week = ?) ORDER BY p.id LIMIT 1",
        (monday.isoformat(),),
    )
    week = Week(monday, "Asia/Novosibirsk")
    late = event_row(week.start + timedelta(days=3), vk_id, ActivityKind.BUTTON)
    await ActivityStore(db, default_timezone="Europe/Moscow").ingest([late])
    weeks = {week for week, _org in await stored(db)}
    assert weeks == {(monday - timedelta(days=7)).isoformat()}  # that week's rows dropped
    after = await federal.ranking()
    assert {r.code: r.current.teachers_active for r in after.rows} == {**before, "54": 3}
    assert len(await stored(db)) == 3 * 2  # computed again and stored
    assert await federal.store_snapshots() == 0
