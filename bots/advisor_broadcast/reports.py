"""The author's report of one broadcast: totals and reasons, then delivered / read / failed for
each audience group (a class, or staff / parents / students for the whole school) from VK's read
marks, and how many recipients answered — with the button to their answers."""

from __future__ import annotations

from core.bot import Ctx, Message, keyboards
from core.broadcast import BroadcastStatus
from core.broadcast.reads import GroupLine, ReadMarks, look
from core.broadcast.replies import BroadcastReplies

from .payloads import AnswersOf, Details, Menu
from .shared import texts


def group_name(line: GroupLine) -> str:
    if line.kind == "class":
        return line.name
    if line.kind == "role":
        return texts.label(f"role_{line.name}")
    return texts.label("group_none" if line.kind == "none" else "group_all")


async def show(
    message: Message, cx: Ctx, status: BroadcastStatus, reasons: list[tuple[str, int]]
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
        rows.append([(label, AnswersOf(id=status.id).pack(), "primary")])
    rows.append(
        [
            (texts.label("refresh"), Details(id=status.id).pack()),
            (texts.label("menu"), Menu().pack()),
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
