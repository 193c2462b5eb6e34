"""When the demo happens: every demo data set is written for the week of ``ANCHOR_MONDAY`` and
moved by whole weeks to the week it is loaded in, so `sferum run` shows a living school on any
date — this week's lessons, upcoming events, appeals with deadlines still ahead — while a test
that pins its clock to the anchor week gets exactly the data it was written against.

Whole weeks keep every weekday and local time as written (a Monday lesson stays on a Monday).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .district import TIMEZONE

# The Monday (in the district's zone) of the week the demo data sets were written for.
ANCHOR_MONDAY = date(2026, 11, 23)
WEEK = timedelta(days=7)
_ZONE = ZoneInfo(TIMEZONE)


def local_day(moment: datetime) -> date:
    return moment.astimezone(_ZONE).date()


def weeks_from_anchor(moment: datetime) -> int:
    """Whole weeks from the anchor week to the week of ``moment`` (negative before it)."""
    day = local_day(moment)
    monday = day - timedelta(days=day.weekday())
    return (monday - ANCHOR_MONDAY).days // 7


def demo_shift(moment: datetime) -> timedelta:
    """How far the demo data written for the anchor week moves to be loaded at ``moment``."""
    return weeks_from_anchor(moment) * WEEK


def years_from_anchor(moment: datetime) -> int:
    """Whole years the demo has moved, for what ages by years (birthdays): students stay in the
    grades they were written for."""
    return round(weeks_from_anchor(moment) / 52.1775)


def shift_birthday(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a year that has none
        return born.replace(year=born.year + years, day=28)
