"""Import events from a source into storage: validate every record, write in one transaction.

Re-importing is an update: an event is replaced with its sessions by ``_id``; an event that
became ineligible for the card is removed. Events that ended a week ago are pruned with the
favourites that point at them. Speed matters (50,000 events in seconds): rows are written with
executemany inside a single transaction.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.clock import Clock
from core.gc_tuning import paused_gc
from core.storage import Database, Transaction

from .records import SESSION_COLUMNS, Event, Reason, Rejected, parse_event
from .sources import EventSource

log = logging.getLogger("sferum.pushkin_card")
KEEP_ENDED = timedelta(days=7)
_CHUNK = 500  # ids per "DELETE … IN" statement
_REBUILD_FROM = 20_000  # session rows: fewer are inserted with the indexes in place


@dataclass
class ImportReport:
    source: str
    imported: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # reason -> "#3", the first record
    dropped_seances: int = 0
    removed: int = 0  # events no longer in the programme
    pruned: int = 0  # events that ended long ago
    sessions: int = 0
    watermark_ms: int | None = None

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def skip(self, index: int, rejected: Rejected) -> None:
        self.skipped[rejected.reason] += 1
        if rejected.reason not in self.examples:
            # The detail names the API's fields in English: the log keeps it, the person reads
            # the reason (import_reason.j2) and the record's number.
            self.examples[rejected.reason] = f"#{index}"
            log.info("record #%s skipped: %s", index, rejected)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _event_row(event: Event, now: str) -> tuple[Any, ...]:
    return (
        event.id,
        event.name,
        event.description,
        event.category.value,
        event.category_name,
        event.age_limit,
        int(event.is_free),
        event.price,
        event.max_price,
        event.sale_link,
        _iso(event.starts_at),
        _iso(event.ends_at),
        event.organization,
        now,
    )


_INSERT_SESSIONS = (
    f"INSERT INTO pushkin_card_sessions ({', '.join(SESSION_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in SESSION_COLUMNS)})"
)


async def _drop_session_indexes(tx: Transaction) -> list[str]:
    """Drop the sessions table's indexes; return their SQL (as the migration made them)."""
    if tx.dialect.name == "postgresql":
        # The catalog's CREATE INDEX text, in this schema; none backs a constraint there, but
        # such an index could not be dropped on its own, so it is left out like SQLite's.
        sql = (
            "SELECT i.indexname AS name, i.indexdef AS sql FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = 'pushkin_card_sessions' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = to_regclass(quote_ident(i.schemaname) || '.' "
            "|| quote_ident(i.indexname)))"
        )
    else:
        # SQLite's own indexes (UNIQUE, PRIMARY KEY) have no SQL and stay.
        sql = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'pushkin_card_sessions' AND sql IS NOT NULL"
        )
    rows = await tx.fetchall(sql)
    for row in rows:
        await tx.execute(f'DROP INDEX "{row["name"]}"')
    return [str(row["sql"]) for row in rows]


async def _delete_events(tx: Transaction, ids: list[int]) -> None:
    for i in range(0, len(ids), _CHUNK):
        chunk = tx.dialect.in_values(ids[i : i + _CHUNK])
        for table, column in (
            ("pushkin_card_sessions", "event_id"),
            ("pushkin_card_events", "id"),
            ("pushkin_card_search", "rowid"),
        ):
            await tx.execute(f"DELETE FROM {table} WHERE {column} {tx.dialect.in_list()}", (chunk,))


@dataclass
class _Reading:
    """The records read so far: valid events by id, ids to remove, reasons for the rest."""

    report: ImportReport
    cutoff: datetime
    events: dict[int, Event] = field(default_factory=dict)
    removed: list[int] = field(default_factory=list)  # no longer for the card
    index: int = 0

    def add(self, page: list[Any]) -> None:
        report = self.report
        for record in page:
            try:
                event = parse_event(record)
                if event.id in self.events:
                    raise Rejected(Reason.DUPLICATE_ID, str(event.id))
                if event.ends_at < self.cutoff:
                    raise Rejected(Reason.ENDED, f"ended {event.ends_at:%Y-%m-%d}")
            except Rejected as rejected:
                report.skip(self.index, rejected)
                if rejected.reason == Reason.NOT_PUSHKIN_CARD and isinstance(record, dict):
                    raw = record.get("_id")
                    if isinstance(raw, int) and not isinstance(raw, bool):
                        self.removed.append(raw)
            else:
                self.events[event.id] = event
                report.dropped_seances += event.dropped_seances
                start_ms = _ms(event.starts_at)
                if report.watermark_ms is None or start_ms > report.watermark_ms:
                    report.watermark_ms = start_ms
            self.index += 1


class EventImporter:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def last_watermark(self) -> int | None:
        value = await self.db.fetchval(
            "SELECT max(watermark_ms) FROM pushkin_card_imports WHERE source = 'api'"
        )
        return None if value is None else int(value)

    async def run(self, source: EventSource) -> ImportReport:
        """Read the whole source first (a failing API must not leave half an update), then write."""
        started = self.clock.now()
        cutoff = started - KEEP_ENDED
        report = ImportReport(source.name)
        reading = _Reading(report, cutoff)
        async for page in source.pages():
            with paused_gc():
                reading.add(page)
        await self._write(report, list(reading.events.values()), reading.removed, started)
        return report

    async def _write(
        self, report: ImportReport, events: list[Event], removed: list[int], started: datetime
    ) -> None:
        now = _iso(self.clock.now())
        cutoff = _iso(self.clock.now() - KEEP_ENDED)
        with paused_gc():
            event_rows = [_event_row(e, now) for e in events]
            search_rows = [(e.id, e.search_text, e.search_cities) for e in events]
            session_rows = [row for e in events for row in e.sessions]
        async with self.db.transaction() as tx:
            await _delete_events(tx, [e.id for e in events] + removed)
            await tx.executemany(
                "INSERT INTO pushkin_card_events (id, name, description, category, category_name, "
                "age_limit, is_free, price, max_price, sale_link, starts_at, ends_at, "
                "organization, imported_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                event_rows,
            )
            await tx.executemany(
                "INSERT INTO pushkin_card_search (rowid, text, cities) VALUES (?, ?, ?)",
                search_rows,
            )
            # A bulk load into a small table is faster with the indexes built afterwards.
            existing = await tx.fetchval("SELECT count(*) FROM pushkin_card_sessions")
            rebuild = len(session_rows) > max(existing, _REBUILD_FROM)
            indexes = await _drop_session_indexes(tx) if rebuild else []
            await tx.executemany(_INSERT_SESSIONS, session_rows)
            for sql in indexes:
                await tx.execute(sql)
            report.sessions = len(session_rows)
            report.imported = len(events)
            gone = [
                int(r["id"])
                for r in await tx.fetchall(
                    "SELECT id FROM pushkin_card_events WHERE ends_at < ?", (cutoff,)
                )
            ]
            report.pruned = len(gone)
            report.removed = len(removed)
            await _delete_events(tx, gone)
            await tx.execute(
                "DELETE FROM pushkin_card_favourites WHERE event_id NOT IN "
                "(SELECT id FROM pushkin_card_events)"
            )
            await tx.execute("DELETE FROM pushkin_card_cities")
            # The whole table is read either way; on SQLite a plain scan is twice as fast as
            # going in (city, start) index order, which jumps around the table (PostgreSQL's
            # planner chooses the scan itself).
            plain = "" if tx.dialect.name == "postgresql" else " NOT INDEXED"
            await tx.execute(
                "INSERT INTO pushkin_card_cities (city, region_code, timezone, events) "
                "SELECT city, max(region_code), max(timezone), count(DISTINCT event_id) "
                f"FROM pushkin_card_sessions{plain} WHERE ends_at >= ? GROUP BY city",
                (now,),
            )
            await tx.execute(
                "INSERT INTO pushkin_card_imports (source, started_at, finished_at, imported, "
                "skipped, reasons, watermark_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    "api" if report.source == "api" else report.source,
                    _iso(started),
                    now,
                    report.imported,
                    report.skipped_total,
                    json.dumps(dict(report.skipped)),
                    report.watermark_ms,
                ),
            )
