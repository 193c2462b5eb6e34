"""One API record -> one normalised event, or the reason it cannot be used.

The PRO.Культура.РФ v2.5 record: ``_id, name, shortDescription, category{name}, ageRestriction,
isFree, price, maxPrice, saleLink, start, end, places[{name, address{fullAddress},
locale{name, timezone}, seances[{start, end}]}], organization, isPushkinsCard``; times are
milliseconds since the epoch (UTC). A record we cannot trust is skipped with a reason, never
half-imported and never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .categories import WALK_IN, Category, category_of
from .geo import region_code
from .search_text import normalise

# Milliseconds between 2000 and 2100: anything outside is a unit mistake (seconds, ISO strings).
_MIN_MS = 946_684_800_000
_MAX_MS = 4_102_444_800_000
_DAY_MS = 86_400_000  # a seance longer than a day is a run of its own
_SPACE = re.compile(r"\s")


class Reason:
    """Why a record was skipped (the keys of the import report)."""

    NOT_AN_OBJECT = "not_an_object"
    MISSING_ID = "missing_id"
    DUPLICATE_ID = "duplicate_id"
    MISSING_NAME = "missing_name"
    NOT_PUSHKIN_CARD = "not_pushkin_card"
    BAD_TIME = "bad_time"
    END_BEFORE_START = "end_before_start"
    NO_PLACES = "no_places"
    NO_LOCALE = "no_locale"
    UNKNOWN_TIMEZONE = "unknown_timezone"
    BAD_PRICE = "bad_price"
    BAD_AGE = "bad_age"
    BAD_SALE_LINK = "bad_sale_link"
    ENDED = "ended"  # over for a week already: nothing to go to


class Rejected(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# One seance at one place, as a row of pushkin_card_sessions in SESSION_COLUMNS order.
# A plain tuple, built once and written as is: an import makes hundreds of thousands of them.
SessionRow = tuple[int, int, str, str, str, str | None, str, str, str, str, str, int]
SESSION_COLUMNS = (
    "event_id", "place_no", "place_name", "address", "city", "region_code", "timezone",
    "kind", "starts_at", "ends_at", "category", "age_limit",
)  # fmt: skip


class Place(NamedTuple):
    name: str
    address: str
    city: str
    region_code: str | None
    timezone: str


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What an event is, the same whether read from the feed or back from the database."""

    id: int
    name: str
    description: str
    category: Category
    category_name: str
    age_limit: int
    is_free: bool
    price: int | None
    max_price: int | None
    sale_link: str | None
    starts_at: datetime
    ends_at: datetime
    organization: str


@dataclass(frozen=True, slots=True)
class Event(EventFacts):
    sessions: tuple[SessionRow, ...]
    dropped_seances: int = 0
    search_text: str = field(default="", compare=False)
    search_cities: str = field(default="", compare=False)


@cache
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _ms(value: Any, what: str) -> int:
    # bool is an int in Python; true/false is never a time
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected(Reason.BAD_TIME, f"{what} is {value!r}, expected milliseconds")
    if not _MIN_MS <= value <= _MAX_MS:
        raise Rejected(Reason.BAD_TIME, f"{what} = {value} is not in milliseconds")
    return int(value)


def utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _money(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise Rejected(Reason.BAD_PRICE, f"{what} is {value!r}")
    return round(value)


def _age(value: Any) -> int:
    if value is None:
        return 0  # the API omits it for events without a restriction
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 21:
        raise Rejected(Reason.BAD_AGE, f"ageRestriction is {value!r}")
    return value


def _link(value: Any) -> str | None:
    if value in (None, ""):
        return None  # no online sale: the card says to buy at the box office
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise Rejected(Reason.BAD_SALE_LINK, f"saleLink is {str(value)[:60]!r}")
    if _SPACE.search(value) or len(value) > 2000:
        raise Rejected(Reason.BAD_SALE_LINK, "saleLink is not a single URL")
    return value


@lru_cache(maxsize=4096)
def _place(name: str, address: str, city: str, zone_name: str) -> Place:
    """A venue as stored; a feed names the same few thousand venues in many events."""
    address = _text(address)
    return Place(_text(name), address, _text(city), region_code(address, zone_name), zone_name)


@lru_cache(maxsize=65_536)
def _iso_ms(ms: int) -> str:
    # A feed repeats the same few thousand moments (shows at 19:00, museums opening at 10:00).
    return utc(ms).isoformat()


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _venue(number: int, place: Any) -> Place:
    if not isinstance(place, dict):
        raise Rejected(Reason.NO_PLACES, f"place {number} is not an object")
    locale = place.get("locale")
    if not isinstance(locale, dict) or not _text(locale.get("name")):
        raise Rejected(Reason.NO_LOCALE, f"place {number} has no locale (city)")
    zone_name = locale.get("timezone")
    if not isinstance(zone_name, str) or _zone(zone_name) is None:
        raise Rejected(Reason.UNKNOWN_TIMEZONE, f"place {number}: {zone_name!r}")
    address_obj = place.get("address")
    address = _str(address_obj.get("fullAddress")) if isinstance(address_obj, dict) else ""
    return _place(_str(place.get("name")), address, locale["name"], zone_name)


class _Sessions:
    """Collects an event's session rows across its places."""

    def __init__(self, event_id: int, category: Category, age_limit: int) -> None:
        self.event_id = event_id
        self.category = category
        self.age_limit = age_limit
        self.rows: list[SessionRow] = []
        self.dropped = 0
        self.last_end = 0

    def add_place(self, number: int, raw: Any, start: int, end: int) -> Place:
        place = _venue(number, raw)
        times = self._times(raw.get("seances"))
        if not times:
            # No usable seances: the place is open for the event's whole run.
            times = [("run", start, end)]
        # One tuple literal per seance from locals: an import makes hundreds of thousands.
        event, category, age = self.event_id, self.category.value, self.age_limit
        name, address, city, region, zone = place
        iso = _iso_ms
        self.rows += [
            (event, number, name, address, city, region, zone, kind, iso(s), iso(e), category, age)
            for kind, s, e in times
        ]
        self.last_end = max(self.last_end, *(e for _, _, e in times))
        return place

    def _times(self, seances: Any) -> list[tuple[str, int, int]]:
        """(kind, start, end) of the usable seances; the unusable ones are counted as dropped."""
        if not isinstance(seances, list):
            return []
        walk_in = self.category in WALK_IN
        times = []
        for seance in seances:
            if not isinstance(seance, dict):
                self.dropped += 1
                continue
            s_start, s_end = seance.get("start"), seance.get("end")
            # The common case (two integers in range) without a function call per value.
            if not (type(s_start) is int and _MIN_MS <= s_start <= _MAX_MS):
                try:
                    s_start = _ms(s_start, "seance start")
                except Rejected:
                    self.dropped += 1
                    continue
            if s_end is None:
                s_end = s_start
            elif not (type(s_end) is int and _MIN_MS <= s_end <= _MAX_MS):
                try:
                    s_end = _ms(s_end, "seance end")
                except Rejected:
                    self.dropped += 1
                    continue
            if s_end < s_start:
                raise Rejected(Reason.END_BEFORE_START, "a seance ends before it starts")
            if s_end - s_start > _DAY_MS:
                times.append(("run", s_start, s_end))
            else:
                times.append(("hours" if walk_in else "seance", s_start, s_end))
        return times


def parse_event(record: Any) -> Event:
    """The normalised event, or Rejected with the reason."""
    if not isinstance(record, dict):
        raise Rejected(Reason.NOT_AN_OBJECT, type(record).__name__)
    raw_id = record.get("_id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, int | str) or not str(raw_id).isdigit():
        raise Rejected(Reason.MISSING_ID, repr(raw_id))
    name = _text(record.get("name"))
    if not name:
        raise Rejected(Reason.MISSING_NAME)
    if record.get("isPushkinsCard") is False:
        raise Rejected(Reason.NOT_PUSHKIN_CARD)
    start = _ms(record.get("start"), "start")
    end = _ms(record["end"], "end") if record.get("end") is not None else start
    if end < start:
        raise Rejected(Reason.END_BEFORE_START, f"end {utc(end):%Y-%m-%d %H:%M} < start")
    category_obj = record.get("category")
    category_name = _text(category_obj.get("name")) if isinstance(category_obj, dict) else ""
    category = category_of(category_name)
    is_free = record.get("isFree") is True
    price = 0 if is_free else _money(record.get("price"), "price")
    max_price = 0 if is_free else _money(record.get("maxPrice"), "maxPrice")
    if price is not None and max_price is not None and max_price < price:
        max_price = price  # a range given backwards is still a range
    age = _age(record.get("ageRestriction"))
    link = _link(record.get("saleLink"))
    places = record.get("places")
    if not isinstance(places, list) or not places:
        raise Rejected(Reason.NO_PLACES)
    event_id = int(raw_id)
    sessions = _Sessions(event_id, category, age)
    venues = [sessions.add_place(n, place, start, end) for n, place in enumerate(places)]
    organization_obj = record.get("organization")
    organization = _text(organization_obj.get("name")) if isinstance(organization_obj, dict) else ""
    description = _text(record.get("shortDescription"))
    places_text = " ".join(dict.fromkeys(f"{v.name} {v.city}" for v in venues))
    cities = dict.fromkeys(v.city for v in venues)
    return Event(
        id=event_id,
        name=name,
        description=description,
        category=category,
        category_name=category_name,
        age_limit=age,
        is_free=is_free,
        price=price,
        max_price=max_price,
        sale_link=link,
        starts_at=utc(start),
        ends_at=utc(max(end, sessions.last_end)),
        organization=organization,
        sessions=tuple(sessions.rows),
        dropped_seances=sessions.dropped,
        search_text=normalise(f"{name} {category_name} {description} {places_text}"),
        search_cities=" , ".join(normalise(city) for city in cities),
    )
