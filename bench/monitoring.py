"""Activity monitoring at region scale: bulk ingest and the weekly table. Prints JSON.

    .venv/bin/python -m bench.monitoring [--events 10000000] [--schools 1000] [--no-duckdb]

A region of 30 municipalities and 1,000 schools with 20,000 teachers and 300,000 students; every
25th person has no VK account; schools whose number ends in 49 or 99 have no classes (inactive).
Events are a pure function of their index (multiplicative hashing), so DuckDB generates exactly
the same events with SQL: teachers send 30 % of them with a skewed distribution (some write a lot,
many a little), students the rest; three and a half weeks up to a Thursday.

Measured: ``ingest`` through ``ActivityStore.ingest`` (raw log + weekly counters, the bulk API),
generation excluded; the weekly report for the region (current open week + previous week, every
municipality and school with ranks, trends, inactive schools) cold (no snapshots) and warm; the
weekly table over the 4 weeks. When ``duckdb`` is importable (``pip install duckdb``; not a
project dependency) the same per-school aggregation runs in DuckDB over the raw events, and its
numbers are checked against ours.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from core.activity.counts import Metric
from core.activity.report import Reports
from core.activity.store import ActivityStore, IngestRow
from core.activity.weeks import Week
from core.clock import ManualClock
from core.storage import Database, open_core_database

ZONE = "Asia/Novosibirsk"
REGION, FIRST_MUN, FIRST_SCHOOL = 1, 2, 100
MUNICIPALITIES = 30
TEACHERS, STUDENTS = 20_000, 300_000
ACTIVE_TEACHERS, ACTIVE_STUDENTS = 15_000, 220_000
VK_BASE = 1_000_000
FIRST_WEEK = Week(date(2026, 11, 2), ZONE)
WEEKS = 4
# Thursday 12:00 local of the fourth week: three weeks finished, the fourth open.
NOW = FIRST_WEEK.next(3).start + timedelta(days=3, hours=12)
T0 = int(FIRST_WEEK.start.timestamp())
SPAN = int(NOW.timestamp()) - T0
HASH_A, HASH_B, HASH_M = 2654435761, 97531, 4294967296
GRANTED = "2026-01-01T00:00:00+00:00"


def school_of(person: int, schools: int) -> int:
    return FIRST_SCHOOL + (person - 1) % schools


def registered(person: int) -> bool:
    return person % 25 != 0


def has_groups(school: int) -> bool:
    return (school - FIRST_SCHOOL) % 50 != 49


def event(i: int, n: int) -> IngestRow:
    ts = T0 + (i * SPAN) // n
    week = (ts - T0) // 604_800
    h = (i * HASH_A + HASH_B) % HASH_M
    r = (h // 16_777_216) % 100
    if h % 100 < 30:
        u = (h // 256) % ACTIVE_TEACHERS
        person = 1 + ((u * u) // ACTIVE_TEACHERS + week * 1237) % TEACHERS
        kind = (
            2 if r < 70 else 1 if r < 84 else 3 if r < 94 else 5 if r < 97 else 6 if r < 99 else 4
        )
    else:
        person = TEACHERS + 1 + ((h // 256) % ACTIVE_STUDENTS + week * 4327) % STUDENTS
        kind = 2 if r < 45 else 1 if r < 75 else 3 if r < 95 else 6
    return (ts, VK_BASE + person, None, kind, 2_000_000_000 + person % 5000, 1, None)


def events(n: int, chunk: int) -> Iterator[list[IngestRow]]:
    for start in range(0, n, chunk):
        yield [event(i, n) for i in range(start, min(n, start + chunk))]


async def build_region(db: Database, schools: int) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO organisations (id, kind, name, region_code, timezone) "
            "VALUES (?, 'region', 'Новосибирская область', '54', ?)",
            (REGION, ZONE),
        )
        await tx.executemany(
            "INSERT INTO organisations (id, kind, name, parent_id, region_code, timezone) "
            "VALUES (?, 'municipality', ?, ?, '54', ?)",
            [(FIRST_MUN + m, f"Район {m + 1}", REGION, ZONE) for m in range(MUNICIPALITIES)],
        )
        await tx.executemany(
            "INSERT INTO organisations (id, kind, name, parent_id, region_code, timezone) "
            "VALUES (?, 'school', ?, ?, '54', ?)",
            [
                (FIRST_SCHOOL + s, f"Школа № {s + 1}", FIRST_MUN + s % MUNICIPALITIES, ZONE)
                for s in range(schools)
            ],
        )
        await tx.executemany(
            "INSERT INTO groups (org_id, name, grade) VALUES (?, ?, ?)",
            [
                (FIRST_SCHOOL + s, f"{grade}А", grade)
                for s in range(schools)
                if has_groups(FIRST_SCHOOL + s)
                for grade in range(1, 12)
            ],
        )
        people = TEACHERS + STUDENTS
        await tx.executemany(
            "INSERT INTO persons (id, vk_user_id, first_name, last_name) VALUES (?, ?, 'Имя', ?)",
            [
                (p, VK_BASE + p if registered(p) else None, f"Фамилия{p}")
                for p in range(1, people + schools + 1)
            ],
        )
        await tx.executemany(
            "INSERT INTO roles (person_id, role, org_id, position, granted_at, method) "
            "VALUES (?, ?, ?, ?, ?, 'bench')",
            [
                (
                    p,
                    "staff" if p <= TEACHERS else "student",
                    school_of(p, schools),
                    "teacher" if p <= TEACHERS else None,
                    GRANTED,
                )
                for p in range(1, people + 1)
            ]
            + [  # one admin per school
                (people + 1 + s, "staff", FIRST_SCHOOL + s, "admin", GRANTED)
                for s in range(schools)
            ],
        )


async def ingest(db: Database, n: int) -> dict[str, Any]:
    store = ActivityStore(db, default_timezone=ZONE)
    spent = 0.0
    attributed = 0
    for chunk in events(n, 1_000_000):
        started = time.perf_counter()
        result = await store.ingest(chunk)
        spent += time.perf_counter() - started
        attributed += result.attributed
    weekly_rows = await db.fetchval("SELECT count(*) FROM activity_weekly")
    return {
        "events": n,
        "seconds": round(spent, 2),
        "events_per_s": round(n / spent),
        "attributed": attributed,
        "weekly_rows": weekly_rows,
        "goal_events_per_s": 200_000,
    }


async def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    value = await call
    return round(time.perf_counter() - started, 3), value


async def weekly(db: Database) -> tuple[dict[str, Any], Any]:
    # A fresh Reports per measurement, as per request: one instance remembers what it computed.
    def reports() -> Reports:
        return Reports.over(db, ManualClock(NOW))

    await reports().monitoring.forget_weeks()
    cold, report = await timed(reports().unit_report(REGION))
    warm, _ = await timed(reports().unit_report(REGION))
    await reports().monitoring.forget_weeks()
    table_cold, table = await timed(reports().weekly_table(REGION, WEEKS))
    table_warm, _ = await timed(reports().weekly_table(REGION, WEEKS))
    school_s, _ = await timed(reports().unit_report(FIRST_SCHOOL))
    figures = {
        "region_report_cold_s": cold,
        "region_report_warm_s": warm,
        "weekly_table_4_weeks_cold_s": table_cold,
        "weekly_table_4_weeks_warm_s": table_warm,
        "school_report_s": school_s,
        "goal_s": 2.0,
        "week": report.week.key,
        "teachers_active_pct": round(report.share(Metric.TEACHERS_ACTIVE) or 0, 2),
        "students_active_pct": round(report.share(Metric.STUDENTS_ACTIVE) or 0, 2),
        "writers3_pct": round(report.share(Metric.WRITERS3) or 0, 2),
        "inactive_schools": len(report.inactive),
        "table_rows": len(table),
    }
    return figures, report


# The same events, people and aggregation in DuckDB (generated by the same formulas).
DUCK_EVENTS = f"""
CREATE TABLE events AS
WITH base AS (
    SELECT i, {T0} + (i * {SPAN}) // $n AS ts,
           (i * {HASH_A} + {HASH_B}) % {HASH_M} AS h
    FROM range($n) t(i)
), parts AS (
    SELECT ts, (ts - {T0}) // 604800 AS week, h, (h // 16777216) % 100 AS r,
           h % 100 < 30 AS teacher, (h // 256) % {ACTIVE_TEACHERS} AS u
    FROM base
)
SELECT ts,
       {VK_BASE} + CASE WHEN teacher
           THEN 1 + ((u * u) // {ACTIVE_TEACHERS} + week * 1237) % {TEACHERS}
           ELSE {TEACHERS} + 1 + ((h // 256) % {ACTIVE_STUDENTS} + week * 4327) % {STUDENTS}
       END AS vk,
       CASE WHEN teacher THEN
           CASE WHEN r < 70 THEN 2 WHEN r < 84 THEN 1 WHEN r < 94 THEN 3 WHEN r < 97 THEN 5
                WHEN r < 99 THEN 6 ELSE 4 END
       ELSE CASE WHEN r < 45 THEN 2 WHEN r < 75 THEN 1 WHEN r < 95 THEN 3 ELSE 6 END
       END AS kind
FROM parts
"""
DUCK_PEOPLE = f"""
CREATE TABLE members AS
SELECT id AS person,
       CASE WHEN id % 25 <> 0 THEN {VK_BASE} + id END AS vk,
       {FIRST_SCHOOL} + (id - 1) % $schools AS school,
       id <= {TEACHERS} AS teacher
FROM range(1, {TEACHERS + STUDENTS} + 1) t(id)
"""
DUCK_WEEK = """
WITH w AS (
    SELECT vk, count(*) AS events, count(*) FILTER (WHERE kind = 2) AS msgs,
           count(*) FILTER (WHERE kind = 5) AS calls
    FROM events WHERE ts >= $start AND ts < $end GROUP BY vk
), creators AS (
    SELECT DISTINCT vk FROM events WHERE kind = 4 AND ts < $end
)
SELECT m.school,
       count(*) FILTER (WHERE m.teacher AND m.vk IS NOT NULL AND w.events > 0),
       count(*) FILTER (WHERE m.teacher AND m.vk IS NOT NULL AND c.vk IS NOT NULL),
       count(*) FILTER (WHERE m.teacher AND m.vk IS NOT NULL AND w.msgs >= 3),
       count(*) FILTER (WHERE m.teacher AND m.vk IS NOT NULL AND w.msgs >= 10),
       count(*) FILTER (WHERE m.teacher AND m.vk IS NOT NULL AND w.calls > 0),
       count(*) FILTER (WHERE NOT m.teacher AND m.vk IS NOT NULL AND w.events > 0)
FROM members m LEFT JOIN w ON w.vk = m.vk LEFT JOIN creators c ON c.vk = m.vk
GROUP BY m.school ORDER BY m.school
"""
CHECKED = (
    "teachers_active",
    "chat_creators",
    "writers3",
    "writers10",
    "callers",
    "students_active",
)


async def duckdb_compare(db: Database, n: int, schools: int, ours_s: float) -> dict[str, Any]:
    try:
        import duckdb
    except ImportError:
        return {"skipped": "duckdb is not importable (pip install duckdb to compare)"}
    con = duckdb.connect()
    load_s, _ = await timed(asyncio.to_thread(con.execute, DUCK_EVENTS, {"n": n}))
    con.execute(DUCK_PEOPLE, {"schools": schools})
    week = FIRST_WEEK.next(3)
    started = time.perf_counter()
    found = {}
    for each in (week.previous(), week):
        params = {"start": int(each.start.timestamp()), "end": int(each.end.timestamp())}
        found[each.key] = con.execute(DUCK_WEEK, params).fetchall()
    duck_s = round(time.perf_counter() - started, 3)
    # Their numbers against ours, school by school, for both weeks.
    monitoring = Reports.over(db, ManualClock(NOW)).monitoring
    tree = await monitoring.tree(REGION)
    mismatches = 0
    for each in (week.previous(), week):
        ours = await monitoring.school_weeks(tree, REGION, each)
        for school, *values in found[each.key]:
            mine = tuple(getattr(ours[school], name) for name in CHECKED)
            mismatches += mine != tuple(values)
    con.close()
    return {
        "duckdb": duckdb.__version__,
        "duckdb_generate_10m_events_s": load_s,
        "duckdb_two_weeks_from_raw_events_s": duck_s,
        "ours_two_weeks_cold_s": ours_s,
        "ratio_ours_to_duckdb": round(ours_s / duck_s, 2) if duck_s else None,
        "schools_checked": len(found[week.key]),
        "mismatching_school_weeks": mismatches,
    }


async def main(n: int, schools: int, use_duckdb: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.db")
        db = await open_core_database(path)
        await build_region(db, schools)
        out: dict[str, Any] = {"benchmark": "monitoring", "schools": schools}
        out["ingest"] = await ingest(db, n)
        out["db_mb"] = round(os.path.getsize(path) / 1e6)  # noqa: ASYNC240
        out["weekly"], _report = await weekly(db)
        if use_duckdb:
            out["duckdb"] = await duckdb_compare(
                db, n, schools, out["weekly"]["region_report_cold_s"]
            )
        await db.close()
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--no-duckdb", action="store_true")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.events, args.schools, not args.no_duckdb))))
