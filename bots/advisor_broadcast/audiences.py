"""What the compose dialog offers: the schools a staff member may write for (a step of its own
when there are several), and in the chosen school only the audiences and classes core's
``addressing`` allows — the same rule ``create()`` enforces, so nothing offered is refused later.
"""

from __future__ import annotations

from core.bot import Ctx, Message, Texts, keyboards
from core.broadcast import addressing
from core.people import Group, Organisation

from .payloads import School, flow
from .shared import FLOW

texts = Texts.for_package("bots.advisor_broadcast")

AUDIENCES = ("org", "staff", "students", "parents", "groups", "group_parents")
MAX_SCHOOLS = 8  # buttons of the school step, beside Back and Cancel


async def schools(cx: Ctx) -> list[Organisation]:
    if cx.person_id is None:
        return []
    return await addressing.schools(cx.services.people, cx.person_id)


async def school(cx: Ctx) -> Organisation | None:
    """The school this dialog writes for: the one chosen at the school step, else the only one
    (or the first, by name, outside the compose dialog)."""
    found = await schools(cx)
    chosen = cx.dialog.data.get("org")
    for org in found:
        if org.id == chosen:
            return org
    return found[0] if found else None


async def reach(cx: Ctx, org: Organisation) -> addressing.Reach:
    return await addressing.reach(cx.services.people, cx.person_id or 0, org.id)


async def kinds(cx: Ctx, org: Organisation) -> list[str]:
    """The audience buttons to offer, in the dialog's order."""
    allowed = await reach(cx, org)
    if allowed.whole_school:
        return list(AUDIENCES)
    offered = []
    if allowed.students_of:
        offered.append("groups")
    if allowed.parents_of:
        offered.append("group_parents")
    return offered


async def classes(cx: Ctx, org: Organisation, kind: str) -> list[Group]:
    """The classes of the school this audience may name, by grade and name."""
    allowed = await reach(cx, org)
    ids = allowed.parents_of if kind == "group_parents" else allowed.students_of
    return [g for g in await cx.services.people.groups_of_org(org.id) if g.id in ids]


async def ask_school(message: Message, cx: Ctx) -> None:
    """A staff member of several schools first picks the school the broadcast speaks for."""
    await cx.goto(FLOW + "school")
    buttons: list[keyboards.Button] = [
        (org.name, School(id=org.id).pack()) for org in (await schools(cx))[:MAX_SCHOOLS]
    ]
    rows = [*keyboards.chunk(buttons, 1), flow.nav("school")]
    await message.answer(texts.render("step.j2", step="school"), keyboard=keyboards.build(rows))
