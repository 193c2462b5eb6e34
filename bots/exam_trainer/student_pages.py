"""The student's other pages: progress, the daily reminder, and the teacher's assignments (the
list, and opening one from the broadcast's button)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.bot import Ctx, InDialog, Message, Pressed, PrivateChat, Router, keyboards

from . import assignments, reminders, tasks, ui
from .payloads import Homework, OpenAssignment, Progress, Remind, RemindAt, RemindOff, Train
from .progress import ProgressRow, progress, topic_progress
from .selection import Focus, due_count
from .training import fresh, require_person, show_menu, start_training
from .ui import TEXTS

labeler = Router()


# --- progress ------------------------------------------------------------------------------------
WEAK_TOPICS = 5  # per subject: the topics with the lowest accuracy
MAX_MESSAGE = 4000  # VK takes 4096 characters


def _sections(numbers: list[ProgressRow], topics: list[ProgressRow]) -> list[dict[str, Any]]:
    """One section per exam and subject, the most recently practised first; all task numbers,
    and the weakest topics only (a subject has dozens)."""
    sections: dict[tuple[str, str], dict[str, Any]] = {}
    for row in numbers:
        section = sections.setdefault(
            (row.exam, row.subject),
            {"exam": row.exam, "subject": row.subject_title, "numbers": [], "topics": [],
             "last": row.last_at},
        )  # fmt: skip
        section["numbers"].append(row)
        section["last"] = max(section["last"], row.last_at)
    for row in topics:
        if (row.exam, row.subject) in sections:
            sections[(row.exam, row.subject)]["topics"].append(row)
    for section in sections.values():
        weakest = sorted(section["topics"], key=lambda r: (r.accuracy, -r.attempts, r.key))
        section["topics"] = weakest[:WEAK_TOPICS]
    return sorted(sections.values(), key=lambda s: s["last"], reverse=True)


def render_progress(sections: list[dict[str, Any]], due: int) -> str:
    """The progress text, dropping the least recent subjects if it would not fit one message."""
    shown = list(sections)
    while True:
        text = TEXTS.render(
            "progress.j2", sections=shown, due=due, hidden=len(sections) - len(shown)
        )
        if len(text) <= MAX_MESSAGE or len(shown) <= 1:
            return text[:MAX_MESSAGE]
        shown.pop()


@labeler.message(PrivateChat() & Pressed(Progress))
async def show_progress(message: Message, cx: Ctx) -> None:
    person_id = await require_person(message, cx)
    if person_id is None:
        return
    db = cx.services.db
    sections = _sections(await progress(db, person_id), await topic_progress(db, person_id))
    due = await due_count(db, person_id, cx.services.clock.now())
    await fresh(cx, ui.PROGRESS)
    rows: list[list[keyboards.Button]] = [
        [(ui.label("train"), Train().pack(), "primary")],
        ui.flow.nav(ui.PROGRESS),
    ]
    await message.answer(render_progress(sections, due), keyboard=ui.keyboard(rows))


# --- the daily reminder --------------------------------------------------------------------------
async def ask_reminder(message: Message, cx: Ctx) -> None:
    person_id = await require_person(message, cx)
    if person_id is None:
        return
    now_at = await reminders.current(cx.services, person_id)
    await fresh(cx, ui.REMIND)
    times: list[keyboards.Button] = [
        (at, RemindAt(v=at).pack(), "positive") if at == now_at else (at, RemindAt(v=at).pack())
        for at in reminders.TIMES
    ]
    rows: list[list[keyboards.Button]] = [times]
    if now_at:
        rows.append([(ui.label("remind_off"), RemindOff().pack(), "negative")])
    rows.append(ui.flow.nav(ui.REMIND))
    await message.answer(
        TEXTS.render("remind.j2", step="choose", current=now_at),
        keyboard=ui.keyboard(rows),
    )


ui.flow.add(ui.PROGRESS, None, back_to=ui.MENU)
ui.flow.add(ui.REMIND, ask_reminder, back_to=ui.MENU)


@labeler.message(PrivateChat() & Pressed(Remind))
async def reminder_menu(message: Message, cx: Ctx) -> None:
    await ask_reminder(message, cx)


@labeler.message(PrivateChat() & InDialog(ui.REMIND) & Pressed(RemindAt))
async def reminder_at(message: Message, cx: Ctx, payload: RemindAt) -> None:
    person_id = cx.person_id
    at = reminders.parse_time(str(payload.v))
    if person_id is None or at is None:
        await message.answer(TEXTS.render("remind.j2", step="night"))
        await ask_reminder(message, cx)
        return
    await reminders.set_reminder(cx.services, person_id, cx.group_id, at)
    await message.answer(TEXTS.render("remind.j2", step="set", at=at.strftime("%H:%M")))
    await show_menu(message, cx)


@labeler.message(PrivateChat() & InDialog(ui.REMIND) & Pressed(RemindOff))
async def reminder_off(message: Message, cx: Ctx) -> None:
    if cx.person_id is not None:
        await reminders.clear_reminder(cx.services, cx.person_id)
    await message.answer(TEXTS.render("remind.j2", step="off"))
    await show_menu(message, cx)


# --- the teacher's assignments, from the student's side ------------------------------------------
async def _local_due(cx: Ctx, assignment: assignments.Assignment) -> datetime:
    """The due time in the school's zone (the date a student reads must be the school's date)."""
    org = await cx.services.people.organisation(assignment.org_id)
    return assignment.due_at.astimezone(org.zone) if org else assignment.due_at


async def list_homework(message: Message, cx: Ctx) -> None:
    person_id = await require_person(message, cx)
    if person_id is None:
        return
    now = cx.services.clock.now()
    db = cx.services.db
    items = []
    for assignment, done in (await assignments.open_for_student(db, person_id, now))[:6]:
        title = await tasks.subject_title(db, assignment.exam, assignment.subject)
        items.append(
            {
                "id": assignment.id,
                "exam": assignment.exam,
                "subject": title or assignment.subject,
                "total": assignment.task_count,
                "done": done,
                "due": ui.day_month(await _local_due(cx, assignment)),
                "late": assignment.due_at < now,
            }
        )
    await fresh(cx, ui.HOMEWORK)
    rows: list[list[keyboards.Button]] = [
        [(ui.label("homework_item", **item), OpenAssignment(a=item["id"]).pack())] for item in items
    ]
    rows.append(ui.flow.nav(ui.HOMEWORK))
    await message.answer(
        TEXTS.render("homework.j2", step="list", items=items), keyboard=ui.keyboard(rows)
    )


ui.flow.add(ui.HOMEWORK, list_homework, back_to=ui.MENU)


@labeler.message(PrivateChat() & Pressed(Homework))
async def homework(message: Message, cx: Ctx) -> None:
    await list_homework(message, cx)


@labeler.message(PrivateChat() & Pressed(OpenAssignment))
async def open_assignment(message: Message, cx: Ctx, payload: OpenAssignment) -> None:
    """The button of the teacher's broadcast (and of the homework list)."""
    person_id = await require_person(message, cx)
    if person_id is None:
        return
    db = cx.services.db
    ident = payload.a
    assignment = await assignments.get(db, ident) if ident is not None else None
    if assignment is None:
        await message.answer(TEXTS.render("homework.j2", step="missing"))
        await show_menu(message, cx)
        return
    if not await assignments.is_member(db, person_id, assignment):
        await message.answer(TEXTS.render("homework.j2", step="denied"))
        await show_menu(message, cx)
        return
    done, _ = await assignments.progress_of(db, assignment.id, person_id)
    title = await tasks.subject_title(db, assignment.exam, assignment.subject)
    due_local = await _local_due(cx, assignment)
    await message.answer(
        TEXTS.render(
            "homework.j2",
            step="intro",
            exam=assignment.exam,
            subject=title or assignment.subject,
            total=assignment.task_count,
            done=done,
            due=ui.day_month(due_local),
        )
    )
    await start_training(
        message, cx, Focus(assignment.exam, assignment.subject), assignment_id=assignment.id
    )
