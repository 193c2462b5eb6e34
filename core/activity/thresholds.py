"""The official thresholds each metric is coloured against; data a region may change.

The regions' monitoring methodology changed on 15.11.2022, so there are two official sets
(``Period``); each region chooses which one it is coloured by (``monitoring_threshold_periods``;
without a choice: the current one), and its own per-metric values (``monitoring_thresholds``) stay
on top of whichever set it chose.

From 15.11.2022 (the current methodology, ``DEFAULTS``):

- schools connected: ≤ 75 % below the norm, 75–90 % average, ≥ 90 % good;
- teachers who created a group chat: ≤ 25 % / 25–35 % / ≥ 35 %;
- teachers who wrote at least 3 messages in group chats that week: ≤ 10 % / 10–25 % / ≥ 25 %;
- teachers who wrote at least 10 messages that week: target ≥ 35 %;
- teachers who made a call that week: target ≥ 30 %.

Before 15.11.2022: THIS SET IS OUR ASSUMPTION. We found no published text of the earlier
methodology's thresholds (searched for «методика мониторинга Сферум пороговые значения» and
«Сферум мониторинг 15.11.2022»). We assume the earlier, laxer bars of the platform's first
year, when schools were still being connected:

- schools connected: ≤ 50 % / 50–75 % / ≥ 75 %;
- teachers who created a group chat: ≤ 15 % / 15–25 % / ≥ 25 %;
- teachers who wrote at least 3 messages that week: ≤ 5 % / 5–15 % / ≥ 15 %;
- teachers who wrote at least 10 messages that week: target ≥ 25 %;
- teachers who made a call that week: target ≥ 20 %.

A region that has the real earlier figures sets them as its own values (the mini-app's
thresholds page or ``sferum monitoring thresholds set``).

A value at ``low`` or under is below the norm, at ``good`` or over is good, in between average.
A target alone (``low`` is None) has two colours: reached or not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC
from enum import StrEnum

from core.clock import Clock
from core.storage import Database

from .counts import Metric
from .texts import T


class Colour(StrEnum):
    GOOD = "good"
    AVERAGE = "average"
    BELOW = "below"
    NONE = "none"  # no threshold for this metric, or no value


EMOJI = {Colour.GOOD: "🟢", Colour.AVERAGE: "🟡", Colour.BELOW: "🔴", Colour.NONE: "⚪"}


class ThresholdError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Threshold:
    metric: Metric
    low: float | None
    good: float

    def __post_init__(self) -> None:
        for name, value in (("good", self.good), ("low", self.low)):
            if value is not None and (not math.isfinite(value) or not 0 <= value <= 100):
                raise ThresholdError(self._problem("threshold_range", which=name, value=value))
        if self.low is not None and self.low >= self.good:
            raise ThresholdError(self._problem("threshold_order", low=self.low, good=self.good))

    def _problem(self, kind: str, **values: object) -> str:
        """The Russian line of monitoring_error.j2, the metric named as the report names it."""
        metric = T.label(f"metric_{self.metric}")
        return T.render("monitoring_error.j2", kind=kind, metric=metric, **values)

    def colour(self, value: float | None) -> Colour:
        if value is None:
            return Colour.NONE
        # Shares are exact quotients of integers; rounding keeps 90.00000000000001 at 90.
        value = round(value, 9)
        if value >= self.good:
            return Colour.GOOD
        if self.low is None or value <= self.low:
            return Colour.BELOW
        return Colour.AVERAGE


class Period(StrEnum):
    """Which methodology's official thresholds a region is coloured by (it changed 15.11.2022).
    The values are stored and are what ``sferum monitoring thresholds period --set`` takes."""

    BEFORE_2022_11_15 = "before-2022-11-15"
    FROM_2022_11_15 = "from-2022-11-15"


CURRENT_PERIOD = Period.FROM_2022_11_15

OFFICIAL: dict[Period, dict[Metric, Threshold]] = {
    Period.FROM_2022_11_15: {
        Metric.CONNECTED: Threshold(Metric.CONNECTED, 75, 90),
        Metric.CHAT_CREATORS: Threshold(Metric.CHAT_CREATORS, 25, 35),
        Metric.WRITERS3: Threshold(Metric.WRITERS3, 10, 25),
        Metric.WRITERS10: Threshold(Metric.WRITERS10, None, 35),
        Metric.CALLERS: Threshold(Metric.CALLERS, None, 30),
    },
    # Our assumption (see the module docstring): no published source was found.
    Period.BEFORE_2022_11_15: {
        Metric.CONNECTED: Threshold(Metric.CONNECTED, 50, 75),
        Metric.CHAT_CREATORS: Threshold(Metric.CHAT_CREATORS, 15, 25),
        Metric.WRITERS3: Threshold(Metric.WRITERS3, 5, 15),
        Metric.WRITERS10: Threshold(Metric.WRITERS10, None, 25),
        Metric.CALLERS: Threshold(Metric.CALLERS, None, 20),
    },
}
# The current methodology's set: what a region without a choice is coloured by.
DEFAULTS: dict[Metric, Threshold] = OFFICIAL[CURRENT_PERIOD]


def period_of(text: str | None) -> Period | None:
    """The period a stored or typed value names, None for anything else."""
    try:
        return Period(text or "")
    except ValueError:
        return None


@dataclass(frozen=True)
class Thresholds:
    """The thresholds in force for one region: the official set of its period, with the
    region's own values (``custom``) put over it."""

    region_code: str
    by_metric: dict[Metric, Threshold]
    period: Period = CURRENT_PERIOD
    custom: frozenset[Metric] = frozenset()

    @property
    def official(self) -> dict[Metric, Threshold]:
        return OFFICIAL[self.period]

    def colour(self, metric: Metric, value: float | None) -> Colour:
        threshold = self.by_metric.get(metric)
        return Colour.NONE if threshold is None else threshold.colour(value)

    def get(self, metric: Metric) -> Threshold | None:
        return self.by_metric.get(metric)


class ThresholdStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def period(self, region_code: str) -> Period:
        """The period the region chose; the current one when it chose none."""
        stored = await self.db.fetchval(
            "SELECT period FROM monitoring_threshold_periods WHERE region_code = ?",
            (region_code,),
        )
        return period_of(stored) or CURRENT_PERIOD

    async def set_period(self, region_code: str, period: Period) -> None:
        await self.db.execute(
            "INSERT INTO monitoring_threshold_periods (region_code, period, updated_at) "
            "VALUES (?, ?, ?) ON CONFLICT (region_code) DO UPDATE SET "
            "period = excluded.period, updated_at = excluded.updated_at",
            (region_code, period.value, self.clock.now().astimezone(UTC).isoformat()),
        )

    async def for_region(self, region_code: str) -> Thresholds:
        period = await self.period(region_code)
        rows = await self.db.fetchall(
            "SELECT metric, low, good FROM monitoring_thresholds WHERE region_code = ?",
            (region_code,),
        )
        merged = dict(OFFICIAL[period])
        custom: set[Metric] = set()
        for row in rows:
            try:
                metric = Metric(row["metric"])
            except ValueError:  # a metric this version no longer has
                continue
            merged[metric] = Threshold(metric, row["low"], row["good"])
            custom.add(metric)
        return Thresholds(region_code, merged, period, frozenset(custom))

    async def set(
        self, region_code: str, metric: Metric, *, low: float | None, good: float
    ) -> Threshold:
        threshold = Threshold(metric, low, good)  # validates
        await self.db.execute(
            "INSERT INTO monitoring_thresholds (region_code, metric, low, good, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (region_code, metric) DO UPDATE SET "
            "low = excluded.low, good = excluded.good, updated_at = excluded.updated_at",
            (region_code, metric.value, low, good, self.clock.now().astimezone(UTC).isoformat()),
        )
        return threshold

    async def reset(self, region_code: str, metric: Metric | None = None) -> int:
        """Back to the official values of the region's period (for one metric, or all); the
        period itself stays."""
        if metric is None:
            return await self.db.execute(
                "DELETE FROM monitoring_thresholds WHERE region_code = ?", (region_code,)
            )
        return await self.db.execute(
            "DELETE FROM monitoring_thresholds WHERE region_code = ? AND metric = ?",
            (region_code, metric.value),
        )
