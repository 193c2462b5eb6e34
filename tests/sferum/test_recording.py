"""The recording harness: the production routing and middleware on a recording VK, in-process."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel

from bots.advisor_broadcast import plugin as advisor
from core.bot import (
    Command,
    Ctx,
    GroupEventType,
    Message,
    MessageEvent,
    Payload,
    Pressed,
    PrivateChat,
    Router,
    Texts,
    keyboards,
)
from core.plugins import Plugin, ScheduledJob
from core.runtime.services import Services
from core.scheduling.queue import Job
from sferum.recording import ApiRequest, HandlerFailed, RecordingBot, recording_bot

SMIRNOVA = 100001  # the demo teacher Ирина Смирнова (core/demo/district.py)


class Hit(Payload, key="rt", action="hit"):
    n: int = 0


class Ring(Payload, key="rt", action="ring"):
    pass


class Greeting(BaseModel):
    word: str = "Привет"


TEMPLATES = {
    "pong.j2": "{{ word }}, {{ name }}!",
    "hit.j2": "Удар № {{ n }}",
    "ring.j2": "Дзынь",
    "reminder.j2": "Напоминание",
    "labels.j2": "{% block hit %}Ударить{% endblock %}",
}


def recorder_plugin(folder: Path) -> Plugin:
    """A core-only plugin: a command, a typed payload by message and by callback, a job."""
    folder.mkdir(exist_ok=True)
    for name, text in TEMPLATES.items():
        (folder / name).write_text(text, encoding="utf-8")
    texts = Texts(folder)
    router = Router()

    @router.message(PrivateChat() & Command("ping", "пинг"))
    async def ping(message: Message, cx: Ctx) -> None:
        [user] = await cx.api.users.get(user_ids=[message.from_id])
        word = cx.services.settings_for(Greeting).word
        keyboard = keyboards.build([[(texts.label("hit"), Hit(n=1).pack())]], inline=True)
        await message.answer(
            texts.render("pong.j2", word=word, name=user.first_name), keyboard=keyboard
        )

    @router.message(PrivateChat() & Pressed(Hit))
    async def hit(message: Message, cx: Ctx, payload: Hit) -> None:
        await message.answer(texts.render("hit.j2", n=payload.n))

    @router.raw_event(GroupEventType.MESSAGE_EVENT, MessageEvent, Pressed(Ring))
    async def ring(event: MessageEvent, cx: Ctx) -> None:
        await event.show_snackbar(texts.render("ring.j2"))

    async def remind(services: Services, job: Job) -> None:
        person = await services.people.person_by_vk(SMIRNOVA)
        assert person is not None
        await services.outbox.deliver(
            group_id=1,
            kind="recorder.remind",
            key=job.due.date().isoformat(),
            text=texts.render("reminder.j2"),
            person_id=person.id,
        )

    return Plugin(
        name="recorder",
        title="Проверка записи",
        labelers=[router],
        texts=texts,
        payload_keys=("rt",),
        settings_model=Greeting,
        jobs=[ScheduledJob("remind", "0 12 * * *", remind, timezone="Asia/Novosibirsk")],
    )


@pytest.fixture
def plugin(tmp_path: Path) -> Plugin:
    return recorder_plugin(tmp_path / "templates")


def sends(bot: RecordingBot) -> list[ApiRequest]:
    return bot.calls("messages.send")


async def test_a_command_is_answered_with_the_recorded_calls(plugin: Plugin) -> None:
    async with recording_bot([plugin]) as bot:
        teacher = bot.vk("smirnova")
        await bot.say(teacher, "пинг")
        users, send = bot.requests
        assert users == ApiRequest("users.get", {"user_ids": str(teacher)})
        assert send.method == "messages.send"
        assert send.params["peer_ids"] == str(teacher)
        assert send.params["message"] == "Привет, Ирина!"
        reply = bot.last_reply(teacher)
        assert reply.text == bot.last_text(teacher) == "Привет, Ирина!"
        assert reply.inline and reply.labels == ["Ударить"]
        assert reply.payloads == [{"rt": "hit", "n": 1}]


async def test_a_typed_payload_reaches_its_handler_parsed(plugin: Plugin) -> None:
    async with recording_bot([plugin]) as bot:
        teacher = bot.vk("smirnova")
        await bot.say(teacher, "пинг")
        await bot.tap(teacher, "Ударить")
        await bot.say(teacher, "Ударить", Hit(n=7))
        assert [m.text for m in bot.sent_to(teacher)] == ["Привет, Ирина!", "Удар № 1", "Удар № 7"]
        assert [m.text for m in bot.replies(teacher)][-1] == "Удар № 7"
        assert bot.replies(teacher) == []
        with pytest.raises(ValueError, match="label"):
            await bot.say(teacher, "", Hit(n=8))


async def test_a_callback_press_answers_with_a_snackbar(plugin: Plugin) -> None:
    async with recording_bot([plugin]) as bot:
        student = bot.vk("st00")
        event_id = await bot.press(student, Ring())
        [answer] = bot.requests
        assert answer.method == "messages.sendMessageEventAnswer"
        assert answer.params["event_id"] == event_id
        assert answer.params["user_id"] == str(student)
        assert json.loads(answer.params["event_data"]) == {"type": "show_snackbar", "text": "Дзынь"}
        assert bot.last_snackbar(student) == "Дзынь"


async def test_settings_come_from_the_bots_table_and_the_given_environment(
    plugin: Plugin,
) -> None:
    tables = {"recorder": {"word": "Здравствуйте"}}
    async with recording_bot([plugin], plugin_settings=tables) as bot:
        await bot.say(bot.vk("smirnova"), "пинг")
        assert bot.last_text(bot.vk("smirnova")) == "Здравствуйте, Ирина!"
    environ = {"SFERUM_RECORDER_WORD": "Добрый день"}
    async with recording_bot([plugin], plugin_settings=tables, environ=environ) as bot:
        await bot.say(bot.vk("smirnova"), "пинг")
        assert bot.last_text(bot.vk("smirnova")) == "Добрый день, Ирина!"


async def test_queued_answers_and_errors(plugin: Plugin) -> None:
    async with recording_bot([plugin]) as bot:
        teacher = bot.vk("smirnova")
        bot.vk_api.respond(
            "users.get",
            [{"id": teacher, "first_name": "Ира", "last_name": "С", "is_closed": False}],
        )
        await bot.say(teacher, "пинг")
        assert bot.last_text(teacher) == "Привет, Ира!"
        # VK refuses the reply (the person blocked the community): the handler fails, the test
        # hears of it, and core's apology is the next messages.send.
        bot.vk_api.fail("messages.send", 901, "Can't send messages for users without permission")
        with pytest.raises(HandlerFailed, match="901"):
            await bot.say(teacher, "пинг")
        refused, apology = sends(bot)[-2:]
        assert refused.params["message"] == "Привет, Ирина!"
        assert "Привет" not in apology.params["message"]
        assert bot.last_text(teacher) == apology.params["message"]


async def test_a_method_the_fake_does_not_know_fails_the_handler_by_name(tmp_path: Path) -> None:
    texts_folder = tmp_path / "t"
    texts_folder.mkdir()
    router = Router()

    @router.message(Command("фото"))
    async def photo(message: Message, cx: Ctx) -> None:
        await cx.api.photos.get_messages_upload_server(peer_id=message.peer_id)

    odd = Plugin(name="odd", title="Странный", labelers=[router], texts=Texts(texts_folder))
    async with recording_bot([odd], demo=False) as bot:
        with pytest.raises(HandlerFailed, match=r"photos\.getMessagesUploadServer"):
            await bot.say(5, "фото")
        await bot.say(5, "фото", check=False)  # a test of the apology itself may look at it
        assert bot.last_text(5)


async def test_a_job_sends_through_the_outbox_on_the_recording_vk(plugin: Plugin) -> None:
    async with recording_bot([plugin]) as bot:
        assert await bot.run_due() == 0
        bot.clock.advance(timedelta(hours=2, minutes=1))  # 12:01 in Novosibirsk
        assert await bot.run_due() >= 1
        [sent] = bot.sent_to(SMIRNOVA)
        assert sent.text == "Напоминание"
        assert sends(bot)[-1].params["peer_id"] == str(SMIRNOVA)


async def test_advisor_broadcast_refuses_a_student_and_shows_staff_the_menu() -> None:
    async with recording_bot([advisor]) as bot:
        student, counsellor = bot.vk("st00"), bot.vk("volkova")
        await bot.say(student, "меню")
        [refusal] = bot.requests
        assert refusal == ApiRequest(
            "messages.send",
            {
                "random_id": "0",
                "peer_ids": str(student),
                "message": advisor.texts.render("menu.j2", refused=True),
            },
        )
        assert bot.buttons(student) == []
        await bot.say(counsellor, "меню")
        assert bot.last_text(counsellor) == advisor.texts.render(
            "menu.j2", refused=False, first_name="Анна"
        )
        assert advisor.texts.label("new") in bot.labels(counsellor)
