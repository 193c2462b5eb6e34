"""core/outbox through a sandbox VK: a message held back by the recipient's quiet hours goes when
they end, exactly once, also across a restart; during the day it goes at once; where a person is
the sender the policy judges the pair when asked and again when a held-back message goes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from core.clock import ManualClock
from core.outbox import JOB, OutboxMessage, State
from core.outbox.service import LEASE, MAX_ATTEMPTS, RETRY_AFTER
from core.people import RoleKind
from core.runtime.services import Services

from .world import (
    MONDAY_NIGHT,
    TUESDAY_MORNING,
    TUESDAY_NOON,
    local,
    person_id,
    vk_of,
    world,
)

TEXT = "Напоминание: завтра контрольная по алгебре."


async def remind(
    services: Services,
    group_id: int,
    recipient: str = "st04",
    *,
    key: str = "one",
    on_behalf_of: int | None = None,
) -> OutboxMessage:
    """One message of a test kind to a demo person."""
    return await services.outbox.deliver(
        group_id=group_id,
        kind="test.reminder",
        key=key,
        text=TEXT,
        person_id=await person_id(services, recipient),
        on_behalf_of=on_behalf_of,
    )


async def test_at_night_a_student_gets_it_in_the_morning_exactly_once(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY_NIGHT) as w, w.services() as services:
        message = await remind(services, w.group_id)
        assert message.state == State.PENDING and message.deferred
        assert message.waiting_until == TUESDAY_MORNING
        assert w.texts("st04") == []
        w.clock.set(TUESDAY_MORNING - timedelta(minutes=1))
        assert await services.jobs.run_due() == 0
        assert w.texts("st04") == []
        w.clock.set(TUESDAY_MORNING)
        assert await services.jobs.run_due() == 1
        assert w.texts("st04") == [TEXT]
        # Nothing left to fire, and asking again for the same message sends nothing.
        w.clock.advance(LEASE * 3)
        assert await services.jobs.run_due() == 0
        again = await remind(services, w.group_id)
        assert again.id == message.id and again.sent
        assert w.texts("st04") == [TEXT]


async def test_during_the_day_it_goes_at_once(tmp_path: Path) -> None:
    async with world(tmp_path, TUESDAY_NOON) as w, w.services() as services:
        message = await remind(services, w.group_id)
        assert message.sent and not message.deferred and message.message_id
        assert w.texts("st04") == [TEXT]
        # The safety net of a message sent at once is gone with its answer.
        assert await services.jobs.jobs(JOB) == []
        w.clock.advance(LEASE * 2)
        assert await services.jobs.run_due() == 0
        assert w.texts("st04") == [TEXT]


async def test_a_restart_between_night_and_morning_still_delivers_once(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY_NIGHT) as w:
        async with w.services() as before:
            held = await remind(before, w.group_id)
            assert held.state == State.PENDING
        w.clock.set(TUESDAY_MORNING + timedelta(minutes=5))
        async with w.services() as after:
            assert await after.jobs.run_due() == 1
            assert w.texts("st04") == [TEXT]
            assert (await after.outbox.get(held.id)).sent
            assert await after.jobs.run_due() == 0
        async with w.services() as third:  # and once more: nothing is sent again
            w.clock.advance(timedelta(hours=2))
            assert await third.jobs.run_due() == 0
            assert (await remind(third, w.group_id)).sent
        assert w.texts("st04") == [TEXT]


async def test_a_process_dying_between_send_and_record_does_not_deliver_twice(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, MONDAY_NIGHT) as w:
        async with w.services() as before:
            held = await remind(before, w.group_id)
            w.clock.set(TUESDAY_MORNING)
            # The job's attempt as far as VK's answer, then the process is killed: the row is
            # still claimed, the message is in the chat.
            assert await before.outbox._claim(held.id)
            row = await before.db.fetchone(
                "SELECT text, random_id FROM outbox_messages WHERE id = ?", (held.id,)
            )
            assert row is not None
            sent = await before.broadcasts.sender(w.group_id).send_one(
                vk_of("st04"), row["text"], row["random_id"]
            )
            assert sent.ok
        async with w.services() as after:
            assert await after.jobs.run_due() == 1  # the morning's fire: the claim still holds
            assert (await after.outbox.get(held.id)).state == State.SENDING
            w.clock.advance(LEASE)
            assert await after.jobs.run_due() == 1  # the lease ran out: sent again...
            assert (await after.outbox.get(held.id)).sent
        assert w.texts("st04") == [TEXT]  # ...with the same random_id, which VK drops


async def test_staff_wait_for_their_working_hours_over_the_weekend(tmp_path: Path) -> None:
    friday_evening = local(2026, 11, 27, 20, 30)
    monday = local(2026, 11, 30, 8, 0)
    async with world(tmp_path, friday_evening) as w, w.services() as services:
        held = await remind(services, w.group_id, "smirnova")
        assert held.waiting_until == monday
        w.clock.set(local(2026, 11, 28, 12, 0))  # Saturday noon: a student would get it now
        assert await services.jobs.run_due() == 0
        w.clock.set(monday)
        assert await services.jobs.run_due() == 1
        assert w.texts("smirnova") == [TEXT]


async def test_on_a_persons_behalf_the_policy_decides_now_and_again_when_it_goes(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, MONDAY_NIGHT) as w, w.services() as services:
        settled: list[OutboxMessage] = []

        async def record(message: OutboxMessage) -> None:
            settled.append(message)

        services.outbox.on_settled("test.reminder", record)
        # A parent may not write first to another family's child: never sent, nor held back.
        refused = await remind(
            services, w.group_id, on_behalf_of=await person_id(services, "pa00"), key="a"
        )
        assert refused.state == State.SKIPPED and refused.reason
        assert refused.reason.startswith("policy:request")
        # A teacher may: held back for the night...
        teacher = await person_id(services, "smirnova")
        held = await remind(services, w.group_id, on_behalf_of=teacher, key="b")
        assert held.state == State.PENDING
        # ...but by the morning she no longer works at the school.
        for role in await services.people.active_roles(teacher):
            if role.role == RoleKind.STAFF:
                await services.people.revoke_role(role.id, by_person_id=None, reason="уволилась")
        w.clock.set(TUESDAY_MORNING)
        assert await services.jobs.run_due() == 1
        gone = await services.outbox.get(held.id)
        assert gone.state == State.SKIPPED and gone.reason and gone.reason.startswith("policy:")
        assert [m.id for m in settled] == [held.id]
        assert w.texts("st04") == []


async def test_a_refusal_by_vk_is_final_and_a_missing_sender_is_retried(tmp_path: Path) -> None:
    async with world(tmp_path, TUESDAY_NOON) as w, w.services() as services:
        state = w.sandbox.runtime.state
        state.set_allowed(w.community, vk_of("st05"), False)
        refused = await remind(services, w.group_id, "st05")
        assert refused.state == State.FAILED and refused.reason == "not_allowed"
        assert await services.jobs.jobs(JOB) == []

        # A community not connected yet (a job that fires before the community starts).
        other = state.create_community("Вторая школа")
        state.set_allowed(other, vk_of("st04"), True)
        waiting = await remind(services, other.id, key="two")
        assert waiting.state == State.PENDING and waiting.reason == "no_sender"
        services.broadcasts.connect(other.id, other.access_token, w.sandbox.api_url)
        w.clock.advance(RETRY_AFTER)
        assert await services.jobs.run_due() == 1
        assert (await services.outbox.get(waiting.id)).sent
        conv = state.conversation_for(vk_of("st04"), -other.id)
        assert conv is not None and [m.text for m in conv.messages] == [TEXT]


async def test_retries_end_after_max_attempts(tmp_path: Path) -> None:
    async with world(tmp_path, TUESDAY_NOON) as w, w.services() as services:
        message = await remind(services, 999_999)  # a community that never connects
        for _ in range(MAX_ATTEMPTS * 2):
            w.clock.advance(RETRY_AFTER * MAX_ATTEMPTS)
            await services.jobs.run_due()
        final = await services.outbox.get(message.id)
        assert final.state == State.FAILED and final.attempts == MAX_ATTEMPTS
        assert await services.jobs.jobs(JOB) == []


async def test_files_held_back_with_the_text_go_with_it(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY_NIGHT) as w, w.services() as services:
        held = await services.outbox.deliver(
            group_id=w.group_id,
            kind="test.reminder",
            key="files",
            text=TEXT,
            attachment="doc-1_2",
            person_id=await person_id(services, "st04"),
        )
        assert held.state == State.PENDING
        w.clock.set(TUESDAY_MORNING)
        assert await services.jobs.run_due() == 1
        conv = w.sandbox.runtime.state.conversation_for(vk_of("st04"), -w.group_id)
        assert conv is not None
        [message] = [m for m in conv.messages if m.from_id == -w.group_id]
        assert message.text == TEXT
        assert [a["type"] for a in message.attachments or []] == ["doc"]


class TickingClock(ManualClock):
    """Moves a microsecond at every reading, as a real clock does between two readings."""

    def now(self) -> datetime:
        return self.advance(timedelta(microseconds=1))


async def test_by_day_it_goes_at_once_on_a_clock_that_moves_between_readings(
    tmp_path: Path,
) -> None:
    # The outbox once read the clock twice and took the later reading for quiet hours: on a
    # real clock every message to a person was held back, again and again, and never sent.
    async with world(tmp_path, TUESDAY_NOON, TickingClock) as w, w.services() as services:
        message = await remind(services, w.group_id)
        assert message.state == State.SENT and not message.deferred
        assert w.texts("st04") == [TEXT]
