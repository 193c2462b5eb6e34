"""«Чаты сообщества» at region scale: how fast the cabinet's chat list reads the per-chat, per-day
counters (``chat_activity_days``) and what keeping them costs the bulk ingest. Prints JSON.

    .venv/bin/python -m bench.cabinet_chats [--events 1000000] [--school-chats 100] [--rounds 1]

bench.monitoring's region (1,000 schools, 320,000 people) and events (every one of them in one of
5,000 group chats: the counters' worst case), ingested as bench.monitoring measures it
(``ActivityStore.ingest`` in calls of a million events: raw log, weekly counters, chat counters),
each time into a fresh database: as shipped (``counters``) and with the chat counting switched
off in the store (``no_counters``: the ingest as it was before the counters; the rest is the same
code), alternated ``--rounds`` times: events/s (wall) and the process's CPU seconds of each
ingest, the cost in % from the best of each (the machine is shared). In the
first database, one school's list (``CommunityChats.chats``, ``--school-chats`` chats with 30
members each) is read 30 times: p50/p95 in milliseconds; for comparison, the same numbers by one
grouped pass over the raw log (how the list read before the counters), and a check that both
agree.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.activity import store as store_module
from core.activity.kinds import GROUP_CHAT_MESSAGE
from core.cabinet.chats import CommunityChats, first_day
from core.storage import Database, open_core_database

from . import monitoring
from .monitoring import NOW, build_region

CHAT_BASE = 2_000_000_000
DAY_S = 86_400
# The list's numbers from the raw log (the query the list ran before the counters), same window.
RAW_LIST = f"""
SELECT f.peer_id, sum(f.kind = {GROUP_CHAT_MESSAGE} AND f.ts >= ?) AS messages, max(f.ts)
FROM activity_facts f
WHERE f.peer_id IN (SELECT peer_id FROM chats WHERE org_id = ?) AND f.peer_id >= {CHAT_BASE}
GROUP BY f.peer_id
"""


@contextmanager
def chat_counting_off() -> Iterator[None]:
    """The store without its chat counters: nothing summed, nothing written."""
    count, write = store_module._count_chats, store_module._write_chat_days

    def no_count(rows: Any, days: store_module.ChatDays) -> store_module.ChatDays:
        return days

    async def no_write(tx: Any, days: store_module.ChatDays) -> None:
        return None

    store_module._count_chats, store_module._write_chat_days = no_count, no_write
    try:
        yield
    finally:
        store_module._count_chats, store_module._write_chat_days = count, write


async def _school(db: Database, chats: int) -> int:
    async with db.transaction() as tx:
        org = await tx.execute(
            "INSERT INTO organisations (kind, name, region_code, timezone) "
            "VALUES ('school', 'Школа', '54', ?)",
            (monitoring.ZONE,),
        )
        await tx.executemany(
            "INSERT INTO persons (id, first_name, last_name) VALUES (?, 'Имя', 'Фамилия')",
            [(10_000_000 + p,) for p in range(chats * 30)],
        )
        await tx.executemany(
            "INSERT INTO chats (id, peer_id, title, org_id) VALUES (?, ?, ?, ?)",
            [(c + 1, CHAT_BASE + c, f"Чат {c}", org) for c in range(chats)],
        )
        await tx.executemany(
            "INSERT INTO chat_members (chat_id, person_id) VALUES (?, ?)",
            [(c + 1, 10_000_000 + c * 30 + m) for c in range(chats) for m in range(30)],
        )
    return org


async def _timings(call: Callable[[], Awaitable[Any]], times: int = 30) -> tuple[float, float]:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        await call()
        spent.append((time.perf_counter() - started) * 1000)
    spent.sort()
    return round(statistics.median(spent), 2), round(spent[int(len(spent) * 0.95) - 1], 2)


async def _read(db: Database, school_chats: int, result: dict[str, Any]) -> None:
    result["chat_days_rows"] = await db.fetchval("SELECT count(*) FROM chat_activity_days")
    org = await _school(db, school_chats)
    chats = CommunityChats(db)
    found = await chats.chats([org], NOW)
    result["school_chats"] = len(found)
    p50, p95 = await _timings(lambda: chats.chats([org], NOW))
    result["list_p50_ms"], result["list_p95_ms"] = p50, p95
    since = first_day(NOW) * DAY_S
    raw = await db.fetchrows(RAW_LIST, (since, org))
    p50, p95 = await _timings(lambda: db.fetchrows(RAW_LIST, (since, org)), 5)
    result["raw_log_p50_ms"], result["raw_log_p95_ms"] = p50, p95
    result["messages_in_list"] = sum(c.messages for c in found)
    result["agrees_with_raw_log"] = {c.peer_id: (c.messages, c.last_activity) for c in found} == {
        peer: (messages, datetime.fromtimestamp(last, UTC)) for peer, messages, last in raw
    }


async def run(events: int, school_chats: int, rounds: int) -> dict[str, Any]:
    result: dict[str, Any] = {"events": events}
    speeds: dict[str, list[int]] = {"counters": [], "no_counters": []}
    # CPU seconds of the process (both threads: asyncio's and SQLite's) over the ingest: less
    # swayed than the wall clock by whoever else runs on the machine.
    cpu_s: dict[str, list[float]] = {"counters": [], "no_counters": []}
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(rounds):
            for label in ("counters", "no_counters")[:: 1 if number % 2 == 0 else -1]:
                path = Path(tmp) / f"{label}.db"
                db = await open_core_database(str(path))
                try:
                    await build_region(db, 1000)
                    cpu = time.process_time()
                    if label == "counters":
                        ingested = await monitoring.ingest(db, events)
                    else:
                        with chat_counting_off():
                            ingested = await monitoring.ingest(db, events)
                        assert not await db.fetchval("SELECT count(*) FROM chat_activity_days")
                    speeds[label].append(ingested["events_per_s"])
                    cpu_s[label].append(round(time.process_time() - cpu, 2))
                    if label == "counters" and number == 0:
                        await _read(db, school_chats, result)
                finally:
                    await db.close()
                    path.unlink()
    for label, measured in speeds.items():
        result[f"ingest_{label}_events_per_s"] = measured
        result[f"ingest_{label}_cpu_s"] = cpu_s[label]
    with_counters, without = max(speeds["counters"]), max(speeds["no_counters"])
    result["ingest_cost_pct"] = round(100 * (without - with_counters) / without, 1)
    spent, unspent = min(cpu_s["counters"]), min(cpu_s["no_counters"])
    result["ingest_cpu_cost_pct"] = round(100 * (spent - unspent) / unspent, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--school-chats", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.events, args.school_chats, args.rounds))))


if __name__ == "__main__":
    main()
