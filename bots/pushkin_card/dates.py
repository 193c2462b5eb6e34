"""Date filters in the city's own time zone: today, tomorrow, the weekend, a week, a range.

A filter becomes a half-open UTC window [start, end); the listing never shows what already
began (except exhibitions and museums open right now), so the window starts no earlier than now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Period(StrEnum):
    ALL = "all"
    TODAY = "today"
    TOMORROW = "tomorrow"
    WEEKEND = "weekend"
    WEEK = "week"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime | None  # None: no end


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), zone)


def window(
    period: Period,
    now: datetime,
    zone: ZoneInfo,
    first: date | None = None,
    last: date | None = None,
) -> Window:
    today = now.astimezone(zone).date()
    match period:
        case Period.TODAY:
            start_day, end_day = today, today
        case Period.TOMORROW:
            start_day = end_day = today + timedelta(days=1)
        case Period.WEEKEND:
            # Saturday and Sunday of this week; on Sunday, today alone is left of it.
            saturday = today + timedelta(days=(5 - today.weekday()) % 7)
            if today.weekday() == 6:
                saturday = today - timedelta(days=1)
            start_day, end_day = saturday, saturday + timedelta(days=1)
        case Period.WEEK:
            start_day, end_day = today, today + timedelta(days=6)
        case Period.RANGE if first is not None and last is not None:
            start_day, end_day = first, last
        case _:
            return Window(now, None)
    start = max(now, _midnight(start_day, zone))
    return Window(start, _midnight(end_day + timedelta(days=1), zone))


_DATE = r"(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?"
_RANGE = re.compile(rf"^\s*(?:с\s+)?{_DATE}\s*(?:(?:-|–|—|по|до)\s*{_DATE})?\s*$", re.I)
MAX_RANGE_DAYS = 92


class RangeError(ValueError):
    """Why typed dates are not a range; ``code`` picks the Russian explanation."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _pair(day: str, month: str, year: str | None, fallback_year: int) -> date:
    full = fallback_year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    return date(full, int(month), int(day))


def parse_range(text: str, today: date) -> tuple[date, date]:
    """'05.12–12.12', '5.12', 'с 5.12 по 12.12.2026' -> (first day, last day)."""
    match = _RANGE.match(text)
    if match is None:
        raise RangeError("format")
    try:
        first = _pair(match[1], match[2], match[3], today.year)
        last = _pair(match[4], match[5], match[6], first.year) if match[4] else first
        if match[6] is None and last < first:
            last = last.replace(year=last.year + 1)  # "30.12–05.01" crosses the new year
        if match[3] is None and match[6] is None and last < today:
            # Typed without a year in November, "05.01" means the coming January.
            first, last = first.replace(year=first.year + 1), last.replace(year=last.year + 1)
    except ValueError:
        raise RangeError("no_such_date") from None
    if last < first:
        raise RangeError("backwards")
    if last < today:
        raise RangeError("past")
    if (last - first).days > MAX_RANGE_DAYS:
        raise RangeError("too_long")
    return max(first, today), last
