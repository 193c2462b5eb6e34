"""A recipient's answer to a broadcast, taken in the community's dialog: a reply to (or forward of)
the broadcast's message, or a message typed right after it (core.broadcast.replies says which
count). It is kept for the author — who reads it in the counsellor's bot under «Ответы» — and the
recipient is told the author will see it: nothing written back to a broadcast is swallowed.

A core handler, not a plugin's: the community routes typed text to one plugin (the person's
dialog's, else the community's main one), and an answer must be taken whichever plugins the
community runs. ``labeler`` is the last of core's handlers (core/runtime/core_handlers.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from vkbottle.dispatch.rules import ABCRule
from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.navigation import nav_word
from core.rules import payload_of
from core.runtime.context import Ctx
from core.texts import CORE_TEXTS

from .replies import BroadcastReplies, Target

log = logging.getLogger("sferum.broadcast.answers")

labeler = BotLabeler()
CHAT_PEERS = 2_000_000_000


@dataclass(frozen=True)
class Found:
    target: Target
    how: str  # reply | forward | after


async def _message_id(cx: Ctx, peer_id: int, cmid: int) -> int:
    """The id of the community's message of this dialog with this conversation_message_id (0 if
    it is not the community's, or VK did not say)."""
    try:
        answer = await cx.api.messages.get_by_conversation_message_id(
            peer_id=peer_id, conversation_message_ids=[cmid]
        )
    except Exception as exc:  # VK did not answer: the message is then handled as not an answer
        log.warning("could not read message %s of %s: %s", cmid, peer_id, exc)
        return 0
    for item in answer.items:
        if item.from_id == -cx.group_id:
            return int(item.id or 0)
    return 0


async def find_answered(message: MessageMin, cx: Ctx) -> Found | None:
    """The broadcast this message answers, if any."""
    person_id = cx.person_id
    if person_id is None or message.peer_id >= CHAT_PEERS or payload_of(message):
        return None
    store = BroadcastReplies(cx.services.db, cx.services.clock)
    quoted = [
        ("reply" if ref is message.reply_message else "forward", ref)
        for ref in (message.reply_message, *(message.fwd_messages or []))
        if ref is not None and ref.from_id == -cx.group_id
    ]
    for how, ref in quoted:
        message_id = ref.id or 0
        if not message_id and ref.conversation_message_id:
            # A forward may name the message by its place in the dialog alone.
            message_id = await _message_id(cx, message.peer_id, ref.conversation_message_id)
        target = await store.target_of(cx.group_id, person_id, [message_id])
        if target is not None:
            return Found(target, how)
    # Typed right after a broadcast, nothing in between, outside any dialog (in one, it is the
    # dialog's answer); VK is asked what came before only when such a broadcast reached them.
    cmid = message.conversation_message_id or 0
    if cx.dialog.step is not None or cmid <= 1 or nav_word(message.text) is not None:
        return None
    if not await store.may_follow(cx.group_id, person_id):
        return None
    previous = await _message_id(cx, message.peer_id, cmid - 1)
    target = await store.target_of(cx.group_id, person_id, [previous], implicit=True)
    return None if target is None else Found(target, "after")


class AnswersBroadcast(ABCRule[MessageMin]):
    async def check(self, event: MessageMin, cx: Ctx) -> bool | dict[str, Any]:
        found = await find_answered(event, cx)
        return False if found is None else {"found": found}


async def took_answer(message: MessageMin, cx: Ctx, found: Found) -> None:
    target = found.target
    await BroadcastReplies(cx.services.db, cx.services.clock).record(
        target,
        person_id=cx.person_id or 0,
        group_id=cx.group_id,
        peer_id=message.from_id,
        vk_message_id=message.id or 0,
        cmid=message.conversation_message_id or 0,
        how=found.how,
        text=(message.text or "").strip(),
        attachments=len(message.attachments or []),
    )
    author = await cx.services.people.person(target.author_person_id)
    await message.answer(
        CORE_TEXTS.render(
            "broadcast_reply_taken.j2",
            title=target.title,
            author=author.full_name if author else "",
        )
    )


labeler.message(AnswersBroadcast())(took_answer)
