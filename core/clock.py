"""Time as an injected dependency: logic never reads the wall clock directly."""

from __future__ import annotations

import abc
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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


class StartedClock(Clock):
    """Real time, but as if the process had started at ``start``: a demo or a test run of the
    whole program on a chosen day, the hours still passing as they do."""

    def __init__(self, start: datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._start = require_aware(start, "start").astimezone(UTC)
        self._monotonic = monotonic
        self._origin = monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._monotonic() - self._origin)


NOW_VARIABLE = "SFERUM_NOW"


class ClockSettingError(ValueError):
    pass


def clock_from_environment(environ: Mapping[str, str] | None = None) -> Clock:
    """The clock of a process: the system's, or one started at ``SFERUM_NOW`` (an ISO moment
    with its zone, ``2026-11-23T10:00+07:00``) — the one place a command's time can be set from
    outside, so the suite pins every command it runs (in process or as a child process)."""
    value = (os.environ if environ is None else environ).get(NOW_VARIABLE, "").strip()
    if not value:
        return SystemClock()
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        raise ClockSettingError(
            f"{NOW_VARIABLE}: expected an ISO moment with its zone, got {value!r}"
        ) from None
    if start.tzinfo is None:
        raise ClockSettingError(f"{NOW_VARIABLE}: expected a zone in {value!r}, e.g. +07:00")
    return StartedClock(start)


def require_aware(moment: datetime, what: str = "datetime") -> datetime:
    """Reject naive datetimes at the boundary: our times are timezone-aware only."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {moment.isoformat()}")
    return moment


def is_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows (``Asia/Novosibirsk``); a
    malformed name (``../x``, an empty string) is not one either."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


__all__ = [
    "NOW_VARIABLE",
    "Clock",
    "ClockSettingError",
    "ManualClock",
    "StartedClock",
    "SystemClock",
    "clock_from_environment",
    "is_zone",
    "require_aware",
    "timedelta",
]
