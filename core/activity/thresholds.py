"""The official thresholds each metric is coloured against; data a region may change.

Defaults (the regions' monitoring methodology):

- schools connected: ≤ 75 % below the norm, 75–90 % average, ≥ 90 % good;
- teachers who created a group chat: ≤ 25 % / 25–35 % / ≥ 35 %;
- teachers who wrote at least 3 messages in group chats that week: ≤ 10 % / 10–25 % / ≥ 25 %;
- teachers who wrote at least 10 messages that week: target ≥ 35 %;
- teachers who made a call that week: target ≥ 30 %.

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
        from .texts import T  # texts imports report, which imports this module

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


DEFAULTS: dict[Metric, Threshold] = {
    Metric.CONNECTED: Threshold(Metric.CONNECTED, 75, 90),
    Metric.CHAT_CREATORS: Threshold(Metric.CHAT_CREATORS, 25, 35),
    Metric.WRITERS3: Threshold(Metric.WRITERS3, 10, 25),
    Metric.WRITERS10: Threshold(Metric.WRITERS10, None, 35),
    Metric.CALLERS: Threshold(Metric.CALLERS, None, 30),
}


@dataclass(frozen=True)
class Thresholds:
    """The thresholds in force for one region."""

    region_code: str
    by_metric: dict[Metric, Threshold]

    def colour(self, metric: Metric, value: float | None) -> Colour:
        threshold = self.by_metric.get(metric)
        return Colour.NONE if threshold is None else threshold.colour(value)

    def get(self, metric: Metric) -> Threshold | None:
        return self.by_metric.get(metric)


class ThresholdStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def for_region(self, region_code: str) -> Thresholds:
        rows = await self.db.fetchall(
            "SELECT metric, low, good FROM monitoring_thresholds WHERE region_code = ?",
            (region_code,),
        )
        merged = dict(DEFAULTS)
        for row in rows:
            try:
                metric = Metric(row["metric"])
            except ValueError:  # a metric this version no longer has
                continue
            merged[metric] = Threshold(metric, row["low"], row["good"])
        return Thresholds(region_code, merged)

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
        """Back to the official defaults (for one metric, or all)."""
        if metric is None:
            return await self.db.execute(
                "DELETE FROM monitoring_thresholds WHERE region_code = ?", (region_code,)
            )
        return await self.db.execute(
            "DELETE FROM monitoring_thresholds WHERE region_code = ? AND metric = ?",
            (region_code, metric.value),
        )
