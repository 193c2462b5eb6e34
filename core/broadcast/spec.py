"""What a broadcast is: author, audience, text template, buttons, time. Plain typed data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.clock import require_aware
from core.quiet_hours import QuietMode
from core.scheduling import Cron, Trigger, Weekly


class AudienceKind(StrEnum):
    ORGANISATION = "organisation"  # everyone with a role in the organisation
    STAFF = "staff"
    STUDENTS = "students"
    PARENTS = "parents"
    GROUPS = "groups"  # students of these groups
    GROUP_PARENTS = "group_parents"  # parents of the students of these groups
    PERSONS = "persons"  # an explicit list of person ids


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    org_id: int | None = None
    group_ids: tuple[int, ...] = ()
    person_ids: tuple[int, ...] = ()

    @classmethod
    def organisation(cls, org_id: int) -> Audience:
        return cls(AudienceKind.ORGANISATION, org_id=org_id)

    @classmethod
    def staff(cls, org_id: int) -> Audience:
        return cls(AudienceKind.STAFF, org_id=org_id)

    @classmethod
    def students(cls, org_id: int) -> Audience:
        return cls(AudienceKind.STUDENTS, org_id=org_id)

    @classmethod
    def parents(cls, org_id: int) -> Audience:
        return cls(AudienceKind.PARENTS, org_id=org_id)

    @classmethod
    def groups(cls, *group_ids: int) -> Audience:
        return cls(AudienceKind.GROUPS, group_ids=tuple(group_ids))

    @classmethod
    def group_parents(cls, *group_ids: int) -> Audience:
        return cls(AudienceKind.GROUP_PARENTS, group_ids=tuple(group_ids))

    @classmethod
    def persons(cls, *person_ids: int) -> Audience:
        return cls(AudienceKind.PERSONS, person_ids=tuple(person_ids))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "org_id": self.org_id,
            "group_ids": list(self.group_ids),
            "person_ids": list(self.person_ids),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(
            AudienceKind(data["kind"]),
            data.get("org_id"),
            tuple(data.get("group_ids", ())),
            tuple(data.get("person_ids", ())),
        )


# A document or photo as messages.send attaches it: doc{owner}_{id}[_{access_key}].
ATTACHMENT = re.compile(r"^(doc|photo)-?\d+_\d+(_[A-Za-z0-9]+)?$")
MAX_ATTACHMENTS = 10  # VK's limit for one message


@dataclass(frozen=True)
class LinkButton:
    label: str
    url: str


@dataclass(frozen=True)
class BroadcastSpec:
    """``template`` is jinja2 source rendered per recipient with: first_name, last_name,
    class_name (the student's, or for a parent the child's), child_name (parents), role, plus
    ``values``. ``schedule`` is None for now, a timezone-aware datetime, or a recurring Trigger
    (Weekly / Cron).

    ``attachments`` are documents and photos already uploaded (core/vk/uploads.py), as VK
    attachment strings: stored with the broadcast and passed to every batch, never uploaded per
    recipient.

    ``author_person_id`` is the staff member on whose behalf it is sent; every recipient is
    checked against the communication policy as that person. A broadcast nobody wrote (a digest
    people subscribed to) has no author and names its ``consent`` instead; its audience must be
    an explicit list of the persons who gave it, and the policy does not apply (quiet hours do).
    """

    author_person_id: int | None
    group_id: int  # the community that sends it
    audience: Audience
    template: str
    title: str = ""
    buttons: tuple[LinkButton, ...] = ()
    keyboard: str | None = None  # a raw VK keyboard JSON, when a plugin needs more than links
    schedule: datetime | Weekly | Cron | None = None
    quiet_mode: QuietMode = QuietMode.DEFER
    values: dict[str, Any] = field(default_factory=dict)
    source: str = "core"  # the plugin that created it, for reports
    consent: str | None = None  # e.g. "subscription": why a broadcast without an author may go
    attachments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.attachments) > MAX_ATTACHMENTS:
            raise ValueError(f"at most {MAX_ATTACHMENTS} attachments in a message")
        for item in self.attachments:
            if not ATTACHMENT.match(item):
                raise ValueError(f"not a VK document or photo: {item!r}")
        if isinstance(self.schedule, datetime):
            require_aware(self.schedule, "broadcast time")
        if self.author_person_id is None:
            if not self.consent:
                raise ValueError("a broadcast without an author must name its consent")
            if self.audience.kind != AudienceKind.PERSONS:
                raise ValueError("a broadcast without an author goes only to listed persons")

    @property
    def recurring(self) -> bool:
        return isinstance(self.schedule, Trigger)
