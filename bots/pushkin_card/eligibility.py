"""Who the Pushkin card is for and what it pays: ages 14–22 inclusive (until the 23rd
birthday), a yearly sum of which a part at most goes to cinema.

The sums are set by the government year by year; only the years we know are listed, and for
any other year the bot says to check on Госуслуги instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from core.people import Person

MIN_AGE = 14
MAX_AGE = 22  # inclusive: the card works until the 23rd birthday

# year -> (yearly sum, of which at most for cinema), roubles
YEARLY_SUMS: dict[int, tuple[int, int]] = {2025: (5000, 2000), 2026: (5000, 2000)}

# Who does not tell us their age is treated as a minor: events marked 18+ are hidden.
UNKNOWN_AGE_LIMIT = 17


class Status(StrEnum):
    ELIGIBLE = "eligible"
    TOO_YOUNG = "too_young"
    TOO_OLD = "too_old"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Eligibility:
    status: Status
    age: int | None
    since: date | None = None  # the 14th birthday, for those too young
    until: date | None = None  # the last day before the 23rd birthday
    year: int = 0
    yearly_sum: int | None = None
    cinema_cap: int | None = None

    adult: bool = False  # known to be an adult without a birth date

    @property
    def age_limit(self) -> int | None:
        """The highest event age restriction to show; None shows everything."""
        if self.age is not None:
            return self.age
        return None if self.adult else UNKNOWN_AGE_LIMIT


def _birthday(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # born on 29 February: the birthday is 1 March in other years
        return date(birth.year + years, 3, 1)


def eligibility(person: Person | None, today: date) -> Eligibility:
    sums = YEARLY_SUMS.get(today.year)
    yearly, cinema = sums if sums else (None, None)
    age = None if person is None else person.age(today)
    if person is None or person.birth_date is None or age is None:
        # Adults who told us only that they are adults: no limit to hide events by.
        adult = person is not None and bool(person.adult_flag)
        return Eligibility(
            Status.UNKNOWN,
            None,
            year=today.year,
            yearly_sum=yearly,
            cinema_cap=cinema,
            adult=adult,
        )
    birth = person.birth_date
    since = _birthday(birth, MIN_AGE)
    until = _birthday(birth, MAX_AGE + 1) - timedelta(days=1)
    if age < MIN_AGE:
        status = Status.TOO_YOUNG
    elif age > MAX_AGE:
        status = Status.TOO_OLD
    else:
        status = Status.ELIGIBLE
    return Eligibility(status, age, since, until, today.year, yearly, cinema)
