"""Time as an injected dependency: logic never reads the wall clock directly."""

from __future__ import annotations

import abc
from datetime import UTC, datetime, timedelta


class Clock(abc.ABC):
    """Source of the current time. Always timezone-aware (UTC)."""

    @abc.abstractmethod
    def now(self) -> datetime: ...


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock(Clock):
    """A clock that moves only when told to; tests use it instead of sleeping."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware datetime")
        self._now = moment.astimezone(UTC)


def require_aware(moment: datetime, what: str = "datetime") -> datetime:
    """Reject naive datetimes at the boundary: our times are timezone-aware only."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {moment.isoformat()}")
    return moment


__all__ = ["Clock", "ManualClock", "SystemClock", "require_aware", "timedelta"]
