"""The operators' queue with more appeals than a keyboard holds: pages with «Ещё», every appeal
reachable, and a search by number or words, through the sandbox."""

from __future__ import annotations

from pathlib import Path

from bots.rosobrnadzor_helper import plugin
from bots.rosobrnadzor_helper.appeals import Status, list_queue
from bots.rosobrnadzor_helper.desk import desk_of
from bots.rosobrnadzor_helper.ui import T
from sferum.testing import Harness, bot_harness

TOPICS = [
    "отчёт по успеваемости в Excel",
    "дежурство по столовой",
    "замена уроков без оплаты",
    "портфолио ученика",
    "классный журнал на бумаге",
    "планы воспитательной работы",
    "мониторинг питания",
    "электронный дневник",
    "аттестация на категорию",
    "курсы повышения квалификации",
    "олимпиада школьников",
    "диспансеризация",
]


def _labels(h: Harness, vk_id: int) -> list[str]:
    return [b["action"].get("label", "") for b in h.buttons(vk_id)]


async def _file_appeals(h: Harness) -> list[str]:
    teacher = await h.services.identities.get(h.vk("smirnova"))
    store = desk_of(h.services, T).store
    numbers = []
    for topic in TOPICS:
        appeal = await store.file(
            teacher,
            category="documents",
            text=f"Прошу разъяснить: требуют {topic}, это законно?",
            links=[],
            group_id=h.group_id,
        )
        numbers.append(appeal.number)
    return numbers


async def test_the_queue_pages_and_finds_an_appeal(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        numbers = await _file_appeals(h)
        operator = h.vk("morozova")
        await h.say(operator, "очередь")
        text = h.last_reply(operator)["text"]
        assert "Очередь обращений (12)" in text and "страница 1 из 2" in text
        first = _labels(h, operator)
        assert "Ещё ▶" in first and "🔍 Найти обращение" in first
        await h.tap(operator, "Ещё")
        assert "страница 2 из 2" in h.last_reply(operator)["text"]
        second = _labels(h, operator)
        assert "◀ Назад" in second and "Ещё ▶" not in second
        # Every appeal can be taken from one of the pages.
        assert {f"Взять № {n}" for n in numbers} <= set(first) | set(second)

        await h.tap(operator, "Найти обращение")
        assert "Напишите номер обращения" in h.last_reply(operator)["text"]
        await h.say(operator, "диспансеризацию")  # another word form finds nothing: said so
        assert "не нашлось" in h.last_reply(operator)["text"]
        await h.tap(operator, "Найти обращение")
        await h.say(operator, "столовой")
        found = h.last_reply(operator)["text"]
        assert "Обращения по запросу «столовой» (1)" in found and "дежурство" in found
        assert _labels(h, operator) == [
            f"Взять № {numbers[1]}",
            "🔍 Найти обращение",
            "Вся очередь",
        ]
        await h.tap(operator, f"Взять № {numbers[1]}")
        [taken] = await list_queue(h.services.db, statuses=(Status.IN_PROGRESS,))
        assert taken.number == numbers[1]

        # By number, too.
        await h.say(operator, "очередь")
        await h.tap(operator, "Найти обращение")
        await h.say(operator, numbers[11])
        assert _labels(h, operator)[0] == f"Взять № {numbers[11]}"
