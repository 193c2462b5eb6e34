"""Core takes a recipient's answer to a broadcast before any plugin: in a community whose only
bot is the Rosobrnadzor helper (which answers whatever a parent types), the parent's answer still
reaches the broadcast's author, and the parent is told so: ``core.broadcast.answers.labeler`` is
among core's handlers."""

from __future__ import annotations

from pathlib import Path

from bots.rosobrnadzor_helper import plugin as helper
from core.broadcast import Audience
from sferum.testing import bot_harness

from .counsellor import counsellor_broadcast, group


async def test_an_answer_is_taken_whatever_bot_the_community_runs(tmp_path: Path) -> None:
    async with bot_harness([helper], tmp_path) as h:
        parents = Audience.group_parents(await group(h, "s112-9a"))
        broadcast_id = await counsellor_broadcast(
            h, parents, "Собрание в четверг в 18:00", title="Собрание", source="advisor_broadcast"
        )
        await h.run_due()
        parent = h.vk("pa04")
        await h.say(parent, "Спасибо, придём")
        replies = [m["text"] for m in h.replies(parent)][1:]  # after the broadcast itself
        assert len(replies) == 1 and "передан автору — Анна Волкова" in replies[0]
        row = await h.services.db.fetchone("SELECT broadcast_id, text FROM broadcast_replies")
        assert row is not None and (row["broadcast_id"], row["text"]) == (
            broadcast_id,
            "Спасибо, придём",
        )
        # A menu word typed right after the broadcast asks for the menu: never an answer.
        other = h.vk("pa05")
        await h.say(other, "Меню")
        assert await h.services.db.fetchval("SELECT count(*) FROM broadcast_replies") == 1
        assert "передан автору" not in h.last_reply(other)["text"]
