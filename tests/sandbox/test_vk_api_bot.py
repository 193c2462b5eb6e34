"""A small bot written with vk_api (none of our code) runs end to end against the sandbox, beside
the vkbottle ones: Bots Long Poll at vk_api's default version 5.92 (and the newest), a reply with a
VkKeyboard, a callback button answered with a snackbar, messages.send to several peers of which one
fails, and VKScript through vk_api.execute.VkFunction.

vk_api is synchronous (requests): the bot runs in a thread (asyncio.to_thread) while the sandbox
serves on the test's loop. vk_api posts every call to the fixed https://api.vk.ru/method/; a
requests transport adapter mounted on its session sends those to the sandbox instead, changing
nothing in what vk_api sends. Its Bots Long Poll goes to the ``server`` groups.getLongPollServer
returns, the sandbox's own /whp/ address.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import requests
import vk_api
from requests.adapters import HTTPAdapter
from vk_api.bot_longpoll import VkBotEvent, VkBotEventType, VkBotLongPoll
from vk_api.execute import VkFunction
from vk_api.keyboard import VkKeyboard, VkKeyboardColor
from vk_api.utils import get_random_id

from sandbox.app import RunningSandbox
from sandbox.records import Community

from .conftest import Control

VK_API_ORIGIN = "https://api.vk.ru"  # where vk_api.VkApi.method posts
SNACKBAR = {"type": "show_snackbar", "text": "Уроки с 8:30"}


class ToSandbox(HTTPAdapter):
    """Sends vk_api's requests for VK's API host to the sandbox, path and body unchanged."""

    def __init__(self, origin: str) -> None:
        super().__init__()
        self.origin = origin

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        assert request.url is not None and request.url.startswith(VK_API_ORIGIN)
        request.url = self.origin + request.url.removeprefix(VK_API_ORIGIN)
        return super().send(request, *args, **kwargs)


def session_for(sandbox: RunningSandbox, token: str) -> vk_api.VkApi:
    vk = vk_api.VkApi(token=token)  # api_version: vk_api's default, 5.92
    vk.RPS_DELAY = 0  # vk_api paces itself with real sleeps; the sandbox's limit is tested apart
    vk.http.trust_env = False  # no proxy between the test and 127.0.0.1
    vk.http.mount(VK_API_ORIGIN + "/", ToSandbox(sandbox.url))
    return vk


class ScheduleBot:
    """The bot as a vk_api user writes one: greets with a keyboard, answers its callback button
    with a snackbar, and can send one announcement to several people."""

    def __init__(self, vk: vk_api.VkApi, group_id: int) -> None:
        self.vk = vk
        self.api = vk.get_api()
        self.group_id = group_id
        self.listening = threading.Event()
        self.stop = threading.Event()
        self.events: list[VkBotEvent] = []

    def keyboard(self) -> str:
        keyboard = VkKeyboard(inline=True)
        keyboard.add_callback_button(
            "Расписание", color=VkKeyboardColor.PRIMARY, payload={"cmd": "schedule"}
        )
        keyboard.add_button("Оценки", payload={"cmd": "grades"})
        return str(keyboard.get_keyboard())

    def serve(self) -> None:
        longpoll = VkBotLongPoll(self.vk, self.group_id, wait=1)
        longpoll.session.trust_env = False
        self.listening.set()
        while not self.stop.is_set():
            for event in longpoll.check():
                self.events.append(event)
                self.handle(event)

    def handle(self, event: VkBotEvent) -> None:
        if event.type == VkBotEventType.MESSAGE_NEW:
            # Before 5.103 the event's object is the message; from it, {message, client_info}.
            message = event.message if event.message is not None else event.obj
            [person] = self.api.users.get(user_ids=message.from_id)
            self.api.messages.send(
                peer_id=message.peer_id,
                random_id=get_random_id(),
                message=f"Здравствуйте, {person['first_name']}! Вы написали: {message.text}",
                keyboard=self.keyboard(),
            )
        elif event.type == VkBotEventType.MESSAGE_EVENT and event.obj.payload == {
            "cmd": "schedule"
        }:
            self.api.messages.sendMessageEventAnswer(
                event_id=event.obj.event_id,
                user_id=event.obj.user_id,
                peer_id=event.obj.peer_id,
                event_data=json.dumps(SNACKBAR),
            )

    def announce(self, peer_ids: list[int], text: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.api.messages.send(
            peer_ids=peer_ids, random_id=get_random_id(), message=text
        )
        return items


async def eventually(probe: Callable[[], Awaitable[Any]], within_s: float = 10) -> Any:
    """Poll a condition over real time (the bot runs in its thread); no fixed sleeps."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        result = await probe()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("events_version", ["5.92", "5.199"])
async def test_long_poll_bot_replies_with_a_keyboard_and_answers_its_button(
    sandbox: RunningSandbox, control: Control, community: Community, events_version: str
) -> None:
    vk = session_for(sandbox, community.access_token)
    # What a community admin sets in «Работа с API → Long Poll API»; the events come in this
    # version whatever version the bot's own calls name.
    settings = {
        "group_id": community.id,
        "enabled": 1,
        "api_version": events_version,
        "message_new": 1,
        "message_event": 1,
    }
    assert await asyncio.to_thread(vk.method, "groups.setLongPollSettings", settings) == 1
    bot = ScheduleBot(vk, community.id)
    serving = asyncio.create_task(asyncio.to_thread(bot.serve))
    try:

        async def listening() -> bool:
            # Events before the bot's first getLongPollServer are not its to see, as on VK.
            if serving.done():
                serving.result()  # the bot died: its error, not a timeout
            return bot.listening.is_set()

        await eventually(listening)
        person = await control.user("Пётр", "Иванов")
        await control.write(person, -community.id, "Привет")

        async def replied() -> Any:
            items = (await control.messages(person, -community.id))["items"]
            return items if len(items) >= 2 else None

        reply = (await eventually(replied))[1]
        assert reply["text"] == "Здравствуйте, Пётр! Вы написали: Привет"
        assert reply["keyboard"]["inline"] is True
        [row] = reply["keyboard"]["buttons"]
        assert [(b["action"]["type"], b["action"]["label"]) for b in row] == [
            ("callback", "Расписание"),
            ("text", "Оценки"),
        ]
        [new] = [e for e in bot.events if e.type == VkBotEventType.MESSAGE_NEW]
        assert new.raw["v"] == events_version
        if events_version == "5.92":
            assert new.message is None and new.obj.text == "Привет"  # the bare message
        else:
            assert new.message.text == "Привет" and new.client_info is not None

        pressed = await control.post(
            f"/users/{person}/events", {"peer_id": -community.id, "label": "Расписание"}, 201
        )

        async def answered() -> Any:
            body = await control.get(f"/users/{person}/events/{pressed['event_id']}")
            return body if body["answered"] else None

        assert (await eventually(answered))["event_data"] == SNACKBAR
        [event] = [e for e in bot.events if e.type == VkBotEventType.MESSAGE_EVENT]
        assert event.obj.user_id == person and event.obj.peer_id == person
        assert event.obj.event_id == pressed["event_id"]
    finally:
        bot.stop.set()
        await serving  # the loop sees stop within one long poll wait; re-raises a bot error


async def test_a_send_to_several_peers_reports_the_one_that_failed(
    sandbox: RunningSandbox, control: Control, community: Community, member: int
) -> None:
    stranger = await control.user("Нина", "Незнакомова")  # never wrote: messages not allowed
    bot = ScheduleBot(session_for(sandbox, community.access_token), community.id)
    items = await asyncio.to_thread(bot.announce, [member, stranger], "Собрание в 18:00")
    delivered, failed = items
    assert delivered["peer_id"] == member and delivered["message_id"] > 0
    assert "error" not in delivered
    assert failed["peer_id"] == stranger
    assert failed["error"]["code"] == 901
    assert "message_id" not in failed and "conversation_message_id" not in failed
    texts = [m["text"] for m in (await control.messages(member, -community.id))["items"]]
    assert texts[-1] == "Собрание в 18:00"
    assert (await control.messages(stranger, -community.id))["items"] == []


# VkFunction as vk_api's documentation writes it: %(name)s becomes the JSON of the argument.
next_id = VkFunction(args=("id",), code='return API.users.get({"user_ids": %(id)s})[0].id + 1;')


async def test_execute_with_arithmetic_through_vk_function(
    sandbox: RunningSandbox, community: Community, member: int
) -> None:
    vk = session_for(sandbox, community.access_token)
    assert await asyncio.to_thread(next_id, vk, member) == member + 1
    # execute's own parameters are Args; VK passes them as strings, as HTTP parameters are.
    code = "var a = 2; return a + parseInt(Args.x);"
    assert await asyncio.to_thread(vk.method, "execute", {"code": code, "x": 40}) == 42
