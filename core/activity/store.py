"""Activity storage: the raw log, the weekly per-person counters the monitoring reads and the
daily per-chat counters the cabinet reads.

Why this layout (10 million events for a region, ingest at 200,000 events/s, the weekly table in
under two seconds; figures in bench/monitoring.py):

- ``activity_facts`` keeps every event compactly (epoch seconds, integer kind codes) and without
  secondary indexes, so an insert is an append; rows go a hundred per statement.
- ``activity_weekly`` holds, per person and week, the numbers the weekly metrics need (events,
  group-chat messages, calls, chats created, messages in any chat: group chats and private
  messages to the bots), summed in Python before they are written, so one
  upsert stands for many events and the weekly table reads one row per person, never an event.
- ``chat_activity_days`` holds, per group chat (peer id >= 2,000,000,000) and UTC day, its
  group-chat messages, events and latest event (the cabinet's «Чаты сообщества» reads it:
  core/cabinet/chats.py), summed in Python the same way and written with the weekly counters,
  in the same transactions: every event in a chat counts, whoever sent it; private messages
  (the peer is a user) do not.

Two ways in:

- a small call (at most ``batch`` rows, as the live recorder's flushes are) writes raw rows and
  counters in one transaction;
- a bulk call (an import, a backfill, the bench) writes raw rows in transactions of ``batch`` rows
  and sums counters in memory across them, writing them once at the end (or every
  ``flush_keys`` people-weeks or chat-days): a person active all week is upserted once instead
  of once per transaction. Until then the raw rows' id ranges wait in ``activity_uncounted``
  (written in the same transaction as the rows); the counter write (weekly and chat counters
  together) deletes them. If the process dies in between, ``recover()`` counts the ranges left
  behind into both (``sferum monitoring recover``; a bulk ingest calls it first for ranges older
  than an hour).

A week is the ISO week in the zone of the person's region (Monday 00:00 local), so the zone is
resolved per person at ingest (cached for ``cache_ttl_s``). Events of VK users we do not know as
persons are kept in the raw log and the chat counters but not in the weekly ones: nobody without a
person can be a teacher or a student. When people change region or VK account after the fact,
``rebuild()`` recounts everything from the raw log (``sferum monitoring rebuild``), the chat
counters with them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, islice
from typing import Any

from core.clock import Clock, SystemClock
from core.storage import Database, Transaction

from .kinds import (
    CALL,
    CHAT_CREATED,
    GROUP_CHAT_MESSAGE,
    KIND_CODES,
    KINDS_BY_CODE,
    MESSAGE_TO_BOT,
    ActivityKind,
)
from .weeks import WeekFinder

# (UTC epoch seconds, vk_user_id, person_id or None, kind code, peer_id, group_id, plugin)
IngestRow = tuple[int, int, int | None, int, int | None, int | None, str | None]

INSERT_FACTS = (
    "INSERT INTO activity_facts (ts, vk_user_id, person_id, kind, peer_id, group_id, plugin) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
# Raw rows go in ROWS_PER_INSERT at a time: one statement step per hundred rows instead of per
# row makes the raw log about 40 % cheaper to write (bench/monitoring.py).
ROWS_PER_INSERT = 100
INSERT_FACTS_MANY = INSERT_FACTS + ", (?, ?, ?, ?, ?, ?, ?)" * (ROWS_PER_INSERT - 1)
UPSERT_WEEKLY = (
    "INSERT INTO activity_weekly (week, person_id, events, chat_messages, calls, chats_created, "
    "messages) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (week, person_id) DO UPDATE SET "
    # Qualified: PostgreSQL reads a bare ``events`` as ambiguous (the row or ``excluded``).
    "events = activity_weekly.events + excluded.events, "
    "chat_messages = activity_weekly.chat_messages + excluded.chat_messages, "
    "calls = activity_weekly.calls + excluded.calls, "
    "chats_created = activity_weekly.chats_created + excluded.chats_created, "
    "messages = activity_weekly.messages + excluded.messages"
)
UPSERT_CHAT_DAYS = (
    "INSERT INTO chat_activity_days (peer_id, day, messages, events, last_ts) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (peer_id, day) DO UPDATE SET "
    "messages = chat_activity_days.messages + excluded.messages, "
    "events = chat_activity_days.events + excluded.events, "
    # Not max(a, b) nor greatest(a, b): each exists on one engine only.
    "last_ts = CASE WHEN excluded.last_ts > chat_activity_days.last_ts "
    "THEN excluded.last_ts ELSE chat_activity_days.last_ts END"
)
CHAT_PEERS = 2_000_000_000  # VK peer ids from here on are group chats
DAY_S = 86_400
# Beyond this many unknown people in one chunk, one scan of persons beats IN lists.
FULL_LOAD_AT = 5_000
IN_LIST = 500
NOT_A_PERSON = 0  # in the VK id map: asked, and nobody has this account
CACHE_LIMIT = 2_000_000
RECOVER_AFTER_S = 3600  # an uncounted range this old belongs to an ingest that died

# week -> person -> [events, group-chat messages, calls, chats created, messages in any chat]
Counters = dict[str, dict[int, list[int]]]
# UTC epoch day -> chat peer id -> [group-chat messages, events, latest ts]
ChatDays = dict[int, dict[int, list[int]]]


def event_row(
    at: datetime,
    vk_user_id: int,
    kind: ActivityKind,
    *,
    person_id: int | None = None,
    peer_id: int | None = None,
    group_id: int | None = None,
    plugin: str | None = None,
) -> IngestRow:
    """One event as ``ingest`` takes it (for callers holding datetimes and kinds)."""
    return (int(at.timestamp()), vk_user_id, person_id, KIND_CODES[kind], peer_id, group_id, plugin)


async def _insert_facts(tx: Transaction, rows: list[IngestRow]) -> None:
    whole = len(rows) - len(rows) % ROWS_PER_INSERT
    if whole:
        flat = list(chain.from_iterable(rows[:whole]))
        width = 7 * ROWS_PER_INSERT
        await tx.executemany(
            INSERT_FACTS_MANY, [flat[i : i + width] for i in range(0, len(flat), width)]
        )
    if whole < len(rows):
        await tx.executemany(INSERT_FACTS, rows[whole:])


async def _write_counters(tx: Transaction, counters: Counters) -> None:
    for week in sorted(counters):
        per_person = counters[week]
        # In person order: the upserts walk the (week, person) B-tree in order.
        await tx.executemany(
            UPSERT_WEEKLY, [(week, person, *per_person[person]) for person in sorted(per_person)]
        )
        # Snapshots of a finished week are recomputed when late events arrive for it.
        await tx.execute("DELETE FROM monitoring_school_weeks WHERE week = ?", (week,))


def _count_chats(rows: Iterable[IngestRow], days: ChatDays) -> ChatDays:
    """Add the events in group chats to ``days`` (every one: no person needed) and return it.

    A second pass over the chunk, as tight as ``_count``'s: consecutive events mostly fall on
    the same day, so that day's table is kept at hand."""
    start = end = 0
    per_peer: dict[int, list[int]] = {}
    counts_of = per_peer.get
    for ts, _vk, _person, kind, peer, _group, _plugin in rows:
        if peer is None or peer < CHAT_PEERS:
            continue
        if not start <= ts < end:
            day = ts // DAY_S
            start = day * DAY_S
            end = start + DAY_S
            per_peer = days.setdefault(day, {})
            counts_of = per_peer.get
        counts = counts_of(peer)
        if counts is None:
            per_peer[peer] = [1 if kind == GROUP_CHAT_MESSAGE else 0, 1, ts]
        else:
            if kind == GROUP_CHAT_MESSAGE:
                counts[0] += 1
            counts[1] += 1
            if ts > counts[2]:
                counts[2] = ts
    return days


async def _write_chat_days(tx: Transaction, days: ChatDays) -> None:
    # In (peer, day) order: the upserts walk the primary key's B-tree in order.
    await tx.executemany(
        UPSERT_CHAT_DAYS,
        sorted(
            (peer, day, *counts)
            for day, per_peer in days.items()
            for peer, counts in per_peer.items()
        ),
    )


def _keys(counters: Counters | ChatDays) -> int:
    return sum(len(per_key) for per_key in counters.values())


def _events_in(counters: Counters) -> int:
    return sum(counts[0] for per_person in counters.values() for counts in per_person.values())


def _chunks(rows: Iterable[IngestRow], size: int) -> Iterator[list[IngestRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


class ActivityError(ValueError):
    pass


@dataclass
class IngestResult:
    events: int = 0
    attributed: int = 0  # events of known persons: these count in the weekly metrics
    weeks: set[str] = field(default_factory=set)

    def add(self, events: int, counters: Counters) -> None:
        self.events += events
        self.attributed += _events_in(counters)
        self.weeks |= counters.keys()


class ActivityStore:
    def __init__(
        self,
        db: Database,
        *,
        default_timezone: str = "Europe/Moscow",
        batch: int = 500_000,
        flush_keys: int = 1_500_000,
        cache_ttl_s: float = 600.0,
        clock: Clock | None = None,
    ) -> None:
        self.db = db
        self.batch = batch
        self.flush_keys = flush_keys
        self.clock = clock or SystemClock()
        self.cache_ttl_s = cache_ttl_s
        self._cached_at = time.monotonic()
        self._vk_person: dict[int, int] = {}
        self._default = WeekFinder(default_timezone)
        self._finders: dict[str, WeekFinder] = {default_timezone: self._default}
        self._org_zone: dict[int, str] | None = None
        self._person_week: dict[int, WeekFinder] = {}  # person -> their region's week finder

    # --- resolving people ---------------------------------------------------------------------
    def _finder(self, timezone: str) -> WeekFinder:
        finder = self._finders.get(timezone)
        if finder is None:
            finder = self._finders[timezone] = WeekFinder(timezone)
        return finder

    async def _org_zones(self, refresh: bool = False) -> dict[int, str]:
        """Organisation -> the zone of its region (the region organisation with the same code;
        the organisation's own zone when the region is not in storage)."""
        if self._org_zone is None or refresh:
            rows = await self.db.fetchrows(
                "SELECT id, kind, region_code, timezone FROM organisations ORDER BY id"
            )
            regions: dict[str, str] = {}
            for _, kind, code, zone in rows:
                if kind == "region":
                    regions.setdefault(code, zone)
            self._org_zone = {org: regions.get(code, zone) for org, _, code, zone in rows}
        return self._org_zone

    async def _learn(self, rows: Sequence[tuple[Any, ...]], vk_map: dict[int, int]) -> None:
        """Rows of (person id, vk id, org id of the first active role)."""
        zones = await self._org_zones()
        if any(org is not None and org not in zones for _, _, org in rows):
            zones = await self._org_zones(refresh=True)
        for person_id, vk_user_id, org_id in rows:
            zone = zones.get(org_id) if org_id is not None else None
            self._person_week[person_id] = self._default if zone is None else self._finder(zone)
            if vk_user_id is not None:
                vk_map[vk_user_id] = person_id

    # Everyone at once (one pass over roles) or a few people (through the roles_person index).
    _ALL_PERSONS = (
        "SELECT p.id, p.vk_user_id, r.org_id FROM persons p LEFT JOIN "
        "(SELECT person_id, org_id, min(id) FROM roles WHERE revoked_at IS NULL "
        "GROUP BY person_id) r ON r.person_id = p.id"
    )
    _SOME_PERSONS = (
        "SELECT p.id, p.vk_user_id, (SELECT r.org_id FROM roles r WHERE r.person_id = p.id "
        "AND r.revoked_at IS NULL ORDER BY r.id LIMIT 1) FROM persons p"
    )

    def _fresh_caches(self) -> dict[int, int]:
        """The VK id -> person map, emptied when it is older than ``cache_ttl_s``: accounts get
        bound and re-bound, roles move between regions."""
        now = time.monotonic()
        if now - self._cached_at > self.cache_ttl_s or len(self._person_week) > CACHE_LIMIT:
            self._vk_person.clear()
            self._person_week.clear()
            self._org_zone = None
            self._cached_at = now
        return self._vk_person

    def forget(self) -> None:
        """Drop every cached person (tests and ``rebuild`` call it)."""
        self._cached_at = -float("inf")
        self._fresh_caches()

    async def _resolve(
        self, vk_ids: set[int], person_ids: set[int], vk_map: dict[int, int]
    ) -> None:
        if len(vk_ids) + len(person_ids) > FULL_LOAD_AT:
            await self._learn(await self.db.fetchrows(self._ALL_PERSONS), vk_map)
            return
        for column, wanted in (("p.vk_user_id", list(vk_ids)), ("p.id", list(person_ids))):
            for start in range(0, len(wanted), IN_LIST):
                part = wanted[start : start + IN_LIST]
                marks = ",".join("?" * len(part))
                rows = await self.db.fetchrows(
                    f"{self._SOME_PERSONS} WHERE {column} IN ({marks})", part
                )
                await self._learn(rows, vk_map)

    # --- counting -----------------------------------------------------------------------------
    def _count(
        self, rows: Iterable[IngestRow], vk_map: dict[int, int], counters: Counters
    ) -> list[IngestRow]:
        """Add known people's events to ``counters``; return the rows whose person is unknown.

        The hot loop of ingest (about a microsecond an event): local names for bound methods,
        integer comparisons only. Consecutive events mostly fall in the same week of the same
        zone, so that week's table is kept at hand instead of being looked up per event."""
        vk_person = vk_map.get
        person_finder = self._person_week.get
        unknown: list[IngestRow] = []
        keep = unknown.append
        last_finder: WeekFinder | None = None
        start = end = 0
        per_person: dict[int, list[int]] = {}
        counts_of = per_person.get
        for row in rows:
            ts, vk_user_id, person_id, kind, _peer, _group, _plugin = row
            if person_id is None:
                person_id = vk_person(vk_user_id)
                if not person_id:
                    if person_id is None:  # 0: known not to be a person
                        keep(row)
                    continue
            finder = person_finder(person_id)
            if finder is None:
                keep(row)
                continue
            if finder is not last_finder or not start <= ts < end:
                week = finder.key(ts)
                start, end = finder.bounds
                last_finder = finder
                per_person = counters.setdefault(week, {})
                counts_of = per_person.get
            counts = counts_of(person_id)
            if counts is None:
                counts = per_person[person_id] = [1, 0, 0, 0, 0]
            else:
                counts[0] += 1
            if kind == GROUP_CHAT_MESSAGE:
                counts[1] += 1
                counts[4] += 1
            elif kind == MESSAGE_TO_BOT:
                counts[4] += 1
            elif kind == CALL:
                counts[2] += 1
            elif kind == CHAT_CREATED:
                counts[3] += 1
        return unknown

    async def _aggregate(
        self, chunk: list[IngestRow], vk_map: dict[int, int], counters: Counters | None = None
    ) -> Counters:
        counters = {} if counters is None else counters
        unknown = self._count(chunk, vk_map, counters)
        if unknown:
            vk_ids = {row[1] for row in unknown if row[2] is None}
            person_ids = {row[2] for row in unknown if row[2] is not None}
            await self._resolve(vk_ids, person_ids, vk_map)
            for vk_user_id in vk_ids:
                vk_map.setdefault(vk_user_id, NOT_A_PERSON)
            for row in unknown:
                # A person id we were given but cannot find: count them in the default zone.
                if row[2] is not None and row[2] not in self._person_week:
                    self._person_week[row[2]] = self._default
            self._count(unknown, vk_map, counters)
        return counters

    @staticmethod
    def _check(chunk: list[IngestRow]) -> None:
        kinds = {row[3] for row in chunk}
        bad = kinds - KINDS_BY_CODE.keys()
        if bad:
            raise ActivityError(f"unknown activity kind codes {sorted(bad)}; known: {KIND_CODES}")

    # --- writing ------------------------------------------------------------------------------
    async def ingest(self, rows: Iterable[IngestRow]) -> IngestResult:
        """Store events: the raw log and the weekly counters (see the module docstring)."""
        result = IngestResult()
        chunks = _chunks(rows, self.batch)
        first = next(chunks, None)
        if first is None:
            return result
        second = next(chunks, None)
        if second is None:
            self._check(first)
            counters = await self._aggregate(first, self._fresh_caches())
            in_chats = _count_chats(first, {})
            async with self.db.transaction() as tx:
                await _insert_facts(tx, first)
                await _write_counters(tx, counters)
                await _write_chat_days(tx, in_chats)
            result.add(len(first), counters)
            return result
        await self.recover(older_than_s=RECOVER_AFTER_S)
        session = secrets.token_hex(8)
        counters = {}
        chat_days: ChatDays = {}
        for chunk in chain((first, second), chunks):
            self._check(chunk)
            await self._aggregate(chunk, self._fresh_caches(), counters)
            _count_chats(chunk, chat_days)
            async with self.db.transaction() as tx:
                if tx.dialect.name == "postgresql":
                    # SQLite's writer lock keeps other inserts out until this commits; on
                    # PostgreSQL this lock does (live recorders wait, readers do not), so the
                    # rows below get consecutive ids and max(id) is this chunk's last.
                    await tx.execute("LOCK TABLE activity_facts IN SHARE ROW EXCLUSIVE MODE")
                await _insert_facts(tx, chunk)
                # One writer at a time: the rows of this transaction got consecutive ids.
                last = int(await tx.fetchval("SELECT max(id) FROM activity_facts"))
                await tx.execute(
                    "INSERT INTO activity_uncounted (session, first_id, last_id, at) "
                    "VALUES (?, ?, ?, ?)",
                    (session, last - len(chunk) + 1, last, self._now()),
                )
            result.events += len(chunk)
            if max(_keys(counters), _keys(chat_days)) >= self.flush_keys:
                await self._fold(session, counters, chat_days, result)
                counters, chat_days = {}, {}
        await self._fold(session, counters, chat_days, result)
        return result

    def _now(self) -> int:
        return int(self.clock.now().timestamp())

    async def _fold(
        self, session: str, counters: Counters, chat_days: ChatDays, result: IngestResult
    ) -> None:
        async with self.db.transaction() as tx:
            await _write_counters(tx, counters)
            await _write_chat_days(tx, chat_days)
            await tx.execute("DELETE FROM activity_uncounted WHERE session = ?", (session,))
        result.add(0, counters)

    async def recover(self, older_than_s: int = 0) -> IngestResult:
        """Count raw rows an interrupted bulk ingest left uncounted (ranges older than
        ``older_than_s``: younger ones may belong to an ingest still running elsewhere)."""
        result = IngestResult()
        while True:
            async with self.db.transaction() as tx:
                # Inside the write transaction: no other writer can count the same range.
                left = await tx.fetchrows(
                    # On PostgreSQL a row lock instead (``rowid`` is a real column there),
                    # skipping a range another recover is counting.
                    "SELECT rowid, first_id, last_id FROM activity_uncounted WHERE at <= ? "
                    f"ORDER BY rowid LIMIT 1 {tx.dialect.skip_locked}",
                    (self._now() - older_than_s,),
                )
                if not left:
                    return result
                rowid, first_id, last_id = left[0]
                chunk = await self._facts(tx, first_id, last_id)
                counters = await self._aggregate(chunk, self._fresh_caches())
                await _write_counters(tx, counters)
                await _write_chat_days(tx, _count_chats(chunk, {}))
                await tx.execute("DELETE FROM activity_uncounted WHERE rowid = ?", (rowid,))
            result.add(len(chunk), counters)

    @staticmethod
    async def _facts(tx: Transaction, first_id: int, last_id: int) -> list[IngestRow]:
        rows = await tx.fetchrows(
            "SELECT ts, vk_user_id, person_id, kind, peer_id FROM activity_facts "
            "WHERE id BETWEEN ? AND ? ORDER BY id",
            (first_id, last_id),
        )
        return [(r[0], r[1], r[2], r[3], r[4], None, None) for r in rows]

    async def rebuild(self, page: int = 500_000) -> IngestResult:
        """Recount ``activity_weekly`` and ``chat_activity_days`` from the raw log (after people
        changed region or VK account). One transaction: live writers wait until it is done."""
        self.forget()
        result = IngestResult()
        async with self.db.transaction() as tx:
            if tx.dialect.name == "postgresql":
                # As SQLite's writer lock: no event goes in while the counters are recounted.
                await tx.execute("LOCK TABLE activity_facts IN SHARE ROW EXCLUSIVE MODE")
            await tx.execute("DELETE FROM activity_weekly")
            await tx.execute("DELETE FROM chat_activity_days")
            await tx.execute("DELETE FROM monitoring_school_weeks")
            await tx.execute("DELETE FROM activity_uncounted")
            counters: Counters = {}
            chat_days: ChatDays = {}
            last = 0
            while True:
                top = await tx.fetchval(
                    "SELECT max(id) FROM (SELECT id FROM activity_facts WHERE id > ? "
                    "ORDER BY id LIMIT ?) AS page",
                    (last, page),
                )
                if top is None:
                    break
                chunk = await self._facts(tx, last + 1, int(top))
                last = int(top)
                await self._aggregate(chunk, self._fresh_caches(), counters)
                _count_chats(chunk, chat_days)
                result.events += len(chunk)
                if max(_keys(counters), _keys(chat_days)) >= self.flush_keys:
                    await _write_counters(tx, counters)
                    await _write_chat_days(tx, chat_days)
                    result.add(0, counters)
                    counters, chat_days = {}, {}
            await _write_counters(tx, counters)
            await _write_chat_days(tx, chat_days)
            result.add(0, counters)
        return result
