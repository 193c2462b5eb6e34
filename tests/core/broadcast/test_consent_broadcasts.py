"""Broadcasts nobody wrote (a digest people subscribed to): no author, a named consent, only the
listed persons, no policy, students' night hours kept, staff working hours not applied."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.broadcast import Audience, BroadcastSpec
from sferum.testing import Harness, bot_harness

FRIDAY_LATE = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # Friday 22:30 in Novosibirsk


def _texts(h: Harness, key: str) -> list[str]:
    return [m["text"] for m in h.conversation(h.vk(key)) if m["from_id"] == -h.group_id]


def test_no_author_needs_a_consent_and_a_list_of_persons() -> None:
    with pytest.raises(ValueError, match="consent"):
        BroadcastSpec(None, 1, Audience.persons(1), "x")
    with pytest.raises(ValueError, match="listed persons"):
        BroadcastSpec(None, 1, Audience.organisation(1), "x", consent="subscription")


async def test_subscription_broadcast_reaches_exactly_its_subscribers(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        h.clock.set(FRIDAY_LATE)
        keys = ("st00", "smirnova", "pa00", "guest-minor", "pa11")
        subscribers = [await h.person_id(k) for k in keys]
        broadcast_id = await h.services.broadcasts.create(
            BroadcastSpec(
                None,
                h.group_id,
                Audience.persons(*subscribers),
                "{{ first_name }}, подборка: {{ events }}",
                title="Подборка",
                values={"events": "1. Концерт {{ не шаблон }}"},
                source="pushkin_card",
                consent="subscription",
            )
        )
        await h.run_due()
        status = await h.services.broadcasts.status(broadcast_id)
        assert status.author_person_id is None
        # Nobody judged by the policy; the journal-only parent has no VK account.
        assert status.reasons == {"no_vk_account": 1, "quiet_hours": 1}
        # The teacher asked for it: her working hours do not hold it back.
        teacher = await h.services.people.person(await h.person_id("smirnova"))
        assert teacher is not None
        assert _texts(h, "smirnova") == [
            f"{teacher.first_name}, подборка: 1. Концерт {{{{ не шаблон }}}}"
        ]
        assert _texts(h, "pa00") and _texts(h, "guest-minor")
        # The student gets it in the morning, once.
        assert _texts(h, "st00") == []
        h.clock.set(datetime(2026, 11, 28, 1, 5, tzinfo=UTC))  # Saturday 08:05
        await h.run_due()
        assert len(_texts(h, "st00")) == 1
        # Someone not subscribed gets nothing.
        assert _texts(h, "st01") == []
        final = await h.services.broadcasts.status(broadcast_id)
        assert final.status == "done" and final.sent == 4
