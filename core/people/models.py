"""Typed records of the people model: organisations, groups, persons, roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo


class OrgKind(StrEnum):
    REGION = "region"
    MUNICIPALITY = "municipality"
    SCHOOL = "school"


class RoleKind(StrEnum):
    STAFF = "staff"
    PARENT = "parent"
    STUDENT = "student"
    NONE = "none"


class Position(StrEnum):
    """What a staff member does; one staff role row per position held."""

    TEACHER = "teacher"
    CLASS_TEACHER = "class_teacher"
    COUNSELLOR = "counsellor"
    ADMIN = "admin"
    OPERATOR = "operator"
    DIRECTOR = "director"


# When a person holds several roles, the policy judges them by one. As a sender the strongest
# verified role speaks; as a recipient the most protected one is protected.
SENDER_PRECEDENCE = (RoleKind.STAFF, RoleKind.PARENT, RoleKind.STUDENT)
RECIPIENT_PRECEDENCE = (RoleKind.STUDENT, RoleKind.STAFF, RoleKind.PARENT)


def _parse_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True, slots=True)
class Organisation:
    id: int
    kind: OrgKind
    name: str
    parent_id: int | None
    region_code: str
    timezone: str
    work_start: str = "08:00"
    work_end: str = "20:00"
    work_days: str = "1,2,3,4,5"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def working_hours(self) -> tuple[time, time]:
        return _parse_time(self.work_start), _parse_time(self.work_end)

    @property
    def working_weekdays(self) -> frozenset[int]:
        """ISO weekdays, Monday = 1."""
        return frozenset(int(day) for day in self.work_days.split(",") if day.strip())

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Organisation:
        return cls(
            id=row["id"],
            kind=OrgKind(row["kind"]),
            name=row["name"],
            parent_id=row["parent_id"],
            region_code=row["region_code"],
            timezone=row["timezone"],
            work_start=row["work_start"],
            work_end=row["work_end"],
            work_days=row["work_days"],
        )


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    org_id: int
    name: str
    kind: str
    grade: int | None
    # Archived classes keep their history but are offered to nobody (migration 0016).
    archived: bool = False
    class_teacher_id: int | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Group:
        return cls(
            row["id"],
            row["org_id"],
            row["name"],
            row["kind"],
            row["grade"],
            row.get("archived_at") is not None,
            row.get("class_teacher_id"),
        )


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    vk_user_id: int | None
    first_name: str
    last_name: str
    birth_date: date | None = None
    adult_flag: bool | None = None
    phone: str | None = None
    work_start: str | None = None
    work_end: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def age(self, today: date) -> int | None:
        return None if self.birth_date is None else age_on(self.birth_date, today)

    def is_adult(self, today: date) -> bool:
        """18 or older. Unknown age counts as a minor: the protective default."""
        years = self.age(today)
        if years is not None:
            return years >= 18
        return bool(self.adult_flag)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Person:
        birth = row.get("birth_date")
        adult = row.get("is_adult")
        return cls(
            id=row["id"],
            vk_user_id=row["vk_user_id"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            birth_date=date.fromisoformat(birth) if birth else None,
            adult_flag=None if adult is None else bool(adult),
            phone=row.get("phone"),
            work_start=row.get("work_start"),
            work_end=row.get("work_end"),
        )


@dataclass(frozen=True, slots=True)
class Role:
    id: int
    person_id: int
    role: RoleKind
    org_id: int
    position: Position | None
    granted_at: datetime
    method: str
    granted_by: int | None = None
    revoked_at: datetime | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Role:
        return cls(
            id=row["id"],
            person_id=row["person_id"],
            role=RoleKind(row["role"]),
            org_id=row["org_id"],
            position=Position(row["position"]) if row["position"] else None,
            granted_at=datetime.fromisoformat(row["granted_at"]),
            method=row["method"],
            granted_by=row["granted_by"],
            revoked_at=datetime.fromisoformat(row["revoked_at"]) if row["revoked_at"] else None,
        )


@dataclass(frozen=True, slots=True)
class Identity:
    """Who wrote: the person (None for a VK user we do not know) and their active roles."""

    vk_user_id: int
    person: Person | None
    roles: tuple[Role, ...] = field(default_factory=tuple)

    def kinds(self) -> set[RoleKind]:
        return {role.role for role in self.roles}

    def has(self, kind: RoleKind, position: Position | None = None) -> bool:
        return any(
            r.role == kind and (position is None or r.position == position) for r in self.roles
        )

    def as_sender(self) -> RoleKind:
        held = self.kinds()
        return next((kind for kind in SENDER_PRECEDENCE if kind in held), RoleKind.NONE)

    def as_recipient(self) -> RoleKind:
        held = self.kinds()
        return next((kind for kind in RECIPIENT_PRECEDENCE if kind in held), RoleKind.NONE)

    def org_ids(self, kind: RoleKind | None = None) -> set[int]:
        return {r.org_id for r in self.roles if kind is None or r.role == kind}
