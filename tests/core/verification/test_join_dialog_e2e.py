"""The join-request dialog and the admin's callback decision, through the sandbox."""

from pathlib import Path

from vkbottle import GroupEventType
from vkbottle.bot import MessageEvent
from vkbottle.framework.labeler import BotLabeler

from core import keyboards
from core.people import RoleKind
from core.plugins.spec import Plugin
from core.texts import CORE_TEXTS
from sferum.testing import bot_harness

probe = BotLabeler()
pressed: list[dict[str, object]] = []


@probe.raw_event(GroupEventType.MESSAGE_EVENT, MessageEvent)
async def plugin_press(event: MessageEvent) -> None:
    pressed.append(dict(event.payload or {}))
    await event.show_snackbar("плагин получил нажатие")


PROBE = Plugin(name="probe", title="Проба", labelers=[probe], texts=CORE_TEXTS)


async def test_join_request_approved_by_admin_and_plugins_still_get_their_presses(
    tmp_path: Path,
) -> None:
    async with bot_harness([PROBE], tmp_path) as h:
        newcomer = 900_002
        h.sandbox.runtime.state.create_user("Миша", "Орлов", newcomer)
        await h.say(newcomer, "подтвердить роль")
        assert "Шаг 1 из 4" in h.last_reply(newcomer)["text"]
        await h.tap(newcomer, "СОШ № 112")
        await h.tap(newcomer, "Назад")  # back to the school list
        assert "Шаг 1 из 4" in h.last_reply(newcomer)["text"]
        await h.tap(newcomer, "СОШ № 112")
        await h.tap(newcomer, "Ученик")
        await h.tap(newcomer, "7Б")
        await h.say(newcomer, "Орлов Михаил")
        assert "Проверьте заявку" in h.last_reply(newcomer)["text"]
        await h.tap(newcomer, "Отправить заявку")
        assert "отправлена администратору" in h.last_reply(newcomer)["text"]

        admin = h.vk("orlov")
        notice = h.last_reply(admin)
        assert "Новая заявка" in notice["text"] and "Орлов" in notice["text"]
        # A teacher who is not an admin cannot decide.
        request_id = int(await h.services.db.fetchval("SELECT max(id) FROM join_requests"))
        await h.say(h.vk("kuznetsov"), "заявки")
        event = await h.press(admin, {"core": "join_decide", "id": request_id, "ok": 1})
        assert (await h.snackbar(admin, event))["text"] == "Решение сохранено"
        assert "одобрена" in h.last_reply(newcomer)["text"]
        assert (await h.services.identities.get(newcomer)).as_sender() == RoleKind.STUDENT

        await h.say(admin, "заявки")
        assert "Новых заявок нет" in h.conversation(admin)[-1]["text"]

        # Presses that are not core's reach the plugin.
        keyboard = keyboards.build([[("Проба", {"probe": 1})]], inline=True, callback=True)
        await h.community.api.messages.send(
            peer_id=admin, random_id=0, message="Нажмите", keyboard=keyboard
        )
        event = await h.press(admin, {"probe": 1})
        assert pressed == [{"probe": 1}]
        assert (await h.snackbar(admin, event))["text"] == "плагин получил нажатие"
