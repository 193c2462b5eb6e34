"""The teacher's side: assign a set of tasks to a class, and see who did what.

The assignment reaches the students through the broadcast engine (policy as the teacher, quiet
hours for students); its button opens the set in the trainer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from core.bot import (
    Ctx,
    HasRole,
    InDialog,
    Message,
    Position,
    Pressed,
    PrivateChat,
    RoleKind,
    Router,
    keyboards,
)
from core.broadcast import Audience, BroadcastError, BroadcastSpec
from core.broadcast.render import TemplateError
from core.people import Group

from . import assignments, tasks, ui
from .payloads import (
    Assign,
    AssignClass,
    AssignClassesPage,
    AssignConfirm,
    AssignCount,
    AssignDue,
    AssignExam,
    AssignNumber,
    AssignNumbersDone,
    AssignNumbersPage,
    AssignSubject,
    AssignSubjectsPage,
    OpenAssignment,
    Report,
    ReportsPage,
    Results,
)
from .training import show_menu
from .ui import TEXTS

log = logging.getLogger("sferum.exam_trainer")
labeler = Router()

TEACHER = HasRole(RoleKind.STAFF, Position.TEACHER) | HasRole(
    RoleKind.STAFF, Position.CLASS_TEACHER
)
CLASS, EXAM, SUBJECT, NUMBERS, COUNT, DUE, CONFIRM = (
    ui.ASSIGN + step for step in ("class", "exam", "subject", "numbers", "count", "due", "confirm")
)


async def _classes(cx: Ctx) -> list[Group]:
    found: list[Group] = []
    for org_id in sorted(cx.identity.org_ids(RoleKind.STAFF)):
        found.extend(await cx.services.people.groups_of_org(org_id))
    return found


async def _group(cx: Ctx) -> Group | None:
    """The class chosen in this dialog, if it is still one of the teacher's school's classes."""
    group_id = ui.as_int(cx.dialog.data.get("g"))
    if group_id is None:
        return None
    group = await cx.services.people.group(group_id)
    if group is None or group.org_id not in cx.identity.org_ids(RoleKind.STAFF):
        return None
    return group


async def _keep(cx: Ctx, step: str, keys: tuple[str, ...], **data: Any) -> None:
    """Go to ``step`` keeping only the answers of the steps before it (Back forgets later ones)."""
    kept = {key: cx.dialog.data[key] for key in keys if key in cx.dialog.data}
    cx.dialog.data.clear()
    await cx.goto(step, **kept, **data)


async def _step(
    message: Message,
    step: str,
    rows: Sequence[Sequence[keyboards.Button]] | None = None,
    **values: Any,
) -> None:
    """The text of one step of assigning (templates/assign.j2), with the step's keyboard."""
    text = TEXTS.render("assign.j2", step=step, **values)
    if rows is None:
        await message.answer(text)
    else:
        await message.answer(text, keyboard=ui.keyboard(rows))


# --- the steps -----------------------------------------------------------------------------------
async def ask_class(message: Message, cx: Ctx, page: int = 1) -> None:
    classes = await _classes(cx)
    if not classes:
        await _step(message, "no_classes")
        await show_menu(message, cx)
        return
    await _keep(cx, CLASS, ())
    buttons: list[keyboards.Button] = [
        (group.name, AssignClass(g=group.id).pack()) for group in classes
    ]
    # A big school has more classes than a keyboard holds: «Ещё» pages through them all.
    page_ = keyboards.paged(
        buttons, [ui.flow.nav(CLASS)], page=page, turn=AssignClassesPage().pack(), per_row=4
    )
    await _step(message, "class", page_.rows, page=page_.number, pages=page_.count)


async def ask_exam(message: Message, cx: Ctx) -> None:
    group = await _group(cx)
    exams = await tasks.exams(cx.services.db)
    if group is None or not exams:
        await ask_class(message, cx)
        return
    await _keep(cx, EXAM, ("g",))
    rows: list[list[keyboards.Button]] = [
        [(exam, AssignExam(v=exam).pack()) for exam in exams],
        ui.flow.nav(EXAM),
    ]
    await _step(message, "exam", rows, group=group.name)


async def ask_subject(message: Message, cx: Ctx, page: int = 1) -> None:
    group = await _group(cx)
    exam = cx.dialog.data.get("exam")
    subjects = await tasks.subjects(cx.services.db, str(exam)) if exam else []
    if group is None or not subjects:
        await ask_exam(message, cx)
        return
    await _keep(cx, SUBJECT, ("g", "exam"))
    buttons: list[keyboards.Button] = [
        (s.title, AssignSubject(v=s.subject).pack()) for s in subjects
    ]
    page_ = keyboards.paged(
        buttons, [ui.flow.nav(SUBJECT)], page=page, turn=AssignSubjectsPage().pack(), per_row=2
    )
    await _step(
        message,
        "subject",
        page_.rows,
        group=group.name,
        exam=exam,
        page=page_.number,
        pages=page_.count,
    )


class Chosen(NamedTuple):
    """Class, exam, subject and its title chosen so far in the dialog."""

    group: Group
    exam: str
    subject: str
    title: str

    @property
    def shown(self) -> dict[str, str]:
        """What a step's text names of the choice: the class, the exam and the subject's title."""
        return {"group": self.group.name, "exam": self.exam, "subject": self.title}


async def _chosen(cx: Ctx) -> Chosen | None:
    """The class, exam and subject chosen so far, or None when something is missing."""
    group = await _group(cx)
    exam, subject = cx.dialog.data.get("exam"), cx.dialog.data.get("subject")
    if group is None or not exam or not subject:
        return None
    title = await tasks.subject_title(cx.services.db, str(exam), str(subject))
    return None if title is None else Chosen(group, str(exam), str(subject), title)


async def ask_numbers(message: Message, cx: Ctx, page: int = 1) -> None:
    chosen = await _chosen(cx)
    if chosen is None:
        await ask_subject(message, cx)
        return
    available = await tasks.numbers(cx.services.db, chosen.exam, chosen.subject)
    picked = sorted(n for n in cx.dialog.data.get("nums") or [] if n in available)
    await _keep(cx, NUMBERS, ("g", "exam", "subject"), nums=picked)
    fixed: list[list[keyboards.Button]] = [
        [(ui.label("numbers_done"), AssignNumbersDone().pack(), "primary")],
        ui.flow.nav(NUMBERS),
    ]
    window = keyboards.page_window(len(available), fixed, page=page, per_row=5)
    # Each number carries its page, so ticking it shows the same page again.
    buttons: list[keyboards.Button] = [
        (ui.label("number_on", n=n), AssignNumber(v=n, page=window.number).pack(), "positive")
        if n in picked
        else (ui.label("number", n=n), AssignNumber(v=n, page=window.number).pack())
        for n in available[window.first : window.first + window.size]
    ]
    rows: list[list[keyboards.Button]] = [
        *keyboards.chunk(buttons, 5),
        keyboards.pager_row(window, AssignNumbersPage().pack()),
        *fixed,
    ]
    await _step(
        message,
        "numbers",
        rows,
        **chosen.shown,
        numbers=picked,
        page=window.number,
        pages=window.count,
    )


async def ask_count(message: Message, cx: Ctx) -> None:
    chosen = await _chosen(cx)
    picked = list(cx.dialog.data.get("nums") or [])
    if chosen is None or not picked:
        await ask_numbers(message, cx)
        return
    _, exam, subject, _ = chosen
    available = await tasks.count_in(cx.services.db, exam, subject, picked)
    counts = [n for n in assignments.COUNT_CHOICES if n <= available] or [available]
    await _keep(cx, COUNT, ("g", "exam", "subject", "nums"))
    rows: list[list[keyboards.Button]] = [
        [(ui.label("count", n=n), AssignCount(v=n).pack()) for n in counts],
        ui.flow.nav(COUNT),
    ]
    await _step(message, "count", rows, numbers=picked, available=available)


async def ask_due(message: Message, cx: Ctx) -> None:
    if await _chosen(cx) is None or not ui.as_int(cx.dialog.data.get("cnt")):
        await ask_count(message, cx)
        return
    await _keep(cx, DUE, ("g", "exam", "subject", "nums", "cnt"))
    rows: list[list[keyboards.Button]] = [
        [(ui.label("due", days=d), AssignDue(v=d).pack()) for d in assignments.DUE_CHOICES],
        ui.flow.nav(DUE),
    ]
    await _step(message, "due", rows)


async def _due_at(cx: Ctx, group: Group, days: int) -> datetime:
    """The due date is the school's evening, in the school's zone."""
    org = await cx.services.people.organisation(group.org_id)
    zone = org.zone if org else ZoneInfo(cx.services.settings.timezone)
    return assignments.due_after(days, cx.services.clock.now(), zone)


async def ask_confirm(message: Message, cx: Ctx) -> None:
    chosen = await _chosen(cx)
    days = ui.as_int(cx.dialog.data.get("days"))
    if chosen is None or days not in assignments.DUE_CHOICES:
        await ask_due(message, cx)
        return
    await _keep(cx, CONFIRM, ("g", "exam", "subject", "nums", "cnt", "days"))
    rows: list[list[keyboards.Button]] = [
        [(ui.label("confirm"), AssignConfirm().pack(), "positive")],
        ui.flow.nav(CONFIRM),
    ]
    due = ui.day_month(await _due_at(cx, chosen.group, int(days or 0)))
    data = cx.dialog.data
    await _step(
        message, "confirm", rows, **chosen.shown, numbers=data["nums"], count=data["cnt"], due=due
    )


ui.flow.add(CLASS, ask_class, back_to=ui.MENU)
ui.flow.add(EXAM, ask_exam, back_to=CLASS)
ui.flow.add(SUBJECT, ask_subject, back_to=EXAM)
ui.flow.add(NUMBERS, ask_numbers, back_to=SUBJECT)
ui.flow.add(COUNT, ask_count, back_to=NUMBERS)
ui.flow.add(DUE, ask_due, back_to=COUNT)
ui.flow.add(CONFIRM, None, back_to=DUE)


# --- the buttons ---------------------------------------------------------------------------------
@labeler.message(PrivateChat() & TEACHER & Pressed(Assign))
async def start_assignment(message: Message, cx: Ctx) -> None:
    await ask_class(message, cx)


@labeler.message(PrivateChat() & TEACHER & InDialog(CLASS) & Pressed(AssignClass))
async def chose_class(message: Message, cx: Ctx, payload: AssignClass) -> None:
    await cx.goto(CLASS, g=payload.g)
    await ask_exam(message, cx)  # a class not of this school falls back to asking again


@labeler.message(PrivateChat() & TEACHER & InDialog(CLASS) & Pressed(AssignClassesPage))
async def turn_class_page(message: Message, cx: Ctx, payload: AssignClassesPage) -> None:
    await ask_class(message, cx, payload.page_number)


@labeler.message(PrivateChat() & TEACHER & InDialog(EXAM) & Pressed(AssignExam))
async def chose_exam(message: Message, cx: Ctx, payload: AssignExam) -> None:
    await cx.goto(EXAM, exam=str(payload.v))
    await ask_subject(message, cx)


@labeler.message(PrivateChat() & TEACHER & InDialog(SUBJECT) & Pressed(AssignSubject))
async def chose_subject(message: Message, cx: Ctx, payload: AssignSubject) -> None:
    await cx.goto(SUBJECT, subject=str(payload.v), nums=[])
    await ask_numbers(message, cx)


@labeler.message(PrivateChat() & TEACHER & InDialog(SUBJECT) & Pressed(AssignSubjectsPage))
async def turn_subject_page(message: Message, cx: Ctx, payload: AssignSubjectsPage) -> None:
    await ask_subject(message, cx, payload.page_number)


@labeler.message(PrivateChat() & TEACHER & InDialog(NUMBERS) & Pressed(AssignNumber))
async def toggle_number(message: Message, cx: Ctx, payload: AssignNumber) -> None:
    number = payload.v
    picked = set(cx.dialog.data.get("nums") or [])
    if number is not None:
        picked ^= {number}
    await cx.goto(NUMBERS, nums=sorted(picked))
    await ask_numbers(message, cx, payload.page if payload.page and payload.page > 0 else 1)


@labeler.message(PrivateChat() & TEACHER & InDialog(NUMBERS) & Pressed(AssignNumbersPage))
async def turn_numbers_page(message: Message, cx: Ctx, payload: AssignNumbersPage) -> None:
    await ask_numbers(message, cx, payload.page_number)


@labeler.message(PrivateChat() & TEACHER & InDialog(NUMBERS) & Pressed(AssignNumbersDone))
async def numbers_done(message: Message, cx: Ctx) -> None:
    if not cx.dialog.data.get("nums"):
        await _step(message, "need_numbers")
        await ask_numbers(message, cx)
        return
    await ask_count(message, cx)


@labeler.message(PrivateChat() & TEACHER & InDialog(COUNT) & Pressed(AssignCount))
async def chose_count(message: Message, cx: Ctx, payload: AssignCount) -> None:
    count = payload.v
    if count is None or not 1 <= count <= assignments.MAX_TASKS:
        await ask_count(message, cx)
        return
    await cx.goto(COUNT, cnt=count)
    await ask_due(message, cx)


@labeler.message(PrivateChat() & TEACHER & InDialog(DUE) & Pressed(AssignDue))
async def chose_due(message: Message, cx: Ctx, payload: AssignDue) -> None:
    await cx.goto(DUE, days=payload.v)
    await ask_confirm(message, cx)


@labeler.message(PrivateChat() & TEACHER & InDialog(CONFIRM) & Pressed(AssignConfirm))
async def confirm(message: Message, cx: Ctx) -> None:
    chosen = await _chosen(cx)
    data = cx.dialog.data
    days = ui.as_int(data.get("days"))
    count = ui.as_int(data.get("cnt"))
    if chosen is None or cx.person_id is None or days is None or count is None:
        await ask_confirm(message, cx)
        return
    group, exam, subject, title = chosen
    due_at = await _due_at(cx, group, days)
    try:
        assignment = await assignments.create(
            cx.services.db,
            author_person_id=cx.person_id,
            org_id=group.org_id,
            group_id=group.id,
            exam=exam,
            subject=subject,
            numbers=[int(n) for n in data.get("nums") or []],
            count=count,
            due_at=due_at,
            now=cx.services.clock.now(),
        )
    except assignments.AssignmentError:
        await _step(message, "failed")
        await ask_numbers(message, cx)
        return
    due = ui.day_month(due_at)
    problem = await _announce(cx, assignment, group, title, due)
    await _step(
        message,
        "created" if problem is None else "not_sent",
        group=group.name,
        count=assignment.task_count,
        due=due,
        reason=problem or "",
    )
    await show_menu(message, cx)


async def _announce(
    cx: Ctx, assignment: assignments.Assignment, group: Group, subject_title: str, due: str
) -> str | None:
    """Send the assignment to the class through the broadcast engine; the problem, if any."""
    identity = cx.identity
    teacher = identity.person.full_name if identity.person else ""
    source, _, _ = TEXTS.env.loader.get_source(TEXTS.env, "assignment_broadcast.j2")  # type: ignore[union-attr]
    button = ui.label("open")
    spec = BroadcastSpec(
        author_person_id=assignment.author_person_id,
        group_id=cx.group_id,
        audience=Audience.groups(group.id),
        template=source,
        title=ui.label(
            "result_item", group=group.name, exam=assignment.exam, subject=subject_title, due=due
        ),
        keyboard=ui.keyboard(
            [[(button, OpenAssignment(a=assignment.id).pack(), "primary")]], inline=True
        ),
        values={
            "teacher": teacher,
            "exam": assignment.exam,
            "subject": subject_title,
            "count_phrase": ui.label("count", n=assignment.task_count),
            "due": due,
            "button": button,
        },
        source="exam_trainer",
    )
    try:
        broadcast_id = await cx.services.broadcasts.create(spec)
    except (BroadcastError, TemplateError) as exc:
        log.warning("assignment %s not announced: %s", assignment.id, exc)
        return str(exc)
    await assignments.set_broadcast(cx.services.db, assignment.id, broadcast_id)
    return None


# --- results -------------------------------------------------------------------------------------
RESULTS_KEPT = 60  # the latest assignments a teacher can open, paged


async def list_results(message: Message, cx: Ctx, page: int = 1) -> None:
    if cx.person_id is None:
        await show_menu(message, cx)
        return
    items = await assignments.by_author(cx.services.db, cx.person_id, limit=RESULTS_KEPT)
    buttons: list[keyboards.Button] = []
    for item in items:
        group = await cx.services.people.group(item.group_id)
        title = await tasks.subject_title(cx.services.db, item.exam, item.subject)
        org = await cx.services.people.organisation(item.org_id)
        due = item.due_at.astimezone(org.zone) if org else item.due_at
        buttons.append(
            (
                ui.label(
                    "result_item",
                    group=group.name if group else "?",
                    exam=item.exam,
                    subject=title or item.subject,
                    due=ui.day_month(due),
                ),
                Report(a=item.id).pack(),
            )
        )
    cx.dialog.data.clear()
    await cx.goto(ui.RESULTS)
    # A teacher who gave many assignments pages through them: one row each would pass VK's rows.
    shown = keyboards.paged(
        buttons, [ui.flow.nav(ui.RESULTS)], page=page, turn=ReportsPage().pack()
    )
    await message.answer(
        TEXTS.render(
            "results.j2", step="list", items=bool(items), page=shown.number, pages=shown.count
        ),
        keyboard=ui.keyboard(shown.rows),
    )


ui.flow.add(ui.RESULTS, list_results, back_to=ui.MENU)
ui.flow.add(ui.REPORT, None, back_to=ui.RESULTS)


@labeler.message(PrivateChat() & TEACHER & InDialog(ui.RESULTS) & Pressed(ReportsPage))
async def turn_results_page(message: Message, cx: Ctx, payload: ReportsPage) -> None:
    await list_results(message, cx, payload.page_number)


@labeler.message(PrivateChat() & TEACHER & Pressed(Results))
async def results(message: Message, cx: Ctx) -> None:
    await list_results(message, cx)


@labeler.message(PrivateChat() & TEACHER & Pressed(Report))
async def show_report(message: Message, cx: Ctx, payload: Report) -> None:
    ident = payload.a
    db = cx.services.db
    assignment = await assignments.get(db, ident) if ident is not None else None
    if assignment is None or assignment.author_person_id != cx.person_id:
        await message.answer(TEXTS.render("results.j2", step="denied"))
        await list_results(message, cx)
        return
    report = await assignments.report(db, assignment)
    group = await cx.services.people.group(assignment.group_id)
    org = await cx.services.people.organisation(assignment.org_id)
    title = await tasks.subject_title(db, assignment.exam, assignment.subject)
    delivery = None
    if assignment.broadcast_id is not None:
        try:
            delivery = await cx.services.broadcasts.status(assignment.broadcast_id)
        except BroadcastError:
            delivery = None
    await cx.goto(ui.REPORT, a=assignment.id)
    rows: list[list[keyboards.Button]] = [
        [(ui.label("refresh"), Report(a=assignment.id).pack())],
        ui.flow.nav(ui.REPORT),
    ]
    await message.answer(
        TEXTS.render(
            "results.j2",
            step="report",
            group=group.name if group else "",
            exam=assignment.exam,
            subject=title or assignment.subject,
            total=assignment.task_count,
            finished=report.finished,
            due=ui.day_month(assignment.due_at.astimezone(org.zone) if org else assignment.due_at),
            students=report.students,
            numbers=report.numbers,
            delivery=delivery,
        ),
        keyboard=ui.keyboard(rows),
    )
