"""A school with more classes than a keyboard holds: the class picker of the compose dialog pages
with «Ещё», every class can be ticked from its page, and each page fits VK's limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bots.advisor_broadcast import plugin
from core import keyboards
from core.texts import CORE_TEXTS
from sferum.testing import Harness, bot_harness

from .helpers import compose_to

NEXT, PREV = CORE_TEXTS.label("page_next"), CORE_TEXTS.label("page_prev")
EXTRA = [f"П{n:02d}" for n in range(1, 32)]  # with the demo school's four: 35 classes


def rows(h: Harness, vk_id: int) -> list[list[dict[str, Any]]]:
    raw = h.last_reply(vk_id).get("keyboard")
    data = json.loads(raw) if isinstance(raw, str) else raw
    assert isinstance(data, dict)
    return data["buttons"]  # type: ignore[no-any-return]


def labels(h: Harness, vk_id: int) -> list[str]:
    return [b["action"].get("label", "") for b in h.buttons(vk_id)]


def fits_vk(h: Harness, vk_id: int) -> None:
    shape = rows(h, vk_id)
    assert len(shape) <= keyboards.MAX_NORMAL_ROWS
    assert sum(len(row) for row in shape) <= keyboards.MAX_NORMAL_BUTTONS
    assert all(len(row) <= keyboards.MAX_PER_ROW for row in shape)
    for row in shape:
        for button in row:
            payload = button["action"].get("payload")
            assert payload is None or len(str(payload)) <= keyboards.MAX_PAYLOAD


async def test_every_class_of_a_big_school_can_be_chosen(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        school = int(
            await h.services.db.fetchval(
                "SELECT id FROM organisations WHERE external_id = 'demo:school:s112'"
            )
        )
        for name in EXTRA:
            await h.services.people.upsert_group(org_id=school, name=name)
        every = {g.name for g in await h.services.people.groups_of_org(school)}
        assert len(every) >= 35

        volkova = await compose_to(h, "volkova", "Ученики классов…")
        seen: list[str] = []
        pages = 0
        while True:
            pages += 1
            fits_vk(h, volkova)
            shown = labels(h, volkova)
            # Done, Back and Cancel stay on every page.
            assert {"Готово", CORE_TEXTS.label("back"), CORE_TEXTS.label("cancel")} <= set(shown)
            assert f"Страница {pages} из" in h.last_reply(volkova)["text"]
            seen += [label for label in shown if label in every]
            if NEXT not in shown:
                break
            await h.tap(volkova, NEXT)
            assert pages < 10
        assert pages >= 2
        assert sorted(seen) == sorted(every)  # each class on exactly one page

        # A class of the last page is ticked there, and the same page is shown again.
        last = EXTRA[-1]
        button = h.find_button(volkova, last)
        await h.say(volkova, last, json.loads(button["action"]["payload"]))
        assert f"✓ {last}" in labels(h, volkova) and PREV in labels(h, volkova)
        assert f"выбрано: {last}" in h.last_reply(volkova)["text"]
        await h.tap(volkova, PREV)
        assert "Страница 1 из" in h.last_reply(volkova)["text"] and NEXT in labels(h, volkova)
        await h.tap(volkova, "Готово")
        assert "Напишите текст рассылки" in h.last_reply(volkova)["text"]
        dialog = await h.services.dialogs.load(h.group_id, volkova)
        chosen = await h.services.people.group(int(dialog.data["groups"][0]))
        assert chosen is not None and chosen.name == last
