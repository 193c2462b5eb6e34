"""The author's report of one broadcast: totals and reasons, then delivered / read / failed for
each audience group (a class, or staff / parents / students for the whole school) from VK's read
marks, and how many recipients answered — with the button to their answers."""

from __future__ import annotations

from vkbottle.tools.mini_types.bot import MessageMin

from core import keyboards
from core.broadcast import BroadcastStatus
from core.broadcast.reads import GroupLine, ReadMarks, look
from core.broadcast.replies import BroadcastReplies
from core.runtime.context import Ctx

from .handlers import texts


def group_name(line: GroupLine) -> str:
    if line.kind == "class":
        return line.name
    if line.kind == "role":
        return texts.label(f"role_{line.name}")
    return texts.label("group_none" if line.kind == "none" else "group_all")


async def show(
    message: MessageMin, cx: Ctx, status: BroadcastStatus, reasons: list[tuple[str, int]]
) -> None:
    services = cx.services
    if status.sent:
        # At most once a minute per broadcast (reads.LOOK_EVERY): a report opened again and
        # again does not ask VK again and again.
        await look(services.broadcasts, status.id)
    lines = await ReadMarks(services.db, services.clock).groups(status.id)
    answers = await BroadcastReplies(services.db, services.clock).count(status.id)
    rows: list[list[keyboards.Button]] = []
    if answers:
        label = texts.label("answers_of", id=status.id, count=answers)
        rows.append([(label, {"ab": "answers_of", "id": status.id}, "primary")])
    rows.append(
        [
            (texts.label("refresh"), {"ab": "details", "id": status.id}),
            (texts.label("menu"), {"ab": "menu"}),
        ]
    )
    await message.answer(
        texts.render(
            "report.j2",
            s=status,
            reasons=reasons,
            groups=[(group_name(line), line) for line in lines],
            read=sum(line.read for line in lines),
            answers=answers,
        ),
        keyboard=keyboards.build(rows),
    )
