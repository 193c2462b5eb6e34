"""A bot written with vkbottle alone (none of our code), as a developer would before asking for
a token: the sandbox must serve it exactly as VK does.

The long poll and Callback API tests and the web chat's browser test talk to the same bot, so it
is written once; the browser test adds a row of buttons only a page can press.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from vkbottle import API, Bot, Callback, Keyboard, KeyboardButtonColor, Text
from vkbottle.bot import Message, MessageEvent
from vkbottle.callback import BotCallback
from vkbottle_types.events import GroupEventType


def plain_vkbottle_bot(
    api_url: str,
    token: str,
    *,
    snackbar: str,
    callback: BotCallback | None = None,
    more_buttons: Callable[[Keyboard, Message], object] | None = None,
) -> Bot:
    """Greets with an inline keyboard (a callback button answered with ``snackbar``, a text
    button answered with the grades); ``more_buttons`` fills a second row of that keyboard."""
    api = API(token)
    api.API_URL = api_url
    bot = Bot(api=api, callback=callback)

    @bot.on.message(payload={"cmd": "grades"})
    async def grades(message: Message) -> None:
        await message.answer("Оценки: 5, 5, 4")

    @bot.on.message()
    async def greet(message: Message) -> None:
        user = (await bot.api.users.get(user_ids=[message.from_id]))[0]
        keyboard = (
            Keyboard(inline=True)
            .add(
                Callback("Расписание", payload={"cmd": "schedule"}),
                color=KeyboardButtonColor.PRIMARY,
            )
            .add(Text("Оценки", payload={"cmd": "grades"}))
        )
        if more_buttons is not None:
            more_buttons(keyboard.row(), message)
        await message.answer(
            f"Здравствуйте, {user.first_name}! Вы написали: {message.text}",
            keyboard=keyboard.get_json(),
        )

    @bot.on.raw_event(GroupEventType.MESSAGE_EVENT, dataclass=MessageEvent)
    async def pressed(event: MessageEvent) -> None:
        assert event.payload == {"cmd": "schedule"}
        await bot.api.messages.send_message_event_answer(
            event_id=event.event_id,
            user_id=event.user_id,
            peer_id=event.peer_id,
            event_data=json.dumps({"type": "show_snackbar", "text": snackbar}),
        )

    return bot
