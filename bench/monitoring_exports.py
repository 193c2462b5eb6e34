"""«Общая» and «По учителям» exports at region scale and for the demo district. Prints JSON.

    .venv/bin/python -m bench.monitoring_exports [--events 2000000] [--schools 1000]

The region of bench/monitoring.py (1,000 schools, 20,000 teachers, 300,000 students, events over
three and a half weeks); measured: the per-teacher weekly figures (core.activity.teachers, one
SQL statement) over 4 weeks, and the whole export built (xlsx with its chart, csv) for the region
and for the demo district (`sferum demo-data`'s region).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.cli import print_result
from bench.monitoring import NOW, REGION, WEEKS, build_region, ingest
from core.activity.report import Reports
from core.activity.teachers import teacher_weeks
from core.activity.unit_exports import build_export
from core.clock import ManualClock
from core.demo.loader import load_demo
from core.people import PeopleRepository
from core.storage import open_core_database


async def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    value = await call
    return round(time.perf_counter() - started, 3), value


async def region(n: int, schools: int, tmp: str) -> dict[str, Any]:
    db = await open_core_database(str(Path(tmp) / "bench.db"))
    await build_region(db, schools)
    await ingest(db, n)
    reports = Reports.over(db, ManualClock(NOW))
    tree = await reports.monitoring.tree(REGION)
    last = reports.monitoring.current_week(tree, REGION)
    sql_s, rows = await timed(teacher_weeks(db, tree, REGION, last.last(WEEKS)))
    out: dict[str, Any] = {"events": n, "teachers": len(rows), "teacher_weeks_sql_s": sql_s}
    for sheet in ("teachers", "general"):
        for fmt in ("xlsx", "csv"):
            fresh = Reports.over(db, ManualClock(NOW))
            seconds, made = await timed(
                build_export(fresh, REGION, sheet, fmt, WEEKS, last, NOW)  # type: ignore[arg-type]
            )
            out[f"{sheet}_{fmt}_s"] = seconds
            out[f"{sheet}_{fmt}_mb"] = round(len(made.data) / 1e6, 2)
    await db.close()
    return out


async def demo(tmp: str) -> dict[str, Any]:
    db = await open_core_database(str(Path(tmp) / "demo.db"))
    clock = ManualClock(NOW)
    await load_demo(PeopleRepository(db, clock))  # what `sferum demo-data` loads
    org = int(await db.fetchval("SELECT id FROM organisations WHERE kind = 'region'"))
    reports = Reports.over(db, clock)
    last = await reports.week_for(org)
    seconds, made = await timed(build_export(reports, org, "teachers", "xlsx", 8, last, NOW))
    await db.close()
    return {"teachers_xlsx_8_weeks_s": seconds, "rows": made.rows}


async def main(n: int, schools: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return {
            "benchmark": "monitoring_exports",
            "region": await region(n, schools, tmp),
            "demo": await demo(tmp),
        }


if __name__ == "__main__":
    print_result(main, {"events": 2_000_000, "schools": 1000})
