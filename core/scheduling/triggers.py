"""When a job fires: once, weekly, or by cron, always in an explicit time zone.

The fire-time arithmetic is APScheduler's (DST, month lengths, cron syntax); the triggers are
serialisable so schedules can be stored and restored at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from core.clock import require_aware

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Trigger:
    def next_after(self, previous: datetime | None, now: datetime) -> datetime | None:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def from_json(data: dict[str, Any]) -> Trigger:
        kind = data["kind"]
        if kind == "once":
            return Once(datetime.fromisoformat(data["at"]))
        if kind == "weekly":
            hours, minutes = (int(x) for x in data["time"].split(":"))
            return Weekly(tuple(data["days"]), time(hours, minutes), data["tz"])
        if kind == "cron":
            return Cron(data["expr"], data["tz"])
        raise ValueError(f"unknown trigger kind {kind!r}")


@dataclass(frozen=True)
class Once(Trigger):
    at: datetime

    def __post_init__(self) -> None:
        require_aware(self.at, "Once.at")

    def next_after(self, previous: datetime | None, now: datetime) -> datetime | None:
        return self.at if previous is None else None

    def to_json(self) -> dict[str, Any]:
        return {"kind": "once", "at": self.at.isoformat()}


def _fire(
    trigger: CronTrigger | DateTrigger, previous: datetime | None, now: datetime
) -> datetime | None:
    result: datetime | None = trigger.get_next_fire_time(previous, now)
    return result


@dataclass(frozen=True)
class Weekly(Trigger):
    """On these ISO weekdays (1 = Monday) at this local time."""

    days: tuple[int, ...]
    at: time
    tz: str

    def __post_init__(self) -> None:
        if not self.days or not all(1 <= d <= 7 for d in self.days):
            raise ValueError("weekly days must be ISO weekdays 1–7")
        ZoneInfo(self.tz)

    def _cron(self) -> CronTrigger:
        days = ",".join(DAY_NAMES[d - 1] for d in sorted(set(self.days)))
        return CronTrigger(
            day_of_week=days, hour=self.at.hour, minute=self.at.minute, timezone=ZoneInfo(self.tz)
        )

    def next_after(self, previous: datetime | None, now: datetime) -> datetime | None:
        return _fire(self._cron(), previous, now)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "weekly",
            "days": list(self.days),
            "time": self.at.strftime("%H:%M"),
            "tz": self.tz,
        }


@dataclass(frozen=True)
class Cron(Trigger):
    """A crontab expression (``"0 9 * * mon-fri"``) in a time zone."""

    expr: str
    tz: str

    def __post_init__(self) -> None:
        self._trigger()  # validate now, with a clear error

    def _trigger(self) -> CronTrigger:
        try:
            return CronTrigger.from_crontab(self.expr, timezone=ZoneInfo(self.tz))
        except ValueError as exc:
            raise ValueError(f"bad cron expression {self.expr!r}: {exc}") from None

    def next_after(self, previous: datetime | None, now: datetime) -> datetime | None:
        return _fire(self._trigger(), previous, now)

    def to_json(self) -> dict[str, Any]:
        return {"kind": "cron", "expr": self.expr, "tz": self.tz}
