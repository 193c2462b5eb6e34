"""The desk around appeals: posting to the operators' chat, reminders before the deadline on the
injected clock, relaying the answer as the operator under the communication policy, extensions,
closing unrated answers after 14 days."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bots.rosobrnadzor_helper.appeals import Status
from bots.rosobrnadzor_helper.desk import AUTO_CLOSE, REMIND, Desk
from core.clock import ManualClock
from core.policy import RULES, Decision, Outcome
from core.runtime.services import Services

from .conftest import RecordingSender, identity
from .helpers import file_at_desk


async def operators_peer(services: Services) -> int:
    return int(
        await services.db.fetchval(
            "SELECT peer_id FROM chats WHERE external_id = 'demo:chat-operators'"
        )
    )


async def vk(services: Services, key: str) -> int:
    person = (await identity(services, key)).person
    assert person is not None and person.vk_user_id is not None
    return person.vk_user_id


async def test_filing_posts_to_operators_chat_with_a_take_button(
    desk: Desk, services: Services, sender: RecordingSender
) -> None:
    appeal, posted = await file_at_desk(desk, await identity(services, "smirnova"))
    assert posted
    [post] = [m for m in sender.sent if m["peer_id"] == await operators_peer(services)]
    assert f"№ {appeal.number}" in post["text"] and "Смирнова" in post["text"]
    [[button]] = json.loads(post["keyboard"])["buttons"]
    assert button["action"]["payload"] == {"rb": "op_take", "a": appeal.id}
    jobs = {j["id"] for j in await services.jobs.jobs(REMIND)}
    assert jobs == {f"{REMIND}:{appeal.id}:3", f"{REMIND}:{appeal.id}:1"}


async def test_reminders_fire_3_and_1_days_before_the_deadline(
    desk: Desk, services: Services, sender: RecordingSender, clock: ManualClock
) -> None:
    appeal, _ = await file_at_desk(desk, await identity(services, "smirnova"))
    chat = await operators_peer(services)
    morozova = await vk(services, "morozova")
    clock.set(appeal.due_at - timedelta(days=3, minutes=1))
    assert await services.jobs.run_due() == 0
    # Nobody took it yet: the reminder goes to the operators' chat.
    clock.advance(timedelta(minutes=2))
    assert await services.jobs.run_due() == 1
    assert "через 3 дня" in sender.to(chat)[-1]
    # Taken: the next reminder goes to the operator who took it.
    await desk.store.take(appeal.id, await identity(services, "morozova"))
    clock.set(appeal.due_at - timedelta(days=1))
    assert await services.jobs.run_due() == 1
    assert "завтра" in sender.to(morozova)[-1] and appeal.number in sender.to(morozova)[-1]
    assert await services.jobs.run_due() == 0


async def test_reminder_falls_back_to_the_chat_and_skips_answered(
    desk: Desk, services: Services, sender: RecordingSender, clock: ManualClock
) -> None:
    operator = await identity(services, "morozova")
    appeal, _ = await file_at_desk(desk, await identity(services, "smirnova"), "other")
    await desk.store.take(appeal.id, operator)
    sender.refuse.add(await vk(services, "morozova"))  # the operator never wrote to the bot
    chat = await operators_peer(services)
    posted = len(sender.to(chat))
    # Three days before is a Sunday: the reminder waits for the operator's Monday 08:00, is
    # refused then, and goes to the chat with the days counted that morning.
    clock.set(appeal.due_at - timedelta(days=3))
    await services.jobs.run_due()
    assert len(sender.to(chat)) == posted
    zone = ZoneInfo("Asia/Novosibirsk")
    clock.set(
        datetime.combine(appeal.due_at.astimezone(zone).date() - timedelta(days=2), time(8), zone)
    )
    await services.jobs.run_due()
    assert "через 2 дня" in sender.to(chat)[-1]
    # Answered appeals cancel their reminders.
    other, _ = await file_at_desk(desk, await identity(services, "kuznetsov"), "other")
    await desk.answer(other.id, operator, "Ответ оператора")
    before = len(sender.sent)
    clock.set(other.due_at)
    await services.jobs.run_due()
    assert [m for m in sender.sent[before:] if other.number in m["text"]] == []


async def test_answer_is_relayed_as_the_operator_and_closes_after_14_days(
    desk: Desk, services: Services, sender: RecordingSender, clock: ManualClock
) -> None:
    appeal, _ = await file_at_desk(desk, await identity(services, "smirnova"), "documents")
    answered, relay = await desk.answer(
        appeal.id,
        await identity(services, "morozova"),
        "Нет, после выхода из отпуска — не ранее чем через год.",
    )
    assert relay.delivered
    [message] = sender.to(await vk(services, "smirnova"))
    assert "не ранее чем через год" in message
    rating = json.loads(sender.sent[-1]["keyboard"])["buttons"][0]
    assert [b["action"]["payload"]["r"] for b in rating] == [1, 2, 3, 4, 5]
    stored = await desk.store.get(appeal.id)
    assert stored is not None and stored.answer_delivered and stored.status == Status.ANSWERED
    clock.set(answered.answered_at + timedelta(days=14))  # type: ignore[operator]
    assert await services.jobs.run_due() == 1
    closed = await desk.store.get(appeal.id)
    assert closed is not None and closed.status == Status.CLOSED and closed.rating is None
    assert [j for j in await services.jobs.jobs(AUTO_CLOSE)] == []


async def test_answer_the_policy_does_not_allow_stays_in_the_bot(
    desk: Desk, services: Services, sender: RecordingSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    appeal, _ = await file_at_desk(desk, await identity(services, "smirnova"), "documents")
    asked: list[tuple[int, int]] = []

    async def request_only(sender_id: int, recipient_id: int, via: str = "id") -> Decision:
        asked.append((sender_id, recipient_id))
        return Decision(Outcome.REQUEST, RULES[0])

    monkeypatch.setattr(services.policy, "decide_pair", request_only)
    operator = await identity(services, "morozova")
    _, relay = await desk.answer(appeal.id, operator, "Ответ, который правила не пропустят")
    assert not relay.delivered and relay.reason == "policy:request"
    assert asked == [(operator.person.id, appeal.person_id)]  # judged as the operator
    assert sender.to(await vk(services, "smirnova")) == []
    kept = await desk.store.get(appeal.id)
    assert kept is not None and kept.answer and not kept.answer_delivered
    assert kept.status == Status.ANSWERED  # the teacher reads it in «Мои обращения»


async def test_extension_moves_reminders_and_tells_the_teacher(
    desk: Desk, services: Services, sender: RecordingSender, clock: ManualClock
) -> None:
    appeal, _ = await file_at_desk(desk, await identity(services, "smirnova"), "control")
    extended, told = await desk.extend(appeal.id, await identity(services, "morozova"), 20)
    assert told
    assert "продлён на 20 дней" in sender.to(await vk(services, "smirnova"))[-1]
    clock.set(appeal.due_at - timedelta(days=3))  # the old reminder time
    assert await services.jobs.run_due() == 0
    clock.set(extended.due_at - timedelta(days=3))
    assert await services.jobs.run_due() == 1
