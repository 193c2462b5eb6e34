"""The desk's messages to a person wait for their working hours (core/outbox): an operator's
answer relayed to the teacher, the extension notice, the deadline reminder to the operator —
not sent at night, sent once in the morning, also across a restart; at once by day (counted on
the sandbox's side). The bot and the mini-app tell the operator when the teacher will get it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta
from pathlib import Path

from bots.rosobrnadzor_helper import plugin
from bots.rosobrnadzor_helper.appeals import Appeal
from bots.rosobrnadzor_helper.desk import QUIET_HOURS, Desk, desk_of
from bots.rosobrnadzor_helper.ui import T
from core.clock import ManualClock
from core.people import Identity
from core.runtime.services import Services
from sferum.testing import bot_harness
from tests.core.outbox.world import ZONE, World, local, vk_of, world
from tests.miniapp.conftest import browsers

from .conftest import RecordingSender
from .helpers import file_at_desk
from .test_miniapp_pages import csrf_of, serve

MONDAY_MORNING = local(2026, 11, 23, 10, 0)
MONDAY_EVENING = local(2026, 11, 23, 21, 0)  # after the teacher's working hours
TUESDAY_MORNING = local(2026, 11, 24, 8, 0)
ANSWER = "Нет, после выхода из отпуска — не ранее чем через год."


async def who(services: Services, key: str) -> Identity:
    return await services.people.identity(vk_of(key))


@asynccontextmanager
async def life(w: World) -> AsyncIterator[tuple[Services, Desk]]:
    """One life of the bot's process."""
    async with w.services([plugin]) as services:
        yield services, desk_of(services, T)


async def taken_appeal(w: World, services: Services, desk: Desk) -> Appeal:
    appeal, _ = await file_at_desk(desk, await who(services, "smirnova"), group_id=w.group_id)
    return await desk.store.take(appeal.id, await who(services, "morozova"))


def answers(w: World) -> list[str]:
    return [t for t in w.texts("smirnova") if ANSWER in t]


def notices(w: World) -> list[str]:
    return [t for t in w.texts("smirnova") if "продлён на 10 дней" in t]


def reminders(w: World) -> list[str]:
    return [t for t in w.texts("morozova") if "Напоминание" in t]


async def test_an_answer_at_night_reaches_the_teacher_in_the_morning_once(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY_MORNING) as w:
        async with life(w) as (services, desk):
            appeal = await taken_appeal(w, services, desk)
            w.clock.set(MONDAY_EVENING)
            _, relay = await desk.answer(appeal.id, await who(services, "morozova"), ANSWER)
            assert not relay.delivered and relay.reason == QUIET_HOURS
            assert relay.until == "24.11.2026 08:00"
            assert answers(w) == []
            kept = await desk.store.get(appeal.id)
            assert kept is not None and not kept.answer_delivered
            assert (await desk.store.history(appeal.id))[-1]["kind"] == "deferred"
        w.clock.set(TUESDAY_MORNING)
        async with life(w) as (services, desk):  # restarted in between
            assert await services.jobs.run_due() == 1
            [answer] = answers(w)
            assert "Елена Морозова" in answer
            delivered = await desk.store.get(appeal.id)
            assert delivered is not None and delivered.answer_delivered
            assert (await desk.store.history(appeal.id))[-1]["kind"] == "delivered"
            w.clock.advance(timedelta(hours=1))
            assert await services.jobs.run_due() == 0
        assert len(answers(w)) == 1


async def test_an_answer_by_day_goes_at_once(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY_MORNING) as w, life(w) as (services, desk):
        appeal = await taken_appeal(w, services, desk)
        _, relay = await desk.answer(appeal.id, await who(services, "morozova"), ANSWER)
        assert relay.delivered
        assert len(answers(w)) == 1


async def test_an_extension_at_night_is_told_in_the_morning_once(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY_MORNING) as w:
        async with life(w) as (services, desk):
            appeal = await taken_appeal(w, services, desk)
            w.clock.set(MONDAY_EVENING)
            _, told = await desk.extend(appeal.id, await who(services, "morozova"), 10)
            assert told.reason == QUIET_HOURS and told.until == "24.11.2026 08:00"
        assert notices(w) == []
        w.clock.set(TUESDAY_MORNING)
        async with life(w) as (services, _):
            await services.jobs.run_due()
            assert len(notices(w)) == 1
            await services.jobs.run_due()
        assert len(notices(w)) == 1


async def test_the_operators_reminder_on_a_sunday_waits_for_monday(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY_MORNING) as w:
        async with life(w) as (services, desk):
            appeal = await taken_appeal(w, services, desk)
            sunday = appeal.due_at - timedelta(days=3)
            assert sunday.astimezone(ZONE).isoweekday() == 7
            w.clock.set(sunday)
            assert await services.jobs.run_due() == 1
        assert reminders(w) == []
        monday = datetime.combine(sunday.astimezone(ZONE).date() + timedelta(days=1), time(8), ZONE)
        w.clock.set(monday - timedelta(minutes=1))
        async with life(w) as (services, _):  # restarted in between
            assert await services.jobs.run_due() == 0
            w.clock.set(monday)
            assert await services.jobs.run_due() == 1
            [reminder] = reminders(w)
            assert appeal.number in reminder and "через 2 дня" in reminder  # counted on Monday
            assert await services.jobs.run_due() == 0
        assert len(reminders(w)) == 1


async def test_the_operator_is_told_when_the_teacher_will_get_the_answer(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path, clock=ManualClock(MONDAY_MORNING)) as h:
        desk = desk_of(h.services, T)
        teacher = await h.services.people.identity(h.vk("smirnova"))
        appeal, _ = await file_at_desk(desk, teacher, group_id=h.group_id)
        operator = h.vk("morozova")
        await h.say(operator, "Взять в работу", {"rb": "op_take", "a": appeal.id})
        h.clock.set(MONDAY_EVENING)
        await h.tap(operator, "Ответить")
        await h.say(operator, ANSWER)
        h.replies(h.vk("smirnova"))
        await h.tap(operator, "Отправить")
        told = h.last_reply(operator)["text"]
        assert "нерабочее время" in told and "24.11.2026 08:00" in told
        assert h.replies(h.vk("smirnova")) == []
        h.clock.set(TUESDAY_MORNING)
        await h.run_due()
        [answer] = h.replies(h.vk("smirnova"))
        assert ANSWER in answer["text"]


async def test_the_miniapp_says_when_a_held_back_answer_will_reach_the_teacher(
    services: Services, desk: Desk, clock: ManualClock, sender: RecordingSender
) -> None:
    teacher = vk_of("smirnova")
    filed, _ = await file_at_desk(desk, await who(services, "smirnova"))
    card = f"/appeals/{filed.id}"
    server = await serve(services)
    try:
        clock.set(MONDAY_EVENING)
        async with browsers(server, clock) as launch:
            browser = await launch("morozova")
            token = await csrf_of(browser, card)
            response = await browser.post(card + "/answer", data={"csrf": token, "answer": ANSWER})
            page = await response.text()
        assert response.status == 200
        assert "нерабочее время" in page and "24.11.2026 08:00" in page
        assert sender.to(teacher) == []
        clock.set(TUESDAY_MORNING)
        await services.jobs.run_due()
        assert len(sender.to(teacher)) == 1
        async with browsers(server, clock) as launch:  # a new launch: the evening's has expired
            page = await (await (await launch("morozova")).get(card)).text()
        assert "ответ доставлен педагогу в VK" in page
    finally:
        await server.close()
