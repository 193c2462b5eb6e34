"""Reading a time the counsellor typed or chose: "25.11 18:00", "завтра 9:00", weekly days."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DATE_TIME = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?\s+(\d{1,2})[:.](\d{2})\s*$")
_REL = re.compile(r"^\s*(сегодня|завтра)\s+(?:в\s+)?(\d{1,2})[:.](\d{2})\s*$", re.IGNORECASE)
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")
DAY_LABELS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


class WhenError(ValueError):
    pass


def parse_time(text: str) -> time:
    match = _TIME.match(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise WhenError("time")
    return time(int(match[1]), int(match[2]))


def parse_moment(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """A future moment in the school's zone; raises WhenError('format'|'past')."""
    local_now = now.astimezone(zone)
    relative = _REL.match(text)
    if relative:
        day = local_now.date() + timedelta(days=1 if relative[1].lower() == "завтра" else 0)
        hours, minutes = int(relative[2]), int(relative[3])
    else:
        match = _DATE_TIME.match(text)
        if not match:
            raise WhenError("format")
        year = int(match[3]) if match[3] else local_now.year
        if year < 100:
            year += 2000
        try:
            day = date(year, int(match[2]), int(match[1]))
        except ValueError:
            raise WhenError("format") from None
        if not match[3] and day < local_now.date():
            day = day.replace(year=year + 1)  # "05.01" typed in December means next January
        hours, minutes = int(match[4]), int(match[5])
    if hours > 23 or minutes > 59:
        raise WhenError("format")
    moment = datetime.combine(day, time(hours, minutes), zone)
    if moment <= local_now:
        raise WhenError("past")
    return moment
