"""The federal ranking on a small country worked out by hand: 3 regions in 3 zones, 2 weeks.

Region «Север» (code 54, UTC+7), «Центр» (77, UTC+3), «Восток» (25, UTC+10); one school each
with 4 teachers (VK) and 2 students (VK), plus one teacher without VK (counted in teachers, not
registered). W is the last week finished everywhere, derived from the clock, which is moved a
year either way. Active teachers / students:

            W-1          W
  Север     1/4, 2/2     2/4, 1/2    → 50 %, 50 %   change +25, -50
  Центр     3/4, 1/2     3/4, 1/2    → 75 %, 50 %   change 0, 0
  Восток    0/4, 0/2     2/4, 2/2    → 50 %, 100 %  change +50, +100

Ranked by teachers, ties by students: Центр 1, Восток 2, Север 3. Country: 7/12 teachers
(58.3 %), 4/6 students (66.7 %); W-1: 4/12, 3/6.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.activity import ActivityKind, ActivityStore, event_row
from core.activity.counts import Counts
from core.activity.federal import (
    Basis,
    FederalMonitoring,
    RegionRow,
    current_monday,
    last_finished_monday,
    rank,
)
from core.activity.report import Reports
from core.activity.weeks import Week
from core.clock import ManualClock
from core.people import OrgKind, PeopleRepository, Position, RoleKind
from core.regions import REGIONS
from core.storage import Database

BASE = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # a Thursday
SHIFTS = [timedelta(0), timedelta(days=365), timedelta(days=-365)]
# code -> (name, active teachers W-1, W; active students W-1, W)
PLAN = {
    "54": ("Север", 1, 2, 2, 1),
    "77": ("Центр", 3, 3, 1, 1),
    "25": ("Восток", 0, 2, 0, 2),
}


async def build_country(db: Database, now: datetime) -> dict[str, int]:
    monday = last_finished_monday(now)
    clock = ManualClock(now - timedelta(days=60))
    people = PeopleRepository(db, clock)
    regions: dict[str, int] = {}
    rows = []
    vk = 700_000
    for code, (name, t_before, t_now, s_before, s_now) in PLAN.items():
        zone = REGIONS[code].timezone
        region = await people.upsert_organisation(
            kind=OrgKind.REGION, name=name, region_code=code, timezone=zone
        )
        regions[code] = region
        school = await people.upsert_organisation(
            kind=OrgKind.SCHOOL, name=f"Школа {name}", region_code=code, timezone=zone,
            parent_id=region,
        )  # fmt: skip
        week = Week(monday, zone)
        teachers, students = [], []
        for number in range(5):
            vk += 1
            has_vk = number < 4
            person = await people.upsert_person(
                first_name=f"П{number}", last_name=name, vk_user_id=vk if has_vk else None
            )
            await people.grant_role(
                person, RoleKind.STAFF, school, position=Position.TEACHER, method="test"
            )
            if number == 0:  # a second role row of the same teacher counts once
                await people.grant_role(
                    person, RoleKind.STAFF, school, position=Position.CLASS_TEACHER, method="test"
                )
            if has_vk:
                teachers.append(vk)
        for _number in range(2):
            vk += 1
            person = await people.upsert_person(first_name="У", last_name=name, vk_user_id=vk)
            await people.grant_role(person, RoleKind.STUDENT, school, method="test")
            students.append(vk)
        # Mid-week (Wednesday noon, local) of each week.
        for which, count_t, count_s in (
            (week.previous(), t_before, s_before),
            (week, t_now, s_now),
        ):
            at = which.start + timedelta(days=2, hours=12)
            rows += [event_row(at, v, ActivityKind.GROUP_CHAT_MESSAGE) for v in teachers[:count_t]]
            rows += [event_row(at, v, ActivityKind.BUTTON) for v in students[:count_s]]
    rows.sort(key=lambda row: row[0])
    await ActivityStore(db, default_timezone="Europe/Moscow").ingest(rows)
    return regions


@pytest.fixture(params=SHIFTS, ids=["now", "year_ahead", "year_back"])
def now(request: pytest.FixtureRequest) -> datetime:
    shift: timedelta = request.param
    return BASE + shift


async def test_ranking_order_changes_and_total(db: Database, now: datetime) -> None:
    regions = await build_country(db, now)
    federal = FederalMonitoring(db, ManualClock(now))
    ranking = await federal.ranking()
    assert ranking.monday == last_finished_monday(now) == current_monday(now) - timedelta(days=7)
    assert ranking.finished and ranking.basis == Basis.ACTIVE
    assert [(r.rank, r.code) for r in ranking.rows] == [(1, "77"), (2, "25"), (3, "54")]
    by_code = {r.code: r for r in ranking.rows}
    assert by_code["54"].org_id == regions["54"] and by_code["54"].name == "Север"
    shares = {c: (r.teachers(), r.students()) for c, r in by_code.items()}
    assert shares == {"77": (75.0, 50.0), "25": (50.0, 100.0), "54": (50.0, 50.0)}
    changes = {c: (r.teachers_trend.delta, r.students_trend.delta) for c, r in by_code.items()}
    assert changes == {"77": (0.0, 0.0), "25": (50.0, 100.0), "54": (25.0, -50.0)}
    assert by_code["54"].teachers_trend.arrow == "▲" and by_code["54"].students_trend.arrow == "▼"
    assert by_code["77"].teachers_trend.arrow == ""
    # The teacher without VK is a teacher, not registered; the class-teacher row counts once.
    assert by_code["54"].current.teachers == 5 and by_code["54"].current.teachers_registered == 4
    total = ranking.total
    assert (total.current.teachers_active, total.current.teachers_registered) == (7, 12)
    assert (total.current.students_active, total.current.students_registered) == (4, 6)
    assert total.teachers() == pytest.approx(700 / 12)
    assert total.students_trend.delta == pytest.approx(100 * 4 / 6 - 100 * 3 / 6)


async def test_rows_match_the_regional_reports(db: Database, now: datetime) -> None:
    """Same definitions as the regions' own reports, week by week."""
    regions = await build_country(db, now)
    clock = ManualClock(now)
    ranking = await FederalMonitoring(db, clock).ranking()
    for row in ranking.rows:
        reports = Reports.over(db, clock)
        week = await reports.week_for(regions[row.code], ranking.key)
        report = await reports.unit_report(regions[row.code], week)
        assert (row.current.teachers_active, row.current.students_active) == (
            report.current.teachers_active,
            report.current.students_active,
        )
        assert row.previous.teachers_active == report.previous.teachers_active
    # Read again with the snapshots the reports stored: the same numbers.
    again = await FederalMonitoring(db, clock).ranking()
    assert [(r.code, r.current, r.previous) for r in again.rows] == [
        (r.code, r.current, r.previous) for r in ranking.rows
    ]


async def test_imports_and_a_regions_own_sheet_override(db: Database, now: datetime) -> None:
    regions = await build_country(db, now)
    federal = FederalMonitoring(db, ManualClock(now))
    key = last_finished_monday(now).isoformat()
    school = await db.fetchval(
        "SELECT id FROM organisations WHERE kind = 'school' AND region_code = '54'"
    )
    # The platform saw more of Север's school: its column wins, the others stay computed.
    await db.execute(
        "INSERT INTO monitoring_platform_stats (week, org_id, teachers_active, source, "
        "imported_at) VALUES (?, ?, 4, 'test', ?)",
        (key, school, now.isoformat()),
    )
    # Восток published its own weekly sheet: 10 of 20 students active.
    await db.execute(
        "INSERT INTO unit_week_stats (week, org_id, students_registered, students_active, "
        "source, imported_at) VALUES (?, ?, 20, 10, 'test', ?)",
        (key, regions["25"], now.isoformat()),
    )
    ranking = await federal.ranking()
    by_code = {r.code: r for r in ranking.rows}
    assert by_code["54"].teachers() == 100.0 and by_code["54"].rank == 1
    assert by_code["25"].students() == 50.0 and by_code["25"].current.teachers_active == 2


async def test_messages_basis_and_weeks(db: Database, now: datetime) -> None:
    await build_country(db, now)
    federal = FederalMonitoring(db, ManualClock(now))
    ranking = await federal.ranking(basis=Basis.MESSAGES)
    by_code = {r.code: r for r in ranking.rows}
    # Teachers wrote messages; students only pressed buttons: active, but not writing.
    assert by_code["77"].teachers() == 75.0 and by_code["25"].students() == 0.0
    current = current_monday(now)
    assert federal.choose_monday(None) == current - timedelta(days=7)
    assert federal.choose_monday(current.isoformat()) == current
    assert federal.choose_monday("garbage") == current - timedelta(days=7)
    assert federal.choose_monday((current + timedelta(days=7)).isoformat()) == current - timedelta(
        days=7
    )
    running = await federal.ranking(current)
    assert not running.finished
    assert all(r.current.teachers_active == 0 for r in running.rows)


def test_rank_shares_places_on_ties() -> None:
    def row(code: str, t: int, s: int) -> RegionRow:
        counts = Counts(
            teachers_registered=100, teachers_active=t, students_registered=100, students_active=s
        )
        return RegionRow(0, code, code, "Europe/Moscow", counts, Counts(), Basis.ACTIVE)

    ranked = rank([row("a", 50, 10), row("b", 60, 0), row("c", 50, 10), row("d", 50, 20)])
    assert [(r.code, r.rank) for r in ranked] == [("b", 1), ("d", 2), ("a", 3), ("c", 3)]
    empty = replace(row("e", 0, 0), current=Counts())
    assert rank([empty, row("f", 0, 0)])[-1].code == "e"  # no data below 0 %
