"""Quiet hours: teachers are not disturbed outside working hours; students not at night.

Working hours default to 08:00–20:00 on working days (Monday–Friday) in the organisation's zone,
configurable per organisation and per person. Outside them a message to a staff member is either
deferred to the next working hour or, where the transport supports it, delivered silently: the
sender chooses. Students get no broadcasts between 21:00 and 08:00 local time.

A message the recipient did not just ask for (a reminder, an alert, a relayed answer) waits for
``plan_for_recipient``: staff within working hours, everyone else not at night (core/outbox).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.clock import require_aware
from core.people.models import Organisation, Person, RoleKind, _parse_time

STUDENT_NIGHT_START = time(21, 0)
STUDENT_MORNING = time(8, 0)


class QuietMode(StrEnum):
    DEFER = "defer"
    SILENT = "silent"


@dataclass(frozen=True, slots=True)
class Delivery:
    at: datetime
    silent: bool = False

    def is_now(self, now: datetime) -> bool:
        return self.at <= now


@dataclass(frozen=True, slots=True)
class WorkingHours:
    start: time
    end: time
    weekdays: frozenset[int]
    zone: ZoneInfo

    @classmethod
    def of(cls, org: Organisation, person: Person | None = None) -> WorkingHours:
        start, end = org.working_hours
        if person is not None and person.work_start and person.work_end:
            start, end = _parse_time(person.work_start), _parse_time(person.work_end)
        return cls(start, end, org.working_weekdays, org.zone)

    def contains(self, moment: datetime) -> bool:
        local = require_aware(moment).astimezone(self.zone)
        return local.isoweekday() in self.weekdays and self.start <= local.time() < self.end

    def next_start(self, moment: datetime) -> datetime:
        """The moment working hours next begin (or ``moment`` itself inside them)."""
        if self.contains(moment):
            return moment
        local = require_aware(moment).astimezone(self.zone)
        day = local.date()
        for offset in range(0, 15):
            candidate_day = day + timedelta(days=offset)
            if candidate_day.isoweekday() not in self.weekdays:
                continue
            candidate = datetime.combine(candidate_day, self.start, self.zone)
            if candidate > local:
                return candidate.astimezone(moment.tzinfo)
        raise ValueError("an organisation must have at least one working day")


def plan_for_staff(
    org: Organisation,
    person: Person | None,
    now: datetime,
    mode: QuietMode,
    *,
    silent_supported: bool = False,
) -> Delivery:
    hours = WorkingHours.of(org, person)
    if hours.contains(now):
        return Delivery(now)
    if mode == QuietMode.SILENT and silent_supported:
        return Delivery(now, silent=True)
    return Delivery(hours.next_start(now))


def night(zone: ZoneInfo, moment: datetime) -> bool:
    local = require_aware(moment).astimezone(zone).time()
    return local >= STUDENT_NIGHT_START or local < STUDENT_MORNING


def after_night(zone: ZoneInfo, now: datetime) -> Delivery:
    """Now, or the coming 08:00 in ``zone`` when it is night there."""
    if not night(zone, now):
        return Delivery(now)
    local = now.astimezone(zone)
    morning_day = local.date() + timedelta(days=1 if local.time() >= STUDENT_NIGHT_START else 0)
    return Delivery(datetime.combine(morning_day, STUDENT_MORNING, zone).astimezone(now.tzinfo))


def student_night(org: Organisation, moment: datetime) -> bool:
    return night(org.zone, moment)


def plan_for_student(org: Organisation, now: datetime) -> Delivery:
    return after_night(org.zone, now)


# Each rule only moves the moment forward and the rules' quiet spans are short, so a person
# holding several roles settles within a few rounds; the bound guards against bad data.
_MAX_ROUNDS = 8


def plan_for_recipient(
    orgs: Mapping[RoleKind, Organisation],
    person: Person | None,
    now: datetime,
    *,
    zone: ZoneInfo,
) -> Delivery:
    """When a message the recipient did not just ask for may reach them: ``orgs`` is the
    organisation of each role they hold. Staff only within working hours (theirs, else the
    organisation's) — VK's messages.send has no silent flag, so it is deferred, never silent;
    students and parents not at night in their school's zone; someone without a role not at night
    in ``zone``. Several roles: the first moment every one of them allows."""
    moment = require_aware(now)
    for _ in range(_MAX_ROUNDS):
        later = moment
        staff = orgs.get(RoleKind.STAFF)
        if staff is not None:
            later = max(later, plan_for_staff(staff, person, later, QuietMode.DEFER).at)
        for kind in (RoleKind.STUDENT, RoleKind.PARENT):
            org = orgs.get(kind)
            if org is not None:
                later = max(later, plan_for_student(org, later).at)
        if not orgs:
            later = max(later, after_night(zone, later).at)
        if later == moment:
            break
        moment = later
    return Delivery(moment)
