"""The counsellor's lists with more broadcasts than a keyboard holds: «Ещё» pages on, every
broadcast can be cancelled from some page, and «Найти» narrows the list by title or number."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bots.advisor_broadcast import plugin
from core.broadcast import Audience, BroadcastSpec
from sferum.testing import Harness, bot_harness

TITLES = [f"Собрание {n}" for n in range(1, 12)] + ["Экскурсия в музей"]


def _labels(h: Harness, vk_id: int) -> list[str]:
    return [b["action"].get("label", "") for b in h.buttons(vk_id)]


async def _schedule(h: Harness) -> list[int]:
    group = int(
        await h.services.db.fetchval(
            "SELECT id FROM groups WHERE external_id = 'demo:group:s112-7b'"
        )
    )
    author = await h.person_id("volkova")
    ids = []
    for title in TITLES:
        ids.append(
            await h.services.broadcasts.create(
                BroadcastSpec(
                    author,
                    h.group_id,
                    Audience.groups(group),
                    f"{title}: приходите, {{{{ first_name }}}}!",
                    title=title,
                    schedule=h.clock.now() + timedelta(days=3),
                    source="advisor_broadcast",
                )
            )
        )
    return ids


async def test_scheduled_list_pages_and_finds_a_broadcast(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        ids = await _schedule(h)
        volkova = h.vk("volkova")
        await h.say(volkova, "меню")
        await h.tap(volkova, "Запланированные")
        text = h.last_reply(volkova)["text"]
        assert "Страница 1 из 2" in text
        first = _labels(h, volkova)
        assert "Ещё ▶" in first and "🔍 Найти" in first
        await h.tap(volkova, "Ещё")
        assert "Страница 2 из 2" in h.last_reply(volkova)["text"]
        second = _labels(h, volkova)
        # Every scheduled broadcast can be cancelled from one of the pages, and the text describes
        # the ones whose buttons are shown.
        assert {f"Отменить № {i}" for i in ids} <= set(first) | set(second)
        for label in second:
            if label.startswith("Отменить № "):
                assert f"№ {label.split('№ ')[1]} «" in h.last_reply(volkova)["text"]

        await h.tap(volkova, "Найти")
        assert "Напишите номер рассылки" in h.last_reply(volkova)["text"]
        await h.say(volkova, "экскурсия")
        found = h.last_reply(volkova)["text"]
        assert "Рассылки по запросу «экскурсия» (1)" in found and "Экскурсия в музей" in found
        assert _labels(h, volkova)[0] == f"Отменить № {ids[-1]}"
        await h.tap(volkova, f"Отменить № {ids[-1]}")
        status = await h.services.broadcasts.status(ids[-1])
        assert status.status == "cancelled"

        # Cancelling shows the list again, without the cancelled one.
        assert f"Отменить № {ids[-1]}" not in _labels(h, volkova)
        await h.tap(volkova, "Найти")
        await h.say(volkova, "олимпиада")
        assert "По запросу «олимпиада» рассылок не нашлось" in h.last_reply(volkova)["text"]
