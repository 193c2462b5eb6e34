"""A teacher recommends an event to a class: a broadcast through core's engine, so the policy
(as the teacher) and students' quiet hours apply exactly as to any school broadcast.

Which classes a teacher may pick: the groups of the schools where they are staff, their own
classes first (those whose class chat they are in — the people model has no teacher-to-class
table; the class chat is where a class teacher is recorded).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from core.broadcast import Audience, BroadcastSpec, BroadcastStatus, LinkButton
from core.people import Group, RoleKind
from core.runtime.services import Services

from .catalog import EventView, SessionView
from .eligibility import MIN_AGE
from .ui import T

SOURCE = "pushkin_card"
TEMPLATE = "broadcast/recommendation.j2"


@dataclass(frozen=True, slots=True)
class ClassChoice:
    group: Group
    own: bool  # the teacher is in this class's chat


@dataclass(frozen=True, slots=True)
class ClassFacts:
    students: int
    too_young_for_event: int  # younger than the event's age restriction
    too_young_for_card: int  # younger than 14: no Pushkin card yet
    unknown_age: int


async def teacher_classes(services: Services, person_id: int) -> list[ClassChoice]:
    roles = await services.people.active_roles(person_id)
    org_ids = sorted({r.org_id for r in roles if r.role == RoleKind.STAFF})
    own = {
        int(r["group_id"])
        for r in await services.db.fetchall(
            "SELECT DISTINCT c.group_id FROM chats c JOIN chat_members m ON m.chat_id = c.id "
            "WHERE m.person_id = ? AND c.group_id IS NOT NULL",
            (person_id,),
        )
    }
    choices = [
        ClassChoice(group, group.id in own)
        for org_id in org_ids
        for group in await services.people.groups_of_org(org_id)
    ]
    choices.sort(key=lambda c: (not c.own, c.group.grade or 0, c.group.name))
    return choices


async def class_facts(
    services: Services, group_id: int, event: EventView, today: date
) -> ClassFacts:
    students = await services.people.students_of_group(group_id)
    ages = [s.age(today) for s in students]
    return ClassFacts(
        students=len(students),
        too_young_for_event=sum(1 for a in ages if a is not None and a < event.age_limit),
        too_young_for_card=sum(1 for a in ages if a is not None and a < MIN_AGE),
        unknown_age=sum(1 for a in ages if a is None),
    )


def message_values(
    event: EventView, session: SessionView | None, teacher_name: str, now_utc: datetime
) -> dict[str, str]:
    """The event's details as plain strings for the broadcast template (never template source:
    names from the API must not be able to inject jinja into the engine's renderer)."""
    return {
        "teacher": teacher_name,
        "event_name": event.name,
        "details": T.render("rec_details.j2", event=event, session=session, now=now_utc),
    }


def template_source() -> str:
    loader = T.env.loader
    if loader is None:  # pragma: no cover - Texts always has a loader
        raise RuntimeError("no template loader")
    source, _, _ = loader.get_source(T.env, TEMPLATE)
    return source


async def recommend(
    services: Services,
    *,
    teacher_id: int,
    community_id: int,
    group_id: int,
    event: EventView,
    session: SessionView | None,
) -> BroadcastStatus:
    """Create the broadcast, run it now (night-time recipients are deferred by the engine), and
    return its status: how many got it, are deferred, were skipped and why."""
    teacher = await services.people.person(teacher_id)
    now = services.clock.now()
    buttons = (LinkButton(T.label("buy"), event.sale_link),) if event.sale_link else ()
    spec = BroadcastSpec(
        author_person_id=teacher_id,
        group_id=community_id,
        audience=Audience.groups(group_id),
        template=template_source(),
        title=T.label("rec_title", name=event.name),
        buttons=buttons,
        values=message_values(event, session, teacher.full_name if teacher else "", now),
        source=SOURCE,
    )
    broadcast_id = await services.broadcasts.create(spec)
    status = await services.broadcasts.run(broadcast_id)
    await services.db.execute(
        "INSERT INTO pushkin_card_recommendations (event_id, teacher_person_id, class_group_id, "
        "broadcast_id, created_at) VALUES (?, ?, ?, ?, ?)",
        (event.id, teacher_id, group_id, json.dumps(broadcast_id), now.astimezone(UTC).isoformat()),
    )
    return status
