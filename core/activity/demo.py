"""The demo district's platform statistics for the embedded sandbox.

samples/platform_stats_demo.csv holds six weeks written for the weeks before the demo's anchor
week (core.demo.calendar); loaded in another week, every «Неделя» is moved by the same whole
weeks, so the admin's «мониторинг» always has the six weeks that have just ended.
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
    """Import the demo weeks unless platform statistics are there already."""
    if await db.fetchval("SELECT 1 FROM monitoring_platform_stats LIMIT 1"):
        return None
    return await PlatformImporter(db, clock).import_bytes(
        demo_platform_stats(clock.now()), SAMPLE.name
    )
