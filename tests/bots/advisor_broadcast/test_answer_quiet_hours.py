"""The counsellor's answer to a parent who replied to a broadcast is a message on her behalf
that the bot sends by itself: at night in the parent's zone it waits for the morning (the
author is told when it will go), then goes exactly once; by day it goes at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bots.advisor_broadcast import plugin
from bots.advisor_broadcast.replies import OUTBOX_KIND
from core.broadcast import Audience
from sferum.testing import Harness, bot_harness
from tests.core.broadcast.counsellor import counsellor_broadcast, group
from tests.core.outbox.world import local

ANSWER = "Ждём вас, начало в 18:00 в актовом зале."


async def answered_broadcast(h: Harness, parent_key: str) -> tuple[int, int, str]:
    """A broadcast to 9А's parents, answered by ``parent_key``; (parent's VK id, the
    counsellor's VK id, the parent's name) with the counsellor at «Напишите ответ»."""
    parents = Audience.group_parents(await group(h, "s112-9a"))
    text, title = "Собрание 9А в четверг в 18:00.", "Собрание 9А"
    await counsellor_broadcast(h, parents, text, title=title, source="advisor_broadcast")
    await h.run_due()
    parent = h.vk(parent_key)
    await h.say(parent, "Спасибо, придём")
    assert "передан автору" in h.last_reply(parent)["text"]
    person = await h.services.people.person(await h.person_id(parent_key))
    assert person is not None
    volkova = h.vk("volkova")
    await h.say(volkova, "меню")
    await h.tap(volkova, "Ответы")
    await h.tap(volkova, "Ответы на №")
    await h.tap(volkova, f"Ответить: {person.full_name}")
    return parent, volkova, person.full_name


def answers_received(h: Harness, parent: int) -> list[str]:
    return [m["text"] for m in h.conversation(parent) if ANSWER in m["text"]]


async def test_an_answer_written_at_night_reaches_the_parent_in_the_morning_once(
    tmp_path: Path,
) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        parent, volkova, name = await answered_broadcast(h, "pa04")
        h.clock.set(local(2026, 11, 23, 22, 30))  # night in the school's (the parent's) zone
        h.replies(volkova)
        await h.say(volkova, ANSWER)
        told = [m["text"] for m in h.replies(volkova)]
        assert any(
            f"У получателя ({name}) сейчас время тишины" in t and "24.11.2026 08:00" in t
            for t in told
        ), told
        assert answers_received(h, parent) == []
        # Accepted: the answer is recorded and «Ответить» shows what she wrote.
        row = await h.services.db.fetchone(
            "SELECT id, answers, answer_text, answer_message_id FROM broadcast_replies"
        )
        assert row is not None and row["answers"] == 1 and row["answer_text"] == ANSWER
        assert row["answer_message_id"] is None
        h.clock.advance(timedelta(hours=2))
        await h.run_due()
        assert answers_received(h, parent) == []  # still night

        h.clock.set(local(2026, 11, 24, 8, 0))
        await h.run_due()
        assert len(answers_received(h, parent)) == 1
        message = await h.services.outbox.find(OUTBOX_KIND, f"{row['id']}:0")
        assert message is not None and message.sent and message.deferred
        # The VK message id is kept for the read marks once it went.
        kept = await h.services.db.fetchval(
            "SELECT answer_message_id FROM broadcast_replies WHERE id = ?", (row["id"],)
        )
        assert kept == message.message_id and kept is not None

        # Later runs and the same answer asked again (a retry) send nothing more.
        h.clock.advance(timedelta(hours=3))
        await h.run_due()
        again = await h.services.outbox.deliver(
            group_id=h.group_id,
            kind=OUTBOX_KIND,
            key=f"{row['id']}:0",
            text=ANSWER,
            person_id=await h.person_id("pa04"),
            on_behalf_of=await h.person_id("volkova"),
        )
        assert again.id == message.id
        await h.settle()
        assert len(answers_received(h, parent)) == 1


async def test_an_answer_written_by_day_goes_at_once(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        parent, volkova, name = await answered_broadcast(h, "pa05")
        h.clock.set(local(2026, 11, 23, 14, 0))
        h.replies(volkova)
        await h.say(volkova, ANSWER)
        assert any(f"Ответ отправлен: {name}" in m["text"] for m in h.replies(volkova))
        assert len(answers_received(h, parent)) == 1
        h.clock.set(local(2026, 11, 24, 8, 0))
        await h.run_due()
        assert len(answers_received(h, parent)) == 1
