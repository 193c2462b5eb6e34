"""The student's side: the menu, choosing what to train, and the task–answer–check loop."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from core.bot import (
    Command,
    Ctx,
    InDialog,
    Message,
    Pressed,
    PrivateChat,
    Router,
    Typed,
    keyboards,
)

from . import assignments, payloads, tasks, ui
from .answering import record_answer
from .answers import as_decimal, is_blank
from .payloads import (
    DontKnow,
    Due,
    Exam,
    Homework,
    Menu,
    Number,
    NumbersPage,
    Progress,
    Remind,
    Review,
    Subject,
    SubjectsPage,
    Topic,
    Topics,
    Train,
)
from .repetition import utc_text
from .selection import Focus, Pick, due_count, next_assigned, next_task
from .ui import TEXTS

labeler = Router()

TOPICS_PER_PAGE = 7


SESSION = ("n", "ok")  # answers and right answers since the trainer was opened


async def fresh(cx: Ctx, step: str, **data: Any) -> None:
    """Enter ``step`` forgetting what earlier steps collected (but not the session's counts)."""
    kept = {key: cx.dialog.data[key] for key in SESSION if key in cx.dialog.data}
    cx.dialog.data.clear()
    await cx.goto(step, **kept, **data)


async def require_person(message: Message, cx: Ctx) -> int | None:
    if cx.person_id is None:
        await message.answer(TEXTS.render("need_person.j2"), keyboard=ui.no_keyboard())
    return cx.person_id


# --- the menu ------------------------------------------------------------------------------------
async def show_menu(message: Message, cx: Ctx, *, greeting: bool = False) -> None:
    person_id = await require_person(message, cx)
    if person_id is None:
        return
    now = cx.services.clock.now()
    due = await due_count(cx.services.db, person_id, now)
    homework = await assignments.open_for_student(cx.services.db, person_id, now)
    rows: list[list[keyboards.Button]] = [[(ui.label("train"), Train().pack(), "primary")]]
    if due:
        rows.append([(ui.label("review", n=due), Due().pack())])
    if homework:
        rows.append([(ui.label("homework", n=len(homework)), Homework().pack())])
    rows.append([(ui.label("progress"), Progress().pack()), (ui.label("remind"), Remind().pack())])
    if ui.is_teacher(cx):
        rows.append(
            [
                (ui.label("assign"), payloads.Assign().pack()),
                (ui.label("results"), payloads.Results().pack()),
            ]
        )
    rows.append(ui.flow.nav(ui.MENU))
    await fresh(cx, ui.MENU)
    await message.answer(
        TEXTS.render("menu.j2", greeting=greeting, due=due, homework=len(homework)),
        keyboard=ui.keyboard(rows),
    )


@labeler.message(PrivateChat() & Command("exam_trainer", "тренажёр", "тренажер", "тренировка"))
async def open_trainer(message: Message, cx: Ctx) -> None:
    await show_menu(message, cx, greeting=True)


@labeler.message(PrivateChat() & Pressed(Menu))
async def menu_button(message: Message, cx: Ctx) -> None:
    await show_menu(message, cx)


async def close(message: Message, cx: Ctx) -> None:
    """«Закрыть» at any step: the session's count, and the dialog ends."""
    data = cx.dialog.data
    answered, right = int(data.get("n") or 0), int(data.get("ok") or 0)
    await cx.finish()
    await message.answer(
        TEXTS.render("closed.j2", answered=answered, right=right), keyboard=ui.no_keyboard()
    )


# «Назад» shows the step it names (a stale one: the menu); «Закрыть» closes, from any step.
ui.flow.install(labeler, PrivateChat(), on_cancel=close, on_unknown=show_menu)


# --- choosing exam, subject, number or topic -----------------------------------------------------
async def ask_exam(message: Message, cx: Ctx) -> None:
    if await require_person(message, cx) is None:
        return
    exams = await tasks.exams(cx.services.db)
    if not exams:
        await message.answer(TEXTS.render("choose.j2", step="empty"))
        return
    await fresh(cx, ui.EXAM)
    rows: list[list[keyboards.Button]] = [
        [(exam, Exam(v=exam).pack()) for exam in exams],
        ui.flow.nav(ui.EXAM),
    ]
    await message.answer(TEXTS.render("choose.j2", step="exam"), keyboard=ui.keyboard(rows))


async def ask_subject(message: Message, cx: Ctx, page: int = 1) -> None:
    exam = cx.dialog.data.get("exam")
    subjects = await tasks.subjects(cx.services.db, str(exam)) if exam else []
    if not subjects:
        await ask_exam(message, cx)
        return
    await fresh(cx, ui.SUBJECT, exam=exam)
    buttons: list[keyboards.Button] = [(s.title, Subject(v=s.subject).pack()) for s in subjects]
    # A bank may hold more subjects than a keyboard: «Ещё» pages through them all.
    page_ = keyboards.paged(
        buttons, [ui.flow.nav(ui.SUBJECT)], page=page, turn=SubjectsPage().pack(), per_row=2
    )
    await message.answer(
        TEXTS.render("choose.j2", step="subject", exam=exam, page=page_.number, pages=page_.count),
        keyboard=ui.keyboard(page_.rows),
    )


async def ask_number(message: Message, cx: Ctx, page: int = 1) -> None:
    data = cx.dialog.data
    exam, subject = data.get("exam"), data.get("subject")
    db = cx.services.db
    title = await tasks.subject_title(db, str(exam), str(subject)) if exam and subject else None
    if title is None or cx.person_id is None:
        await ask_subject(message, cx)
        return
    numbers = await tasks.numbers(db, str(exam), str(subject))
    due = await due_count(db, cx.person_id, cx.services.clock.now(), str(exam), str(subject))
    await fresh(cx, ui.PICK, exam=exam, subject=subject)
    buttons: list[keyboards.Button] = [
        (ui.label("number", n=n), Number(v=n).pack()) for n in numbers
    ]
    extra: list[keyboards.Button] = [(ui.label("topics"), Topics(p=1).pack())]
    if due:
        extra.append((ui.label("review", n=due), Review().pack(), "primary"))
    page_ = keyboards.paged(
        buttons,
        [extra, ui.flow.nav(ui.PICK)],
        page=page,
        turn=NumbersPage().pack(),
        per_row=5,
    )
    rows = page_.rows
    await message.answer(
        TEXTS.render(
            "choose.j2",
            step="number",
            exam=exam,
            subject=title,
            has_topics=True,
            due=due,
            page=page_.number,
            pages=page_.count,
        ),
        keyboard=ui.keyboard(rows),
    )


async def ask_topic(message: Message, cx: Ctx, page: int = 1) -> None:
    data = cx.dialog.data
    exam, subject = data.get("exam"), data.get("subject")
    db = cx.services.db
    title = await tasks.subject_title(db, str(exam), str(subject)) if exam and subject else None
    if title is None:
        await ask_subject(message, cx)
        return
    topics = await tasks.topics(db, str(exam), str(subject))
    pages = max(1, -(-len(topics) // TOPICS_PER_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * TOPICS_PER_PAGE
    await fresh(cx, ui.TOPIC, exam=exam, subject=subject, page=page)
    rows: list[list[keyboards.Button]] = [
        [(topic, Topic(i=start + index).pack())]
        for index, topic in enumerate(topics[start : start + TOPICS_PER_PAGE])
    ]
    if pages > 1:
        rows.append([(ui.label("more"), Topics(p=page % pages + 1).pack())])
    rows.append(ui.flow.nav(ui.TOPIC))
    await message.answer(
        TEXTS.render("choose.j2", step="topic", exam=exam, subject=title, page=page, pages=pages),
        keyboard=ui.keyboard(rows),
    )


ui.flow.add(ui.MENU, show_menu)
ui.flow.add(ui.EXAM, ask_exam, back_to=ui.MENU)
ui.flow.add(ui.SUBJECT, ask_subject, back_to=ui.EXAM)
ui.flow.add(ui.PICK, ask_number, back_to=ui.SUBJECT)
ui.flow.add(ui.TOPIC, ask_topic, back_to=ui.PICK)


@labeler.message(PrivateChat() & Pressed(Train))
async def train(message: Message, cx: Ctx) -> None:
    await ask_exam(message, cx)


@labeler.message(PrivateChat() & InDialog(ui.EXAM) & Pressed(Exam))
async def chose_exam(message: Message, cx: Ctx, payload: Exam) -> None:
    if payload.v in await tasks.exams(cx.services.db):
        await cx.goto(ui.EXAM, exam=payload.v)
        await ask_subject(message, cx)
    else:
        await ask_exam(message, cx)


@labeler.message(PrivateChat() & InDialog(ui.SUBJECT) & Pressed(Subject))
async def chose_subject(message: Message, cx: Ctx, payload: Subject) -> None:
    await cx.goto(ui.SUBJECT, subject=str(payload.v))
    await ask_number(message, cx)  # an unknown subject falls back to asking again


@labeler.message(PrivateChat() & InDialog(ui.SUBJECT) & Pressed(SubjectsPage))
async def turn_subject_page(message: Message, cx: Ctx, payload: SubjectsPage) -> None:
    await ask_subject(message, cx, payload.page_number)


@labeler.message(PrivateChat() & InDialog(ui.PICK) & Pressed(NumbersPage))
async def turn_number_page(message: Message, cx: Ctx, payload: NumbersPage) -> None:
    await ask_number(message, cx, payload.page_number)


@labeler.message(PrivateChat() & InDialog(ui.PICK) & Pressed(Number))
async def chose_number(message: Message, cx: Ctx, payload: Number) -> None:
    data = cx.dialog.data
    number = payload.v
    known = await tasks.numbers(cx.services.db, str(data.get("exam")), str(data.get("subject")))
    if number is None or number not in known:
        await ask_number(message, cx)
        return
    await start_training(message, cx, Focus(data["exam"], data["subject"], number=number))


@labeler.message(PrivateChat() & (InDialog(ui.PICK) | InDialog(ui.TOPIC)) & Pressed(Topics))
async def list_topics(message: Message, cx: Ctx, payload: Topics) -> None:
    await ask_topic(message, cx, payload.p or 1)


@labeler.message(PrivateChat() & InDialog(ui.TOPIC) & Pressed(Topic))
async def chose_topic(message: Message, cx: Ctx, payload: Topic) -> None:
    data = cx.dialog.data
    topics = await tasks.topics(cx.services.db, str(data.get("exam")), str(data.get("subject")))
    index = payload.i
    if index is None or index >= len(topics):
        await ask_topic(message, cx, int(data.get("page") or 1))
        return
    await start_training(message, cx, Focus(data["exam"], data["subject"], topic=topics[index]))


@labeler.message(PrivateChat() & InDialog(ui.PICK) & Pressed(Review))
async def chose_review(message: Message, cx: Ctx) -> None:
    data = cx.dialog.data
    await start_training(message, cx, Focus(data["exam"], data["subject"]))


@labeler.message(PrivateChat() & Pressed(Due))
async def review_due(message: Message, cx: Ctx) -> None:
    """The reminder's and the menu's button: reviews of the subject with the oldest due task."""
    person_id = await require_person(message, cx)
    if person_id is None:
        return
    row = await cx.services.db.fetchone(
        "SELECT exam, subject FROM exam_trainer_cards WHERE person_id = ? AND due <= ? "
        "ORDER BY due LIMIT 1",
        (person_id, utc_text(cx.services.clock.now())),
    )
    if row is None:
        await message.answer(TEXTS.render("nothing_left.j2", reviews_only=True))
        await show_menu(message, cx)
        return
    await start_training(message, cx, Focus(row["exam"], row["subject"]))


# --- the training loop ---------------------------------------------------------------------------
async def start_training(
    message: Message, cx: Ctx, focus: Focus, assignment_id: int | None = None
) -> None:
    if await require_person(message, cx) is None:
        return
    # The dialog keeps the focus under its fields' names; _focus() reads it back.
    await fresh(cx, ui.TRAIN, **asdict(focus), a=assignment_id, task=None)
    await send_next(message, cx)


def _focus(data: dict[str, Any]) -> Focus:
    return Focus(str(data["exam"]), str(data["subject"]), data.get("number"), data.get("topic"))


def _train_back(cx: Ctx) -> str:
    # A task of an assignment goes back to the homework list, a free training to the numbers.
    return ui.HOMEWORK if ui.as_int(cx.dialog.data.get("a")) is not None else ui.PICK


ui.flow.add(ui.TRAIN, None, back_to=_train_back)


def _train_keyboard(cx: Ctx) -> str:
    return ui.keyboard([[(ui.label("idk"), DontKnow().pack())], ui.flow.nav(ui.TRAIN, cx)])


async def send_next(message: Message, cx: Ctx, last: str | None = None) -> None:
    data = cx.dialog.data
    person_id = cx.person_id
    if person_id is None or "exam" not in data:
        await show_menu(message, cx)
        return
    db = cx.services.db
    assignment_id = ui.as_int(data.get("a"))
    pick: Pick | None
    if assignment_id is not None:
        pick = await next_assigned(db, person_id, assignment_id, last)
    else:
        pick = await next_task(db, person_id, _focus(data), cx.services.clock.now(), last)
    task = await tasks.task(db, pick.task_id) if pick is not None else None
    if pick is None or task is None:
        await _nothing_left(message, cx, assignment_id)
        return
    await cx.goto(ui.TRAIN, task=task.id)
    position = total = 0
    if assignment_id is not None:
        done, _ = await assignments.progress_of(db, assignment_id, person_id)
        assignment = await assignments.get(db, assignment_id)
        position, total = done + 1, assignment.task_count if assignment else 0
    await message.answer(
        TEXTS.render(
            "task.j2",
            task=task,
            source=pick.source.value,
            numeric=as_decimal(task.answer) is not None,
            position=position,
            total=total,
        ),
        keyboard=_train_keyboard(cx),
    )


async def _nothing_left(message: Message, cx: Ctx, assignment_id: int | None) -> None:
    data = cx.dialog.data
    if assignment_id is not None and cx.person_id is not None:
        assignment = await assignments.get(cx.services.db, assignment_id)
        _, right = await assignments.progress_of(cx.services.db, assignment_id, cx.person_id)
        await message.answer(
            TEXTS.render(
                "homework.j2",
                step="done",
                right=right,
                total=assignment.task_count if assignment else 0,
            )
        )
        await show_menu(message, cx)
        return
    await message.answer(TEXTS.render("nothing_left.j2", reviews_only=_focus(data).reviews_only))
    await ask_number(message, cx)


async def _answer(message: Message, cx: Ctx, given: str, *, gave_up: bool) -> None:
    data = cx.dialog.data
    person_id = cx.person_id
    task = await tasks.task(cx.services.db, str(data.get("task"))) if data.get("task") else None
    if person_id is None or task is None:
        await send_next(message, cx)
        return
    now = cx.services.clock.now()
    assignment_id = ui.as_int(data.get("a"))
    outcome = await record_answer(
        cx.services.db, person_id, task, given, now, assignment_id=assignment_id, gave_up=gave_up
    )
    wait = outcome.due - now
    await message.answer(
        TEXTS.render(
            "verdict.j2",
            correct=outcome.correct,
            gave_up=gave_up,
            read_as=outcome.verdict.read_as,
            answer=task.answer,
            explanation=task.explanation,
            streak=outcome.streak,
            number=task.number,
            assignment=assignment_id is not None,
            minutes=max(1, round(wait / timedelta(minutes=1))),
            days=max(1, round(wait / timedelta(days=1))),
        )
    )
    await cx.goto(
        ui.TRAIN, n=int(data.get("n") or 0) + 1, ok=int(data.get("ok") or 0) + outcome.correct
    )
    await send_next(message, cx, last=task.id)


@labeler.message(PrivateChat() & InDialog(ui.TRAIN) & Pressed(DontKnow))
async def dont_know(message: Message, cx: Ctx) -> None:
    await _answer(message, cx, "", gave_up=True)


@labeler.message(PrivateChat() & InDialog(ui.TRAIN) & Typed())
async def answered(message: Message, cx: Ctx) -> None:
    given = message.text or ""
    if is_blank(given):
        await message.answer(TEXTS.render("blank_answer.j2"))
        return
    await _answer(message, cx, given, gave_up=False)
