"""One recipient whose text cannot be made fails alone: the others get exactly one message, the
broadcast ends, and its status counts that recipient by reason — whether the texts are made while
preparing (a fresh broadcast) or read back from the log (a resumed one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.broadcast import Audience
from core.broadcast.render import MAX_TEXT, Recipient, Renderer, TemplateError
from sferum.testing import Harness, bot_harness

from .counsellor import class_7b, counsellor_broadcast


def received(h: Harness, person_vk: int) -> list[str]:
    return [m["text"] for m in h.conversation(person_vk) if m["from_id"] == -h.group_id]


async def vk_of(h: Harness, person_id: int) -> int:
    person = await h.services.people.person(person_id)
    assert person is not None and person.vk_user_id is not None
    return person.vk_user_id


@pytest.mark.parametrize("resumed", [False, True], ids=["fresh", "resumed"])
async def test_a_name_that_breaks_the_text_fails_that_recipient_only(
    tmp_path: Path, resumed: bool
) -> None:
    async with bot_harness([], tmp_path) as h:
        group, students = await class_7b(h)
        broken = students[1]
        # A name from the journal long enough to push the text over the limit.
        await h.services.db.execute(
            "UPDATE persons SET first_name = ? WHERE id = ?", ("Я" * MAX_TEXT, broken)
        )
        broadcast_id = await counsellor_broadcast(
            h, Audience.groups(group), "Здравствуйте, {{ first_name }}! Завтра субботник."
        )
        if resumed:  # as after a crash: the texts are made from the log, not while preparing
            await h.services.db.execute(
                "UPDATE broadcasts SET started_at = created_at WHERE id = ?", (broadcast_id,)
            )
        await h.run_due()
        status = await h.services.broadcasts.status(broadcast_id)
        # Before: preparing (or the round reading the log) raised, and the broadcast stayed
        # «ожидает отправки» (or «отправляется») with nobody served.
        assert status.status == "done"
        assert status.total == len(students) and status.sent == len(students) - 1
        assert status.failed == 1 and status.reasons == {"template": 1}
        row = await h.services.db.fetchone(
            "SELECT state, reason FROM broadcast_deliveries WHERE broadcast_id = ? "
            "AND person_id = ?",
            (broadcast_id, broken),
        )
        assert row == {"state": "failed", "reason": "template"}
        for person_id in students:
            texts = received(h, await vk_of(h, person_id))
            assert len(texts) == (0 if person_id == broken else 1)


async def test_any_error_of_one_recipients_values_is_that_recipients_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with bot_harness([], tmp_path) as h:
        group, students = await class_7b(h)
        broken = students[0]
        render = Renderer.render

        def failing_for_one(self: Renderer, recipient: Recipient) -> str:
            if recipient.person_id == broken:
                raise TemplateError("не удалось")
            return render(self, recipient)

        monkeypatch.setattr(Renderer, "render", failing_for_one)
        broadcast_id = await counsellor_broadcast(h, Audience.groups(group), "Собрание")
        await h.run_due()
        status = await h.services.broadcasts.status(broadcast_id)
        assert status.status == "done" and status.reasons == {"template": 1}
        assert status.sent == len(students) - 1
        assert received(h, await vk_of(h, broken)) == []
