"""Weeks of monitoring: ISO weeks from Monday 00:00 to the next Monday 00:00 in a region's zone.

A week is named by its local Monday (``2026-11-23``), which is also its key in storage.
``WeekFinder`` answers "which week is this epoch second in" for a stream of events without building
a datetime per event: events arrive roughly in time order, so the last week found almost always
holds the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.clock import require_aware

from .texts import T


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Local 00:00 of ``day`` as an aware UTC datetime (fold=0: the first one on a DST day)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Week:
    monday: date
    timezone: str

    def __post_init__(self) -> None:
        if self.monday.weekday() != 0:
            day = self.monday.isoformat()
            raise ValueError(T.render("monitoring_error.j2", kind="not_monday", day=day))

    @classmethod
    def containing(cls, moment: datetime, timezone: str) -> Week:
        require_aware(moment, "moment")
        local = moment.astimezone(ZoneInfo(timezone)).date()
        return cls(monday_of(local), timezone)

    @classmethod
    def of_day(cls, day: date, timezone: str) -> Week:
        return cls(monday_of(day), timezone)

    @classmethod
    def parse(cls, text: str, timezone: str) -> Week:
        """``2026-11-23`` (any day of the week) or ``2026-W48``."""
        value = text.strip()
        if "-W" in value.upper():
            year, number = value.upper().split("-W", 1)
            return cls(date.fromisocalendar(int(year), int(number), 1), timezone)
        return cls.of_day(date.fromisoformat(value), timezone)

    @property
    def key(self) -> str:
        return self.monday.isoformat()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def start(self) -> datetime:
        return local_midnight(self.monday, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.monday + timedelta(days=7), self.zone)

    @property
    def iso(self) -> str:
        year, number, _ = self.monday.isocalendar()
        return f"{year}-W{number:02d}"

    def previous(self, weeks: int = 1) -> Week:
        return Week(self.monday - timedelta(days=7 * weeks), self.timezone)

    def next(self, weeks: int = 1) -> Week:
        return Week(self.monday + timedelta(days=7 * weeks), self.timezone)

    def closed(self, now: datetime) -> bool:
        """Finished: nothing recorded live can land in it any more."""
        return self.end <= now

    def last(self, count: int) -> list[Week]:
        """``count`` weeks ending with this one, oldest first."""
        return [self.previous(back) for back in range(count - 1, -1, -1)]


class WeekFinder:
    """The week key of an epoch second in one zone, cached for time-ordered streams."""

    __slots__ = ("_end", "_key", "_start", "timezone", "zone")

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self._start = 1
        self._end = 0
        self._key = ""

    def key(self, ts: int) -> str:
        if self._start <= ts < self._end:
            return self._key
        moment = datetime.fromtimestamp(ts, UTC)
        week = Week.containing(moment, self.timezone)
        self._start = int(week.start.timestamp())
        self._end = int(week.end.timestamp())
        self._key = week.key
        return self._key

    @property
    def bounds(self) -> tuple[int, int]:
        """[start, end) in epoch seconds of the week last returned by ``key``."""
        return self._start, self._end
