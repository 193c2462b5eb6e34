"""Core's read marks and replies against the sandbox: a look at VK's marks is bounded and goes on
where the last one stopped; a VK that refuses changes nothing; a recurring broadcast's runs are
reported, and answered, under the recurring broadcast."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from core.broadcast import Audience, reads
from core.broadcast.reads import ReadMarks
from core.broadcast.replies import BroadcastReplies
from core.scheduling import Weekly
from core.vk.batch_sender import BatchSender
from sferum.testing import Harness, bot_harness

from .counsellor import counsellor_broadcast, group

PARENTS = ("pa04", "pa05", "pa06", "pa07")  # of 9А and 11А


async def parents_broadcast(h: Harness, **extra: object) -> int:
    parents = Audience.group_parents(await group(h, "s112-9a"), await group(h, "s112-11a"))
    broadcast_id = await counsellor_broadcast(
        h, parents, "Собрание в четверг", title="Собрание", source="advisor_broadcast", **extra
    )
    await h.run_due()
    return broadcast_id


def read_everything(h: Harness, *keys: str) -> None:
    state = h.sandbox.runtime.state
    for key in keys:
        conv = state.conversation_for(h.vk(key), -h.group_id)
        assert conv is not None
        state.mark_read(conv, h.vk(key))


async def read_count(h: Harness) -> int:
    return int(
        await h.services.db.fetchval(
            "SELECT count(*) FROM broadcast_deliveries WHERE read_at IS NOT NULL"
        )
    )


async def test_a_look_is_bounded_and_the_next_goes_on_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reads, "MAX_PER_LOOK", 2)
    async with bot_harness([], tmp_path) as h:
        broadcast_id = await parents_broadcast(h)
        read_everything(h, *PARENTS)
        marks = ReadMarks(h.services.db, h.clock)
        sender = h.services.broadcasts.sender(h.group_id)
        assert await marks.refresh(broadcast_id, sender) == 2
        assert await marks.refresh(broadcast_id, sender) == 0  # within a minute: not asked
        assert await marks.refresh(broadcast_id, sender, force=True) == 2
        assert await read_count(h) == 4
        assert await marks.refresh(broadcast_id, sender, force=True) == 0
        cursor = await h.services.db.fetchval(
            "SELECT after_person_id FROM broadcast_read_checks WHERE broadcast_id = ?",
            (broadcast_id,),
        )
        assert cursor == 0  # a short look reached the end: the next starts over


async def test_a_vk_that_refuses_changes_nothing(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        broadcast_id = await parents_broadcast(h)
        read_everything(h, "pa04")
        state = h.sandbox.runtime.state
        narrow = state.add_community_token(state.communities[h.group_id], 0)  # no messages right
        refusing = BatchSender(narrow, h.sandbox.api_url, 1000)
        marks = ReadMarks(h.services.db, h.clock)
        try:
            assert await marks.refresh(broadcast_id, refusing) == 0
        finally:
            await refusing.close()
        assert await read_count(h) == 0
        # Nothing was recorded as looked at: the next look asks again at once.
        assert await marks.refresh(broadcast_id, h.services.broadcasts.sender(h.group_id)) == 1


async def test_a_recurring_broadcast_is_reported_and_answered_as_one(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        weekly = Weekly((1,), time(11, 0), "Asia/Novosibirsk")  # Mondays 11:00
        parent_id = await parents_broadcast(h, schedule=weekly)
        h.clock.advance(timedelta(hours=1, minutes=1))
        await h.run_due()
        run_id = await h.services.db.fetchval(
            "SELECT id FROM broadcasts WHERE parent_id = ?", (parent_id,)
        )
        assert run_id is not None
        read_everything(h, "pa04", "pa06")
        engine = h.services.broadcasts
        assert await reads.look(engine, parent_id)
        lines = await ReadMarks(h.services.db, h.clock).groups(parent_id)
        assert [(line.name, line.delivered, line.read) for line in lines] == [
            ("9А", 2, 1),
            ("11А", 2, 1),
        ]
        store = BroadcastReplies(h.services.db, h.clock)
        delivered = await h.services.db.fetchval(
            "SELECT message_id FROM broadcast_deliveries WHERE broadcast_id = ? AND person_id = ?",
            (run_id, await h.person_id("pa05")),
        )
        pa05 = await h.person_id("pa05")
        target = await store.target_of(h.group_id, pa05, [int(delivered)], implicit=True)
        assert target is not None and target.broadcast_id == parent_id
        assert target.title == "Собрание"
        reply = await store.record(
            target, person_id=pa05, group_id=h.group_id, peer_id=h.vk("pa05"),
            vk_message_id=1, cmid=7, how="after", text="Придём",
        )  # fmt: skip
        again = await store.record(
            target, person_id=pa05, group_id=h.group_id, peer_id=h.vk("pa05"),
            vk_message_id=1, cmid=7, how="after", text="Придём",
        )  # fmt: skip
        assert again == reply  # a redelivered event is kept once
        summaries, total = await store.summaries(await h.person_id("volkova"))
        assert total == 1 and [(s.broadcast_id, s.replies) for s in summaries] == [(parent_id, 1)]
        # Another community's delivery, or a message id that is not the broadcast, is no answer.
        assert await store.target_of(h.group_id + 1, pa05, [int(delivered)]) is None
        assert await store.target_of(h.group_id, pa05, [int(delivered) + 10_000]) is None
