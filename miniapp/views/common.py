"""Small helpers the views share: parsing query parameters that never crash on bad input, and
the week pages' navigation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from core.integers import ascii_int

from ..journal.abc import Lesson, Term

MAX_WEEKS_AWAY = 60
WEEK_DAYS = 6  # Monday to Saturday are shown; Sunday only when it has lessons


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_week(value: str | None, today: date) -> date:
    """The Monday of the week asked for (``?week=2026-11-30``), or of this week when the value
    is missing, malformed or absurdly far away."""
    this_week = monday_of(today)
    if not value:
        return this_week
    try:
        asked = monday_of(date.fromisoformat(value))
    except ValueError:
        return this_week
    if abs((asked - this_week).days) > MAX_WEEKS_AWAY * 7:
        return this_week
    return asked


def pick_term(terms: Sequence[Term], asked: str | None, today: date) -> Term | None:
    """The term asked for by id when it is one of ``terms``; else the grading period holding
    today, else the last one begun, else the first."""
    asked_id = ascii_int(asked)  # str.isdigit() is true for "²", on which int() raises
    if asked_id is not None:
        for term in terms:
            if term.id == asked_id:
                return term
    periods = [t for t in terms if t.kind == "gradingPeriod"] or list(terms)
    for term in periods:
        if term.contains(today):
            return term
    begun = [t for t in periods if t.start <= today]
    if begun:
        return max(begun, key=lambda t: t.start)
    return periods[0] if periods else None


@dataclass(frozen=True)
class WeekNav:
    """A week page's place in time: the week shown and the links to its neighbours."""

    monday: date
    today: date

    @property
    def previous_week(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.monday + timedelta(days=7)

    @property
    def is_current(self) -> bool:
        return self.monday <= self.today < self.next_week


def week_days(monday: date, lessons: Sequence[Lesson]) -> list[tuple[date, list[Lesson]]]:
    """The days a week page shows, each with its lessons in the given order."""
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        todays = [lesson for lesson in lessons if lesson.day == day]
        if offset < WEEK_DAYS or todays:
            days.append((day, todays))
    return days
