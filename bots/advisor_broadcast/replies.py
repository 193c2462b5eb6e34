"""Broadcasts both ways: the author's side.

A recipient's answer — a reply to (or forward of) the broadcast's message, or a message typed
right after it — is taken by core.broadcast.answers and kept for the broadcast's author
(core.broadcast.replies); the recipient is told the author will see it.

The author reads them under «Ответы»: their broadcasts with answer counts, then one broadcast's
answers a page at a time, each with «Ответить» back to that person. The author's answer is a
message on the author's behalf: the communication policy judges it as for any other, and a
refused one is explained in Russian, never sent. It goes through core's outbox, so it waits for
the recipient's quiet hours (a parent at night gets it in the morning, and the author is told
when); the outbox names it by the reply and the answer's number, so a retry sends nothing twice.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from vkbottle.tools.mini_types.bot import MessageMin

from core import keyboards
from core.bot import Pressed
from core.broadcast.replies import BroadcastReplies, Reply
from core.outbox import OutboxMessage
from core.policy import Outcome
from core.rules import InDialog, PrivateChat
from core.runtime.context import Ctx
from core.vk.random_ids import random_id

from . import audiences
from .payloads import Answers, AnswersOf, AnswerTo, Menu
from .shared import CANCEL, FLOW, STAFF, labeler, texts

if TYPE_CHECKING:
    from core.runtime.services import Services

log = logging.getLogger("sferum.advisor_broadcast")

PER_PAGE = 5  # broadcasts or answers a page: their buttons, the pager and the menu fit VK's 10 rows
MAX_ANSWER = 4000
ANSWER = FLOW + "answer"
OUTBOX_KIND = "advisor_broadcast.answer"  # the author's answers in core's outbox


def _replies(cx: Ctx) -> BroadcastReplies:
    return BroadcastReplies(cx.services.db, cx.services.clock)


def _page(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


def _id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _pager(page: int, total: int, turn: Answers | AnswersOf) -> list[keyboards.Button]:
    row: list[keyboards.Button] = []
    if page > 1:
        row.append((texts.label("prev_page"), turn.model_copy(update={"pg": page - 1}).pack()))
    if page * PER_PAGE < total:
        row.append(
            (texts.label("next_page"), turn.model_copy(update={"pg": page + 1}).pack(), "primary")
        )
    return row


# --- the author's side ------------------------------------------------------------------------
async def _zone(cx: Ctx) -> ZoneInfo:
    org = await audiences.school(cx)
    return org.zone if org is not None else ZoneInfo("UTC")


async def _own(cx: Ctx, broadcast_id: int | None) -> bool:
    """Whether the broadcast is this person's (ids in buttons can be forged)."""
    if broadcast_id is None:
        return False
    author = await cx.services.db.fetchval(
        "SELECT author_person_id FROM broadcasts WHERE id = ?", (broadcast_id,)
    )
    return author is not None and author == cx.person_id


async def show_broadcasts(message: MessageMin, cx: Ctx, page: int = 1) -> None:
    await cx.finish()
    items, total = await _replies(cx).summaries(cx.person_id or 0, (page - 1) * PER_PAGE, PER_PAGE)
    rows: list[list[keyboards.Button]] = []
    for summary in items:
        label = texts.label("answers_of", id=summary.broadcast_id, count=summary.replies)
        rows.append([(label, AnswersOf(id=summary.broadcast_id).pack())])
    rows.append(_pager(page, total, Answers()))
    rows.append([(texts.label("menu"), Menu().pack())])
    pages = max(1, -(-total // PER_PAGE))
    await message.answer(
        texts.render("answers.j2", step="broadcasts", items=items, page=page, pages=pages),
        keyboard=keyboards.build(rows),
    )


async def show_answers(message: MessageMin, cx: Ctx, broadcast_id: int, page: int = 1) -> None:
    await cx.finish()
    items, total = await _replies(cx).of_broadcast(broadcast_id, (page - 1) * PER_PAGE, PER_PAGE)
    title = await cx.services.db.fetchval(
        "SELECT title FROM broadcasts WHERE id = ?", (broadcast_id,)
    )
    zone = await _zone(cx)
    rows: list[list[keyboards.Button]] = [
        [
            (
                # Numbered as in the message: one person may have answered twice.
                texts.label("answer_to", n=(page - 1) * PER_PAGE + index, name=reply.name),
                AnswerTo(r=reply.id, pg=page).pack(),
            )
        ]
        for index, reply in enumerate(items, start=1)
    ]
    rows.append(_pager(page, total, AnswersOf(id=broadcast_id)))
    rows.append(
        [
            (texts.label("all_answers"), Answers().pack()),
            (texts.label("menu"), Menu().pack()),
        ]
    )
    pages = max(1, -(-total // PER_PAGE))
    await message.answer(
        texts.render(
            "answers.j2",
            step="answers",
            id=broadcast_id,
            title=title or "",
            items=[
                (reply, reply.created_at.astimezone(zone).strftime("%d.%m %H:%M"))
                for reply in items
            ],
            first=(page - 1) * PER_PAGE,
            total=total,
            page=page,
            pages=pages,
        ),
        keyboard=keyboards.build(rows),
        dont_parse_links=True,
    )


@labeler.message(PrivateChat() & STAFF & Pressed(Answers))
async def answers(message: MessageMin, cx: Ctx, payload: Answers) -> None:
    await show_broadcasts(message, cx, _page(payload.pg))


@labeler.message(PrivateChat() & STAFF & Pressed(AnswersOf))
async def answers_of(message: MessageMin, cx: Ctx, payload: AnswersOf) -> None:
    broadcast_id = payload.id
    if broadcast_id is None or not await _own(cx, broadcast_id):
        await show_broadcasts(message, cx)
        return
    await show_answers(message, cx, broadcast_id, _page(payload.pg))


def _refusal(outcome: Outcome) -> str:
    return texts.render("answers.j2", step="refused", outcome=outcome.value)


async def _answerable(cx: Ctx, reply_id: int | None) -> tuple[Reply | None, str | None]:
    """The reply if this author may answer it now, else None and why (Russian) — None when the
    reply is not theirs at all."""
    reply = await _replies(cx).get(reply_id) if reply_id is not None else None
    if reply is None or not await _own(cx, reply.broadcast_id):
        return None, None
    decision = await cx.services.policy.decide_pair(cx.person_id or 0, reply.person_id)
    if decision.outcome != Outcome.ALLOW:
        return None, _refusal(decision.outcome)
    return reply, None


@labeler.message(PrivateChat() & STAFF & Pressed(AnswerTo))
async def ask_answer(message: MessageMin, cx: Ctx, payload: AnswerTo) -> None:
    reply, refused = await _answerable(cx, payload.r)
    if reply is None:
        if refused is not None:
            await message.answer(refused)
        await show_broadcasts(message, cx)
        return
    page = _page(payload.pg)
    await cx.finish()
    await cx.goto(ANSWER, r=reply.id, b=reply.broadcast_id, pg=page)
    back = AnswersOf(id=reply.broadcast_id, pg=page).pack()
    await message.answer(
        texts.render("answers.j2", step="write", reply=reply),
        keyboard=keyboards.build([keyboards.nav_row(back, CANCEL)]),
        dont_parse_links=True,
    )


async def _send(cx: Ctx, reply: Reply, text: str) -> OutboxMessage:
    """The answer to the person, from the community and on the author's behalf (the outbox asks
    the policy again when it goes), now or when the person's quiet hours end. Named by the reply
    and how many answers it had: the same answer asked twice is sent once."""
    return await cx.services.outbox.deliver(
        group_id=reply.group_id,
        kind=OUTBOX_KIND,
        key=f"{reply.id}:{reply.answers}",
        text=text,
        person_id=reply.person_id,
        on_behalf_of=cx.person_id,
        random_id=random_id("sferum-broadcast-answer", reply.id, reply.answers),
    )


async def answer_settled(services: Services, message: OutboxMessage) -> None:
    """A held-back answer went: its VK message id is kept for the read marks."""
    if message.sent and message.message_id is not None:
        reply_id = int(message.key.split(":")[0])
        await BroadcastReplies(services.db, services.clock).answer_sent(
            reply_id, message.message_id
        )


def setup(services: Services) -> None:
    """Listen for held-back answers going out (once per process: services may be shared)."""

    async def settled(message: OutboxMessage) -> None:
        await answer_settled(services, message)

    with contextlib.suppress(ValueError):
        services.outbox.on_settled(OUTBOX_KIND, settled)


@labeler.message(InDialog(ANSWER))
async def wrote_answer(message: MessageMin, cx: Ctx) -> None:
    text = (message.text or "").strip()
    data = cx.dialog.data
    back = AnswersOf(id=_id(data.get("b")), pg=_page(data.get("pg"))).pack()
    if cx.payload or not text or len(text) > MAX_ANSWER:
        await message.answer(
            texts.render("answers.j2", step="bad_answer", limit=MAX_ANSWER),
            keyboard=keyboards.build([keyboards.nav_row(back, CANCEL)]),
        )
        return
    # Judged again now: a role may have been revoked since «Ответить».
    reply, refused = await _answerable(cx, _id(data.get("r")))
    if reply is None:
        await cx.finish()
        if refused is None:
            await show_broadcasts(message, cx)
            return
        await message.answer(refused)
        await show_answers(message, cx, int(data["b"]), _page(data.get("pg")))
        return
    author = cx.identity.person
    title = await cx.services.db.fetchval(
        "SELECT title FROM broadcasts WHERE id = ?", (reply.broadcast_id,)
    )
    outgoing = texts.render(
        "answer_to_recipient.j2",
        author=author.full_name if author else "",
        title=title or "",
        text=text,
    )
    sent = await _send(cx, reply, outgoing)
    held = sent.waiting_until is not None and sent.deferred
    if not sent.sent and not held:
        reason = sent.reason or ""
        if reason.startswith("policy:"):  # refused since the check above: explained, not sent
            await message.answer(_refusal(Outcome(reason.split(":")[1])))
        else:
            await message.answer(
                texts.render("answers.j2", step="not_sent", reply=reply),
                keyboard=keyboards.build([keyboards.nav_row(back, CANCEL)]),
            )
            return
        await show_answers(message, cx, reply.broadcast_id, _page(data.get("pg")))
        return
    await _replies(cx).answered(reply.id, text, sent.message_id)
    if held:
        assert sent.waiting_until is not None
        until = sent.waiting_until.astimezone(await _zone(cx)).strftime("%d.%m.%Y %H:%M")
        await message.answer(texts.render("answers.j2", step="held", reply=reply, until=until))
    else:
        await message.answer(texts.render("answers.j2", step="sent", reply=reply))
    await show_answers(message, cx, reply.broadcast_id, _page(data.get("pg")))
