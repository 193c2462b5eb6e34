"""The counsellor's dialog through the sandbox, pressing the buttons a person would press."""

from pathlib import Path

from bots.advisor_broadcast import plugin
from sferum.testing import bot_harness

from .helpers import compose_to, send_now, taps


async def test_counsellor_composes_previews_and_sends_to_a_class(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        volkova = h.vk("volkova")
        await h.say(volkova, "меню")
        assert "Анна, здравствуйте" in h.last_reply(volkova)["text"]
        await h.tap(volkova, "Новая рассылка")
        assert "Кому отправить" in h.last_reply(volkova)["text"]
        await h.tap(volkova, "Ученики классов")
        await h.tap(volkova, "7Б")
        assert "выбрано: 7Б" in h.last_reply(volkova)["text"]
        await h.tap(volkova, "Готово")
        assert "Напишите текст" in h.last_reply(volkova)["text"]
        await h.tap(volkova, "Назад")  # Back returns to the class list, selection kept
        assert "выбрано: 7Б" in h.last_reply(volkova)["text"]
        await h.tap(volkova, "Готово")
        await h.say(volkova, "{{ first_name }}, в пятницу экскурсия в музей, {{ class_name }}!")
        preview = h.last_reply(volkova)["text"]
        assert "Так рассылку увидит получатель" in preview and ", 7Б!" in preview
        await h.tap(volkova, "Добавить кнопку-ссылку")
        await h.say(volkova, "Программа — https://school.example/museum")
        assert "«Программа» → https://school.example/museum" in h.last_reply(volkova)["text"]
        confirm = await send_now(h, volkova)
        assert "Получат: 4 человека" in confirm
        await h.tap(volkova, "Подтвердить")
        assert "Рассылка №" in h.last_reply(volkova)["text"]
        await h.run_due()
        student = h.conversation(h.vk("st04"))[-1]
        assert student["text"].endswith("в пятницу экскурсия в музей, 7Б!")
        assert "school.example/museum" in str(student["keyboard"])
        await h.tap(volkova, "Отчёты")
        assert "Доставлено 4 из 4" in h.last_reply(volkova)["text"]


async def test_weekly_schedule_and_cancel_from_the_list(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        volkova = await compose_to(h, "volkova", "Все родители")
        await h.say(volkova, "Родительское собрание в четверг в 18:00")
        await taps(h, volkova, "Дальше", "Каждую неделю", "Пн", "Чт")
        await h.say(volkova, "25:00")
        assert "хотя бы один день" in h.last_reply(volkova)["text"]
        await h.say(volkova, "17:30")
        assert "Пн, Чт в 17:30" in h.last_reply(volkova)["text"]
        await h.tap(volkova, "Подтвердить")
        assert "запланирована" in h.last_reply(volkova)["text"]
        await h.tap(volkova, "Запланированные")
        assert "повторяющаяся" in h.last_reply(volkova)["text"]
        await h.tap(volkova, "Отменить №")
        assert "Запланированных рассылок нет" in h.last_reply(volkova)["text"]


async def test_cancel_at_any_step_and_refusal_for_non_staff(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        volkova, student = await compose_to(h, "volkova", "Вся школа"), h.vk("st00")
        await h.tap(volkova, "Отмена")
        assert "отменено" in h.last_reply(volkova)["text"]
        assert (await h.services.dialogs.load(h.group_id, volkova)).step is None
        await h.say(student, "меню")
        assert "только подтверждённые сотрудники" in h.last_reply(student)["text"]
        await h.say(volkova, "{% if %}")  # outside a dialog nothing breaks
        assert await h.services.db.fetchval("SELECT count(*) FROM broadcasts") == 0


BOMBS = (
    # Bounded here so that code which ran it would fail, not hang: 9 million characters.
    "{% for a in range(3000) %}{% for b in range(3000) %}x{% endfor %}{% endfor %}",
    '{{ "x" * 10**7 }}',
    "{{ first_name.__class__.__mro__ }}",
    "{{ first_name | replace('а', first_name * 1000) }}",
)


async def test_a_template_bomb_is_refused_in_russian_at_once(tmp_path: Path) -> None:
    """A staff member's text cannot freeze the process: loops, arithmetic, attribute access and
    unlisted filters are refused when the text is written, with a Russian explanation, and the
    dialog goes on (the next, plain text is previewed)."""
    async with bot_harness([plugin], tmp_path) as h:
        volkova = await compose_to(h, "volkova", "Все родители")
        for bomb in BOMBS:
            await h.say(volkova, bomb)
            reply = h.last_reply(volkova)["text"]
            assert "В тексте рассылки" in reply, reply
            assert "Encountered" not in reply and "Traceback" not in reply
            assert "x" * 100 not in reply
        await h.say(volkova, "{{ first_name }}, собрание в четверг")
        assert "Так рассылку увидит получатель" in h.last_reply(volkova)["text"]
        assert await h.services.db.fetchval("SELECT count(*) FROM broadcasts") == 0
