"""Reading the imported events: the listing of a city soonest first, an event's card, cities.

The listing must stay fast with tens of thousands of events in one city, so it never
aggregates a whole city: timed sessions stream in start order from the (city, starts_at) index
in small batches and are merged with the few things open for hours right now (exhibitions,
museums, runs without seances); the first occurrence of an event is its soonest session, and
the merge stops as soon as the requested page and one more event are known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.storage import Database

from .categories import Category
from .dates import Window
from .records import EventFacts
from .search_index import search_for
from .search_text import normalise, query_terms

PAGE_SIZE = 5
_BATCH = 256
_TEXT_MATCHES = 2000


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Query:
    city: str
    window: Window
    category: Category | None = None
    age_limit: int | None = None  # hide events restricted above this age
    text: str = ""


@dataclass(frozen=True, slots=True)
class SessionView:
    place_no: int
    place_name: str
    address: str
    city: str
    timezone: str
    kind: str
    starts_at: datetime
    ends_at: datetime

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SessionView:
        return cls(
            row["place_no"],
            row["place_name"],
            row["address"],
            row["city"],
            row["timezone"],
            row["kind"],
            _dt(row["starts_at"]),
            _dt(row["ends_at"]),
        )


@dataclass(frozen=True, slots=True)
class EventView(EventFacts):
    """An event as the listing and the card read it back: no sessions, they are asked apart."""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EventView:
        return cls(
            row["id"],
            row["name"],
            row["description"],
            Category(row["category"]),
            row["category_name"],
            row["age_limit"],
            bool(row["is_free"]),
            row["price"],
            row["max_price"],
            row["sale_link"],
            _dt(row["starts_at"]),
            _dt(row["ends_at"]),
            row["organization"],
        )


@dataclass(frozen=True, slots=True)
class Listing:
    event: EventView
    session: SessionView  # the soonest matching session
    at: datetime  # when it can be attended: its start, or the window's start if already open


@dataclass(frozen=True, slots=True)
class Page:
    number: int
    items: tuple[Listing, ...]
    has_next: bool


@dataclass(frozen=True, slots=True)
class Card:
    event: EventView
    sessions: tuple[SessionView, ...]  # upcoming, soonest first (all places)
    more: int  # upcoming sessions beyond those listed


@dataclass(frozen=True, slots=True)
class City:
    name: str
    region_code: str | None
    timezone: str
    events: int

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_SESSION_COLUMNS = (
    "rowid AS rid, event_id, place_no, place_name, address, city, timezone, kind, "
    "starts_at, ends_at"
)
_EVENT_COLUMNS = (
    "id, name, description, category, category_name, age_limit, is_free, price, max_price, "
    "sale_link, starts_at, ends_at, organization"
)


def _soonest_per_event(dialect: str) -> tuple[str, str]:
    """The SELECT … FROM and the GROUP BY … LIMIT ? of "each event once, at its soonest moment
    from the window's start on (``at``), soonest first": the first takes the start, the second
    the limit as parameters, around the caller's WHERE."""
    if dialect == "postgresql":
        # PostgreSQL has no bare columns beside min(): DISTINCT ON keeps each event's first row
        # in ``at`` order, and the outer query sorts and cuts the events.
        return (
            f"SELECT * FROM (SELECT DISTINCT ON (event_id) {_SESSION_COLUMNS}, "
            "greatest(starts_at, ?) AS at FROM pushkin_card_sessions",
            " ORDER BY event_id, at, rowid) soonest ORDER BY at, event_id LIMIT ?",
        )
    # SQLite returns the other columns of the row holding min() (a documented guarantee).
    return (
        f"SELECT {_SESSION_COLUMNS}, min(max(starts_at, ?)) AS at FROM pushkin_card_sessions",
        " GROUP BY event_id ORDER BY at, event_id LIMIT ?",
    )


class Catalog:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.index = search_for(db)

    # --- cities --------------------------------------------------------------------------------
    async def cities(self, region_code: str | None = None) -> list[City]:
        sql = "SELECT city, region_code, timezone, events FROM pushkin_card_cities"
        params: tuple[Any, ...] = ()
        if region_code is not None:
            sql += " WHERE region_code = ?"
            params = (region_code,)
        rows = await self.db.fetchall(sql + " ORDER BY events DESC, city", params)
        return [City(r["city"], r["region_code"], r["timezone"], r["events"]) for r in rows]

    async def city(self, name: str) -> City | None:
        nocase = self.db.dialect.nocase
        row = await self.db.fetchone(
            "SELECT city, region_code, timezone, events FROM pushkin_card_cities "
            f"WHERE {nocase('city')} = {nocase('?')}",
            (name,),
        )
        if row is None:
            # SQLite's NOCASE folds ASCII only; Cyrillic names differ in case rarely, compare
            # in Python.
            folded = name.casefold()
            for city in await self.cities():
                if city.name.casefold() == folded:
                    return city
            return None
        return City(row["city"], row["region_code"], row["timezone"], row["events"])

    # --- the listing ---------------------------------------------------------------------------
    def _filters(self, query: Query) -> tuple[str, list[Any]]:
        sql = ""
        params: list[Any] = []
        if query.category is not None:
            sql += " AND category = ?"
            params.append(query.category.value)
        if query.age_limit is not None:
            sql += " AND age_limit <= ?"
            params.append(query.age_limit)
        return sql, params

    async def search(self, query: Query, page: int = 0, size: int = PAGE_SIZE) -> Page:
        page = max(0, page)
        wanted = (page + 1) * size + 1
        if query.text.strip():
            found = await self._text_search(query, wanted)
        else:
            found = await self._merge(query, wanted)
        chosen = found[page * size : (page + 1) * size]
        events = await self._events([row["event_id"] for row, _ in chosen])
        items = tuple(
            Listing(events[row["event_id"]], SessionView.from_row(row), at)
            for row, at in chosen
            if row["event_id"] in events
        )
        return Page(page, items, len(found) > (page + 1) * size)

    async def _open_now(self, query: Query, wanted: int) -> list[tuple[dict[str, Any], datetime]]:
        """Walk-in things already open at the window's start, and runs overlapping the window:
        each event once at its soonest moment, the first ``wanted`` of them (SQLite sorts and
        cuts, so a city with thousands of open exhibitions costs no Python per exhibition)."""
        start = _iso(query.window.start)
        filters, params = self._filters(query)
        end_sql, end_params = (
            ("", [])
            if query.window.end is None
            else (" AND starts_at < ?", [_iso(query.window.end)])
        )
        pick, group = _soonest_per_event(self.db.dialect.name)
        hours = await self.db.fetchall(
            f"{pick} WHERE city = ? AND starts_at >= ? AND starts_at < ? AND kind = 'hours' "
            "AND ends_at > ?" + filters + group,
            [
                start,
                query.city,
                _iso(query.window.start - timedelta(days=1)),
                start,
                start,
                *params,
                wanted,
            ],
        )
        runs = await self.db.fetchall(
            f"{pick} WHERE city = ? AND kind = 'run' AND ends_at > ?" + end_sql + filters + group,
            [start, query.city, start, *end_params, *params, wanted],
        )
        keyed = [(row, _dt(row["at"])) for row in (*hours, *runs)]
        keyed.sort(key=lambda item: (item[1], item[0]["event_id"]))
        return keyed

    async def _stream_batch(
        self, query: Query, after: tuple[str, int] | None
    ) -> list[dict[str, Any]]:
        filters, params = self._filters(query)
        sql = (
            f"SELECT {_SESSION_COLUMNS} FROM pushkin_card_sessions WHERE city = ? "
            "AND starts_at >= ? AND kind != 'run'"
        )
        values: list[Any] = [query.city, _iso(query.window.start)]
        if query.window.end is not None:
            sql += " AND starts_at < ?"
            values.append(_iso(query.window.end))
        if after is not None:
            sql += " AND (starts_at, rowid) > (?, ?)"
            values += list(after)
        sql += filters + " ORDER BY starts_at, rowid LIMIT ?"
        return await self.db.fetchall(sql, [*values, *params, _BATCH])

    async def _merge(self, query: Query, wanted: int) -> list[tuple[dict[str, Any], datetime]]:
        opened = await self._open_now(query, wanted)
        found: list[tuple[dict[str, Any], datetime]] = []
        seen: set[int] = set()

        def take(row: dict[str, Any], at: datetime) -> None:
            if row["event_id"] not in seen:
                seen.add(row["event_id"])
                found.append((row, at))

        position = 0
        after: tuple[str, int] | None = None
        while len(found) < wanted:
            batch = await self._stream_batch(query, after)
            for row in batch:
                at = _dt(row["starts_at"])
                while position < len(opened) and opened[position][1] <= at:
                    take(*opened[position])
                    position += 1
                take(row, at)
                if len(found) >= wanted:
                    break
            if len(batch) < _BATCH:
                break
            after = (batch[-1]["starts_at"], batch[-1]["rid"])
        while position < len(opened) and len(found) < wanted:
            take(*opened[position])
            position += 1
        found.sort(key=lambda item: (item[1], item[0]["event_id"]))
        return found[:wanted]

    async def _text_search(
        self, query: Query, wanted: int
    ) -> list[tuple[dict[str, Any], datetime]]:
        terms = query_terms(query.text)
        place = normalise(query.city)
        if not terms or not place:
            return []
        # Every stem as a prefix, within the city's events (search_index.py). A word matching
        # more than _TEXT_MATCHES events of one city is too broad to page through anyway; those
        # are the first found, still sorted soonest first.
        ids = await self.index.matching(self.db, terms, place, _TEXT_MATCHES)
        if not ids:
            return []
        filters, params = self._filters(query)
        dialect = self.db.dialect
        # SQLite's "+city": look the few matched events up by id, not scan the whole city.
        # PostgreSQL's planner weighs the two indexes by their statistics itself.
        city = "city" if dialect.name == "postgresql" else "+city"
        rows = await self.db.fetchall(
            f"SELECT {_SESSION_COLUMNS} FROM pushkin_card_sessions "
            f"WHERE event_id {dialect.in_list()} AND {city} = ? AND ends_at > ?" + filters,
            [dialect.in_values(ids), query.city, _iso(query.window.start), *params],
        )
        best: dict[int, tuple[dict[str, Any], datetime]] = {}
        for row in rows:
            at = available_at(row, query.window)
            if at is None:
                continue
            current = best.get(row["event_id"])
            if current is None or at < current[1]:
                best[row["event_id"]] = (row, at)
        ordered = sorted(best.values(), key=lambda item: (item[1], item[0]["event_id"]))
        return ordered[:wanted]

    async def _events(self, ids: Sequence[int]) -> dict[int, EventView]:
        if not ids:
            return {}
        rows = await self.db.fetchall(
            f"SELECT {_EVENT_COLUMNS} FROM pushkin_card_events "
            f"WHERE id {self.db.dialect.in_list()}",
            (self.db.dialect.in_values(list(ids)),),
        )
        return {row["id"]: EventView.from_row(row) for row in rows}

    # --- one event -----------------------------------------------------------------------------
    async def event(self, event_id: int) -> EventView | None:
        return (await self._events([event_id])).get(event_id)

    async def card(self, event_id: int, now: datetime, limit: int = 6) -> Card | None:
        event = await self.event(event_id)
        if event is None:
            return None
        rows = await self.db.fetchall(
            f"SELECT {_SESSION_COLUMNS} FROM pushkin_card_sessions WHERE event_id = ? "
            "AND ends_at > ? AND (starts_at >= ? OR kind != 'seance') "
            "ORDER BY starts_at, place_no",
            (event_id, _iso(now), _iso(now)),
        )
        sessions = tuple(SessionView.from_row(r) for r in rows)
        return Card(event, sessions[:limit], max(0, len(sessions) - limit))

    async def next_session(self, event_id: int, after: datetime) -> SessionView | None:
        """The first session still to come (or open) after a moment."""
        row = await self.db.fetchone(
            f"SELECT {_SESSION_COLUMNS} FROM pushkin_card_sessions WHERE event_id = ? "
            "AND ends_at > ? AND (starts_at >= ? OR kind != 'seance') "
            "ORDER BY starts_at, place_no LIMIT 1",
            (event_id, _iso(after), _iso(after)),
        )
        return None if row is None else SessionView.from_row(row)

    async def sessions(self, event_id: int, after: datetime) -> list[SessionView]:
        rows = await self.db.fetchall(
            f"SELECT {_SESSION_COLUMNS} FROM pushkin_card_sessions WHERE event_id = ? "
            "AND ends_at > ? AND (starts_at >= ? OR kind != 'seance') ORDER BY starts_at",
            (event_id, _iso(after), _iso(after)),
        )
        return [SessionView.from_row(r) for r in rows]


def available_at(row: dict[str, Any], window: Window) -> datetime | None:
    """When a session can be attended within the window, or None.

    A timed seance must start inside the window; an opening-hours seance or a run only has to
    overlap it (walk in while it is open).
    """
    starts, ends = _dt(row["starts_at"]), _dt(row["ends_at"])
    if window.end is not None and starts >= window.end:
        return None
    if row["kind"] == "seance":
        return starts if starts >= window.start else None
    return max(starts, window.start) if ends > window.start else None
