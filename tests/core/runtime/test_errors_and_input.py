"""Bad input and failing handlers: a polite Russian reply, never silence, never a crash."""

from pathlib import Path

from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.plugins import Plugin
from core.rules import Command
from core.runtime.context import Ctx
from core.texts import CORE_TEXTS
from sferum.testing import bot_harness

broken = BotLabeler()


@broken.message(Command("boom"))
async def boom(message: MessageMin, cx: Ctx) -> None:
    raise RuntimeError("a bug in a plugin")


@broken.message(Command("ok"))
async def ok(message: MessageMin, cx: Ctx) -> None:
    await message.answer(f"роль: {cx.identity.as_sender().value}")


BROKEN = Plugin(name="broken", title="Сломанный", labelers=[broken], texts=CORE_TEXTS)


async def test_a_failing_handler_answers_in_russian_and_the_bot_goes_on(tmp_path: Path) -> None:
    async with bot_harness([BROKEN], tmp_path) as h:
        teacher = h.vk("smirnova")
        await h.say(teacher, "boom")
        assert "что-то пошло не так" in h.last_reply(teacher)["text"]
        await h.say(teacher, "ok")
        assert h.last_reply(teacher)["text"] == "роль: staff"
        assert h.community.errors.handled == 1


async def test_malformed_payloads_get_a_polite_reply(tmp_path: Path) -> None:
    async with bot_harness([BROKEN], tmp_path) as h:
        student = h.vk("st00")
        for raw in ("[1, 2, 3]", '[{"cmd": "ok"}]'):  # VK checks JSON, not its shape
            await h._post(
                f"/users/{student}/messages", {"peer_id": -h.group_id, "text": "x", "payload": raw}
            )
            await h.settle()
            assert "Не удалось разобрать нажатие кнопки" in h.last_reply(student)["text"]
        await h.say(student, "ok")
        assert h.last_reply(student)["text"] == "роль: student"


async def test_unknown_user_is_none_and_activity_is_recorded(tmp_path: Path) -> None:
    async with bot_harness([BROKEN], tmp_path) as h:
        stranger = 900_555
        h.sandbox.runtime.state.create_user("Неизвестный", "Человек", stranger)
        await h.say(stranger, "ok")
        assert h.last_reply(stranger)["text"] == "роль: none"
        await h.services.activity.flush()
        kinds = await h.services.db.fetchall(
            "SELECT kind, person_id FROM activity_events WHERE vk_user_id = ?", (stranger,)
        )
        assert kinds == [{"kind": "message_to_bot", "person_id": None}]


async def test_a_code_shaped_answer_inside_a_plugin_dialog_reaches_the_plugin(
    tmp_path: Path,
) -> None:
    async with bot_harness([BROKEN], tmp_path) as h:
        student = h.vk("st00")
        dialog = await h.services.dialogs.load(h.group_id, student)
        await h.services.dialogs.save(dialog, "trainer.answer")
        await h.say(student, "12345678")
        assert (
            "Код не найден" not in h.conversation(student)[-1]["text"]
            if h.conversation(student)
            else True
        )
        # (The demo's own redeemed journal codes are attempts of other people.)
        tried = await h.services.db.fetchval(
            "SELECT count(*) FROM verification_attempts WHERE vk_user_id = ?", (student,)
        )
        assert tried == 0
        await h.services.dialogs.clear(dialog)
        await h.say(student, "12345678")
        assert "Код не найден" in h.last_reply(student)["text"]
