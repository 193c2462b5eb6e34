"""What the monitoring counts, and the shares computed from the counts.

Definitions (the platform's own are the guide; the README's monitoring section repeats them):

- teacher: a person with an active staff role with position ``teacher`` or ``class_teacher`` at a
  school; student: an active student role. Roles count as they were at the end of the week
  (granted before it ended, not revoked by then), so a past week keeps its own numbers.
- registered ("in the platform"): has a VK account bound (``persons.vk_user_id``).
- active that week: at least one recorded activity event in that week.
- writing that week («Активные педагоги (сообщения)», «Активные обучающиеся (сообщения)», as the
  regions' municipal tables count them): wrote at least one message that week in any chat the
  activity records — a group chat or a private message to a bot. A person who only called,
  pressed buttons or opened the mini-app is active but not writing.
- connected school: its structure is set up — it has at least one class/group and at least one
  registered staff member; inactive: not connected. A municipality is connected when at least
  one of its schools is.
- chat creator: created at least one group chat by the end of the week (a ``chat_created`` event,
  or the creator of a chat in ``chats``).
- writers3 / writers10: wrote at least 3 / 10 messages in group chats that week; callers: at
  least one call that week.

Shares are percentages. Coverage shares are of everybody (registered teachers of all teachers);
usage shares (active, chat creators, writers, callers) are of those registered: a teacher who is
not in the platform cannot write there, and coverage already shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any


class Metric(StrEnum):
    CONNECTED = "connected"
    MUNICIPALITIES_CONNECTED = "municipalities_connected"
    TEACHERS_REGISTERED = "teachers_registered"
    TEACHERS_ACTIVE = "teachers_active"
    TEACHERS_WRITING = "teachers_writing"
    CHAT_CREATORS = "chat_creators"
    WRITERS3 = "writers3"
    WRITERS10 = "writers10"
    CALLERS = "callers"
    STUDENTS_REGISTERED = "students_registered"
    STUDENTS_ACTIVE = "students_active"
    STUDENTS_WRITING = "students_writing"


# Metric -> (numerator field, denominator field) of Counts.
SHARES: dict[Metric, tuple[str, str]] = {
    Metric.CONNECTED: ("schools_connected", "schools"),
    Metric.MUNICIPALITIES_CONNECTED: ("municipalities_connected", "municipalities"),
    Metric.TEACHERS_REGISTERED: ("teachers_registered", "teachers"),
    Metric.TEACHERS_ACTIVE: ("teachers_active", "teachers_registered"),
    Metric.TEACHERS_WRITING: ("teachers_writing", "teachers_registered"),
    Metric.CHAT_CREATORS: ("chat_creators", "teachers_registered"),
    Metric.WRITERS3: ("writers3", "teachers_registered"),
    Metric.WRITERS10: ("writers10", "teachers_registered"),
    Metric.CALLERS: ("callers", "teachers_registered"),
    Metric.STUDENTS_REGISTERED: ("students_registered", "students"),
    Metric.STUDENTS_ACTIVE: ("students_active", "students_registered"),
    Metric.STUDENTS_WRITING: ("students_writing", "students_registered"),
}

# The metrics with official thresholds; a unit's rating among its siblings is by their mean.
RATED = (
    Metric.CONNECTED,
    Metric.CHAT_CREATORS,
    Metric.WRITERS3,
    Metric.WRITERS10,
    Metric.CALLERS,
)


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent; None when there is nothing to divide by."""
    return None if whole <= 0 else 100.0 * part / whole


@dataclass(frozen=True, slots=True)
class Counts:
    schools: int = 0
    schools_connected: int = 0
    municipalities: int = 0
    municipalities_connected: int = 0
    teachers: int = 0
    teachers_registered: int = 0
    teachers_active: int = 0
    teachers_writing: int = 0
    chat_creators: int = 0
    writers3: int = 0
    writers10: int = 0
    callers: int = 0
    students: int = 0
    students_registered: int = 0
    students_active: int = 0
    students_writing: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def share(self, metric: Metric) -> float | None:
        part, whole = SHARES[metric]
        return percent(getattr(self, part), getattr(self, whole))

    @property
    def schools_inactive(self) -> int:
        return self.schools - self.schools_connected

    @property
    def municipalities_inactive(self) -> int:
        return self.municipalities - self.municipalities_connected

    def rating_index(self) -> float:
        """The mean of the rated shares (a missing share counts as 0)."""
        return sum(self.share(metric) or 0.0 for metric in RATED) / len(RATED)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# Counted per school (the rest of Counts follows from these and the organisation tree).
SCHOOL_FIELDS = (
    "teachers",
    "teachers_registered",
    "teachers_active",
    "teachers_writing",
    "chat_creators",
    "writers3",
    "writers10",
    "callers",
    "students",
    "students_registered",
    "students_active",
    "students_writing",
)


@dataclass(frozen=True, slots=True)
class SchoolWeek:
    """One school in one week: whether it is connected and its people counts.

    ``source``: ``activity`` (computed here), ``import`` (the platform's statistics), or
    ``activity+import`` (imported values override computed ones, column by column)."""

    org_id: int
    week: str
    has_groups: bool
    staff_registered: int
    connected: bool
    teachers: int = 0
    teachers_registered: int = 0
    teachers_active: int = 0
    teachers_writing: int = 0
    chat_creators: int = 0
    writers3: int = 0
    writers10: int = 0
    callers: int = 0
    students: int = 0
    students_registered: int = 0
    students_active: int = 0
    students_writing: int = 0
    source: str = "activity"

    def counts(self) -> Counts:
        return Counts(
            schools=1,
            schools_connected=int(self.connected),
            **{name: getattr(self, name) for name in SCHOOL_FIELDS},
        )
