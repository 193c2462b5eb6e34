"""Pushkin-card events at scale: importing 50,000 events and listing a city. Prints JSON.

    .venv/bin/python -m bench.events [--events 50000] [--queries 200]

The events are the demo file's (PRO.Культура.РФ v2.5 format) cloned with new ids and shifted by
whole days over three months, so a city's share is as in the demo: Москва holds about a third of
them (~17,000 events, ~90,000 session rows) — the worst case; Бердск is the smallest. The import
is timed from the JSON file to the committed transaction (parsing and validation included).
A listing is what the bot does for a page: the catalogue query and rendering the message text.
Everything runs locally on a SQLite file (WAL), nothing goes to the network.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bots.pushkin_card.catalog import PAGE_SIZE, Catalog, Page, Query
from bots.pushkin_card.categories import Category
from bots.pushkin_card.dates import Period, window
from bots.pushkin_card.importer import EventImporter
from bots.pushkin_card.prefs import SearchState
from bots.pushkin_card.sources import FileSource
from bots.pushkin_card.ui import T
from core.clock import ManualClock
from core.storage import load_migrations, migrate, open_core_database

DEMO = Path(__file__).resolve().parents[1] / "bots" / "pushkin_card" / "data" / "demo_events.json"
DAY_MS = 86_400_000
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 10:00 in Novosibirsk


def _shift(event: dict[str, Any], days: int) -> None:
    delta = days * DAY_MS
    event["start"] += delta
    event["end"] += delta
    for place in event["places"]:
        for seance in place["seances"]:
            seance["start"] += delta
            seance["end"] += delta


def synthetic(count: int) -> dict[str, Any]:
    base = [
        e for e in json.loads(DEMO.read_text(encoding="utf-8"))["events"] if e["isPushkinsCard"]
    ]
    events = []
    for i in range(count):
        event = copy.deepcopy(base[i % len(base)])
        event["_id"] = 10_000_000 + i
        _shift(event, (i // len(base)) % 90)
        events.append(event)
    return {"total": count, "events": events}


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def _timed(runs: int, call: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    await call()  # warm the caches once, as a running bot has them warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return _ms(samples)


async def main(count: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.json"
        path.write_text(json.dumps(synthetic(count), ensure_ascii=False), encoding="utf-8")
        db = await open_core_database(str(Path(tmp) / "bench.db"))
        await migrate(db, load_migrations("pushkin_card", "bots.pushkin_card"))
        clock = ManualClock(NOW)
        started = time.perf_counter()
        report = await EventImporter(db, clock).run(FileSource(path))
        import_s = time.perf_counter() - started
        catalog = Catalog(db)
        cities = {c.name: c for c in await catalog.cities()}

        def listing(
            city: str, page: int = 0, period: Period = Period.ALL, **filters: Any
        ) -> Callable[[], Awaitable[Any]]:
            zone = ZoneInfo(cities[city].timezone)
            first, last = (
                (date(2026, 12, 5), date(2026, 12, 12)) if period == Period.RANGE else (None, None)
            )
            state = SearchState(
                period, first, last, filters.get("category"), filters.get("text", "")
            )

            async def run() -> Page:
                query = Query(
                    city,
                    window(period, clock.now(), zone, first, last),
                    state.category,
                    filters.get("age_limit"),
                    state.text,
                )
                result = await catalog.search(query, page)
                T.render(
                    "list.j2",
                    city=city,
                    state=state,
                    page=result,
                    now=clock.now(),
                    size=PAGE_SIZE,
                    show_rules=False,
                    rules=None,
                    is_staff=False,
                )
                return result

            return run

        scenarios = {
            "moscow_first_page": listing("Москва"),
            "moscow_page_10": listing("Москва", page=10),
            "moscow_weekend_theatre_age15": listing(
                "Москва", period=Period.WEEKEND, category=Category.THEATRE, age_limit=15
            ),
            "moscow_range_lectures": listing(
                "Москва", period=Period.RANGE, category=Category.LECTURE
            ),
            "moscow_text_search": listing("Москва", text="чехов"),
            "novosibirsk_first_page": listing("Новосибирск", age_limit=15),
            "berdsk_first_page": listing("Бердск"),
        }
        results = {name: await _timed(runs, call) for name, call in scenarios.items()}
        sessions = await db.fetchval("SELECT count(*) FROM pushkin_card_sessions")
        moscow_sessions = await db.fetchval(
            "SELECT count(*) FROM pushkin_card_sessions WHERE city = 'Москва'"
        )
        await db.close()
    return {
        "events": count,
        "imported": report.imported,
        "skipped": report.skipped_total,
        "session_rows": sessions,
        "import_s": round(import_s, 2),
        "moscow_events": cities["Москва"].events,
        "moscow_session_rows": moscow_sessions,
        "queries_per_scenario": runs,
        "listing": results,
        "listing_p95_ms_worst": max(r["p95_ms"] for r in results.values()),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    count = max(1, min(args.events, 500_000))
    runs = max(10, min(args.queries, 10_000))
    print(json.dumps(asyncio.run(main(count, runs)), ensure_ascii=False))
