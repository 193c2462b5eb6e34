"""Operators: the queue, taking an appeal (a button under it in the operators' chat, or in the
queue in the private chat), answering it in a dialog with the bot, extending the deadline, giving
it back.

Every action checks the identity of whoever presses: only staff with the operator position.
"""

from __future__ import annotations

from typing import Any

from core.bot import (
    Button,
    Command,
    Ctx,
    InDialog,
    Message,
    Pressed,
    PrivateChat,
    chunk,
    keyboards,
)

from .appeals import MAX_ANSWER, MAX_EXTENSION_DAYS, Appeal, Status
from .desk import Desk
from .payloads import (
    Answer,
    Back,
    Cancel,
    Extend,
    ExtendBy,
    FindInQueue,
    OperatorCard,
    Queue,
    Release,
    SendAnswer,
    Take,
)
from .ui import (
    OPERATOR,
    QUEUE_WORDS,
    Operator,
    PlainText,
    T,
    actions,
    attempt,
    desk,
    inline,
    leave_dialog,
    nav,
    steps,
)

EXTEND_CHOICES = (10, 20, MAX_EXTENSION_DAYS)


def card_keyboard(appeal: Appeal) -> str:
    rows: list[list[Button]] = []
    if appeal.status == Status.NEW:
        rows.append([(T.label("take"), Take(a=appeal.id).pack(), "positive")])
    if appeal.is_open:
        rows.append([(T.label("op_answer"), Answer(a=appeal.id).pack(), "primary")])
        if not appeal.extended_days:
            rows.append([(T.label("op_extend"), Extend(a=appeal.id).pack())])
    if appeal.status == Status.IN_PROGRESS:
        rows.append([(T.label("op_release"), Release(a=appeal.id).pack())])
    rows.append([(T.label("queue"), Queue().pack())])
    return inline(rows)


async def card_text(helper: Desk, appeal: Appeal) -> str:
    return T.render("operator_card.j2", **await helper.describe(appeal))


async def send_card(message: Message, cx: Ctx, appeal_id: int) -> None:
    """The card of an appeal the operator may see, with its buttons (or "not found")."""
    helper = desk(cx)
    appeal = await helper.visible(appeal_id, cx.identity)
    if appeal is None:
        await message.answer(T.label("err_not_found"))
        return
    await message.answer(
        await card_text(helper, appeal),
        keyboard=card_keyboard(appeal),
        attachment=appeal.attachment,  # the teacher's files, copied once when filed
    )


async def open_appeal(message: Message, cx: Ctx, appeal_id: int) -> Appeal | None:
    """The appeal, when the operator may see it and it is still open; else says why, None."""
    appeal = await desk(cx).visible(appeal_id, cx.identity)
    if appeal is None or not appeal.is_open:
        await message.answer(T.label("err_not_open" if appeal else "err_not_found"))
        return None
    return appeal


async def send_answer_prompt(message: Message, appeal: Appeal) -> None:
    """Ask for the text of the answer; the only way out is back to the card."""
    await message.answer(
        T.render("op_answer_prompt.j2", a=appeal),
        keyboard=inline([nav(OperatorCard(a=appeal.id))]),
    )


async def announce_taken(cx: Ctx, appeal: Appeal) -> None:
    """Tell the operators' chat who took the appeal, so nobody else starts on it."""
    await desk(cx).announce_taken(appeal, cx.group_id)


# --- the queue and the card (private chat or the operators' chat) ---------------------------
MAX_QUERY = 60  # characters of a typed search kept in the dialog


def _searchable(appeal: Appeal) -> str:
    """What a search in the queue looks through: the number, the category, the text."""
    return f"{appeal.number} {T.label(f'cat_{appeal.category}')} {appeal.text}"


async def send_queue(message: Message, cx: Ctx, page: int = 1, query: str | None = None) -> None:
    """The queue a page at a time (the text describes the appeals whose buttons are shown); in
    the private chat an operator may search it by number or words of the appeal."""
    helper = desk(cx)
    appeals = await helper.queue_for(cx.identity)
    found = [a for a in appeals if keyboards.matches(_searchable(a), query)] if query else appeals
    missed = query if query and not found else ""
    if missed:
        query, found = None, appeals
    fixed: list[list[Button]] = []
    if not cx.in_group_chat:
        row: list[Button] = [(T.label("op_find"), FindInQueue().pack())]
        if query:
            row.append((T.label("queue_all"), Queue().pack()))
            await cx.goto(OPERATOR + "found", q=query)
        fixed.append(row)
    window = keyboards.page_window(len(found), fixed, page=page, inline=True, per_row=2)
    shown = found[window.first : window.first + window.size]
    buttons: list[Button] = []
    for appeal in shown:
        if appeal.status == Status.NEW:
            buttons.append((T.label("take_number", number=appeal.number), Take(a=appeal.id).pack()))
        elif not cx.in_group_chat:  # a card is opened in the private chat only
            buttons.append(
                (T.label("open_number", number=appeal.number), OperatorCard(a=appeal.id).pack())
            )
    turn = Queue(f=1) if query else Queue()
    rows = [*chunk(buttons, 2), keyboards.pager_row(window, turn.pack()), *fixed]
    items = [await helper.describe(a) for a in shown]
    text = T.render(
        "queue.j2",
        items=items,
        total=len(found),
        first=window.first,
        page=window.number,
        pages=window.count,
        query=query or "",
        missed=missed,
    )
    await message.answer(text, keyboard=inline(rows) if any(rows) else None)


@actions.message(Operator & (Pressed(Queue) | Command("rb_queue", *QUEUE_WORDS)))
async def queue(message: Message, cx: Ctx, payload: Queue | dict[str, Any] | None = None) -> None:
    # The button, or the command (typed, or its {"cmd": ...} button): the first page.
    pressed = payload if isinstance(payload, Queue) else Queue()
    # «Ещё» under search results pages on through the same search.
    searching = bool(pressed.f) and cx.dialog.at(OPERATOR + "found")
    query = str(cx.dialog.data.get("q") or "") if searching else ""
    if not searching:
        await leave_dialog(cx)
    await send_queue(message, cx, pressed.page_number, query or None)


@actions.message(PrivateChat() & Operator & Pressed(FindInQueue))
async def ask_find(message: Message, cx: Ctx) -> None:
    await leave_dialog(cx)
    await cx.goto(OPERATOR + "find")
    await message.answer(T.render("queue_find.j2"), keyboard=inline([nav(Queue())]))


@steps.message(InDialog(OPERATOR + "find") & Pressed(Cancel))
async def find_cancelled(message: Message, cx: Ctx) -> None:
    await cx.finish()
    await send_queue(message, cx)


@steps.message(InDialog(OPERATOR + "find") & PlainText)
async def find(message: Message, cx: Ctx) -> None:
    await cx.finish()
    await send_queue(message, cx, 1, " ".join((message.text or "").split())[:MAX_QUERY])


@actions.message(PrivateChat() & Operator & Pressed(OperatorCard))
async def card(message: Message, cx: Ctx, payload: OperatorCard) -> None:
    await leave_dialog(cx)
    await send_card(message, cx, payload.a or 0)


@actions.message(Operator & Pressed(Take))
async def take(message: Message, cx: Ctx, payload: Take) -> None:
    """«Взять в работу»: under a new appeal in the operators' chat, or in the queue in private."""
    helper = desk(cx)
    appeal = await attempt(message, helper.store.take(payload.a or 0, cx.identity))
    if appeal is None:
        return
    text, keyboard = await card_text(helper, appeal), card_keyboard(appeal)
    if cx.in_group_chat:
        # The card goes to the operator's private chat: the answer is written there.
        await helper.send(
            cx.group_id,
            message.from_id,
            text,
            keyboard,
            f"card:{appeal.id}:{appeal.taken_at}",
            appeal.attachment,
        )
    else:
        await leave_dialog(cx)
        await message.answer(text, keyboard=keyboard, attachment=appeal.attachment)
    await announce_taken(cx, appeal)


@actions.message(PrivateChat() & Operator & Pressed(Release))
async def release(message: Message, cx: Ctx, payload: Release) -> None:
    await leave_dialog(cx)
    helper = desk(cx)
    appeal = await attempt(message, helper.store.release(payload.a or 0, cx.identity))
    if appeal is None:
        return
    await message.answer(
        T.render("op_released.j2", a=appeal),
        keyboard=inline([[(T.label("queue"), Queue().pack())]]),
    )
    await helper.post_to_operators(appeal)


# --- answering: the text, a preview, then send ---------------------------------------------
@actions.message(PrivateChat() & Operator & Pressed(Answer))
async def start_answer(message: Message, cx: Ctx, payload: Answer) -> None:
    appeal = await open_appeal(message, cx, payload.a or 0)
    if appeal is None:
        return
    if appeal.status == Status.IN_PROGRESS and appeal.operator_id != cx.person_id:
        await message.answer(T.label("err_taken"))
        return
    await leave_dialog(cx)
    await cx.goto(OPERATOR + "answer", appeal_id=appeal.id)
    await send_answer_prompt(message, appeal)


@steps.message(InDialog(prefix=OPERATOR) & Pressed(Cancel))
async def cancel(message: Message, cx: Ctx) -> None:
    appeal_id = int(cx.dialog.data.get("appeal_id", 0))
    await cx.finish()
    await send_card(message, cx, appeal_id)


@steps.message(InDialog(OPERATOR + "answer") & PlainText)
async def wrote_answer(message: Message, cx: Ctx) -> None:
    text = (message.text or "").strip()
    appeal_id = int(cx.dialog.data.get("appeal_id", 0))
    appeal = await desk(cx).visible(appeal_id, cx.identity)
    if appeal is None:
        await cx.finish()
        await message.answer(T.label("err_not_found"))
        return
    if not 2 <= len(text) <= MAX_ANSWER:
        # Said now rather than after «Отправить»: the preview of a longer answer would not fit
        # one VK message either.
        await message.answer(
            T.label("err_bad_answer"), keyboard=inline([nav(OperatorCard(a=appeal.id))])
        )
        return
    await cx.goto(OPERATOR + "confirm", answer=text)
    await message.answer(
        T.render("op_answer_confirm.j2", number=appeal.number, answer=text),
        keyboard=inline([[(T.label("send"), SendAnswer().pack(), "positive")], nav()]),
    )


@steps.message(InDialog(OPERATOR + "confirm") & Pressed(Back))
async def answer_again(message: Message, cx: Ctx) -> None:
    appeal_id = int(cx.dialog.data.get("appeal_id", 0))
    await cx.goto(OPERATOR + "answer")
    appeal = await desk(cx).visible(appeal_id, cx.identity)
    if appeal is not None:
        await send_answer_prompt(message, appeal)


@steps.message(InDialog(OPERATOR + "confirm") & Pressed(SendAnswer))
async def send_answer(message: Message, cx: Ctx) -> None:
    data = dict(cx.dialog.data)
    await cx.finish()
    helper = desk(cx)
    answered = await attempt(
        message,
        helper.answer(int(data.get("appeal_id", 0)), cx.identity, str(data.get("answer", ""))),
    )
    if answered is None:
        return
    appeal, relay = answered
    await message.answer(
        T.render("op_answer_sent.j2", relay=relay, **await helper.describe(appeal)),
        keyboard=inline([[(T.label("queue"), Queue().pack())]]),
    )


@steps.message(InDialog(OPERATOR + "answer") | InDialog(OPERATOR + "confirm"))
async def answer_other(message: Message, cx: Ctx) -> None:
    """A button of something else while answering: say what is expected, keep the dialog."""
    appeal = await desk(cx).visible(int(cx.dialog.data.get("appeal_id", 0)), cx.identity)
    if appeal is None:
        await cx.finish()
        return
    await send_answer_prompt(message, appeal)


# --- extending the deadline ------------------------------------------------------------------
@actions.message(PrivateChat() & Operator & Pressed(Extend))
async def start_extend(message: Message, cx: Ctx, payload: Extend) -> None:
    helper = desk(cx)
    appeal = await open_appeal(message, cx, payload.a or 0)
    if appeal is None:
        return
    await leave_dialog(cx)
    await cx.goto(OPERATOR + "extend", appeal_id=appeal.id)
    buttons: list[Button] = [
        (T.label("extend_days", days=days), ExtendBy(d=days).pack()) for days in EXTEND_CHOICES
    ]
    await message.answer(
        T.render("op_extend.j2", **await helper.describe(appeal)),
        keyboard=inline([buttons, nav(OperatorCard(a=appeal.id))]),
    )


@steps.message(InDialog(OPERATOR + "extend") & Pressed(ExtendBy))
async def extend(message: Message, cx: Ctx, payload: ExtendBy) -> None:
    appeal_id = int(cx.dialog.data.get("appeal_id", 0))
    await cx.finish()
    helper = desk(cx)
    extended = await attempt(message, helper.extend(appeal_id, cx.identity, payload.d or 0))
    if extended is None:
        return
    appeal, told = extended
    await message.answer(
        T.render("op_extended.j2", told=told, **await helper.describe(appeal)),
        keyboard=card_keyboard(appeal),
    )


@steps.message(InDialog(OPERATOR + "extend"))
async def extend_other(message: Message, cx: Ctx) -> None:
    appeal_id = int(cx.dialog.data.get("appeal_id", 0))
    await start_extend(message, cx, Extend(a=appeal_id))
