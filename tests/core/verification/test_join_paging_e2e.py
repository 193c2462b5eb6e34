"""The join-request dialog with many schools, through the sandbox: every keyboard is one VK takes
(the sandbox refuses others with error 911, as VK does), «Ещё» pages on, typed text searches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.keyboards import MAX_NORMAL_BUTTONS, MAX_NORMAL_ROWS
from core.people import OrgKind
from sferum.testing import Harness, bot_harness

NEWCOMER = 900_114
# Demo schools are «МБОУ СОШ № 112» and «МАОУ «Гимназия № 5»»; fourteen more make sixteen.
EXTRA = [f"МБОУ СОШ № {n}" for n in range(1, 14)] + [
    "Муниципальное автономное общеобразовательное учреждение «Лицей № 9» города Бердска"
]


def _keyboard(h: Harness) -> dict[str, Any]:
    reply = h.last_reply(NEWCOMER)
    keyboard = reply.get("keyboard")
    assert keyboard, f"no keyboard under {reply['text']!r}"
    return json.loads(keyboard) if isinstance(keyboard, str) else keyboard


def _labels(h: Harness) -> list[str]:
    return [b["action"]["label"] for row in _keyboard(h)["buttons"] for b in row]


def _assert_fits_vk(h: Harness) -> None:
    rows = _keyboard(h)["buttons"]
    assert len(rows) <= MAX_NORMAL_ROWS
    assert sum(len(r) for r in rows) <= MAX_NORMAL_BUTTONS
    assert "что-то пошло не так" not in h.last_reply(NEWCOMER)["text"]


async def test_sixteen_schools_page_and_a_typed_name_finds_the_school(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        for name in EXTRA:
            await h.services.people.upsert_organisation(
                kind=OrgKind.SCHOOL, name=name, region_code="54", timezone="Asia/Novosibirsk"
            )
        h.sandbox.runtime.state.create_user("Вера", "Новикова", NEWCOMER)
        await h.say(NEWCOMER, "подтвердить роль")
        text = h.last_reply(NEWCOMER)["text"]
        assert "Шаг 1 из 4" in text and "Страница 1 из 2" in text
        _assert_fits_vk(h)
        first_page = _labels(h)
        assert "МБОУ СОШ № 112" in first_page and "Ещё ▶" in first_page
        assert "МБОУ СОШ № 13" not in first_page

        await h.tap(NEWCOMER, "Ещё")
        assert "Страница 2 из 2" in h.last_reply(NEWCOMER)["text"]
        _assert_fits_vk(h)
        second_page = _labels(h)
        assert "МБОУ СОШ № 13" in second_page and "Ещё ▶" not in second_page
        # The long official name is shown short: the legal form abbreviated, as people write it.
        assert "МАОУ «Лицей № 9» г. Бердска" in second_page
        # Every school is on one of the two pages.
        schools = {s.name for s in await h.services.people.organisations(OrgKind.SCHOOL)}
        shown = set(first_page) | set(second_page)
        assert len(schools) == 16 and len(shown - {"Ещё ▶", "◀ Назад", "Отмена"}) == 16

        await h.tap(NEWCOMER, "◀ Назад")
        assert "Страница 1 из 2" in h.last_reply(NEWCOMER)["text"]

        # Typing searches: «лицей 9» finds the school with the long name.
        await h.say(NEWCOMER, "лицей 9")
        assert "Школы по запросу «лицей 9»: 1" in h.last_reply(NEWCOMER)["text"]
        assert _labels(h) == ["МАОУ «Лицей № 9» г. Бердска", "← Назад", "Отмена"]
        # Back from the results is the whole list again.
        await h.tap(NEWCOMER, "← Назад")
        assert "Страница 1 из 2" in h.last_reply(NEWCOMER)["text"]
        # Nothing found: said so, and the whole list again.
        await h.say(NEWCOMER, "колледж")
        assert "По запросу «колледж» школ не нашлось" in h.last_reply(NEWCOMER)["text"]
        assert "Ещё ▶" in _labels(h)

        await h.say(NEWCOMER, "сош 112")
        assert _labels(h) == ["МБОУ СОШ № 112", "← Назад", "Отмена"]
        await h.tap(NEWCOMER, "МБОУ СОШ № 112")
        assert "Шаг 2 из 4" in h.last_reply(NEWCOMER)["text"]
        await h.tap(NEWCOMER, "Ученик")
        assert "Шаг 3 из 4" in h.last_reply(NEWCOMER)["text"]
        _assert_fits_vk(h)
        # The class is found by typing it as people do: lower case, without a space.
        await h.say(NEWCOMER, "7б")
        assert _labels(h) == ["7Б", "← Назад", "Отмена"]
        await h.tap(NEWCOMER, "7Б")
        assert "Шаг 4 из 4" in h.last_reply(NEWCOMER)["text"]
        await h.say(NEWCOMER, "Новикова Вера")
        await h.tap(NEWCOMER, "Отправить заявку")
        assert "отправлена администратору школы «МБОУ СОШ № 112»" in h.last_reply(NEWCOMER)["text"]
        row = await h.services.db.fetchone(
            "SELECT o.name, g.name AS grp FROM join_requests r JOIN organisations o "
            "ON o.id = r.org_id JOIN groups g ON g.id = r.group_id ORDER BY r.id DESC LIMIT 1"
        )
        assert (row["name"], row["grp"]) == ("МБОУ СОШ № 112", "7Б")


async def test_menu_typed_at_the_school_step_leaves_the_dialog_for_the_bots_menu(
    tmp_path: Path,
) -> None:
    from bots.pushkin_card import plugin as pushkin

    async with bot_harness([pushkin], tmp_path) as h:
        h.sandbox.runtime.state.create_user("Вера", "Новикова", NEWCOMER)
        await h.say(NEWCOMER, "подтвердить роль")
        assert "Шаг 1 из 4" in h.last_reply(NEWCOMER)["text"]
        await h.say(NEWCOMER, "меню")
        reply = h.last_reply(NEWCOMER)["text"]
        # Not taken as a search for a school named «меню»: the join dialog is left.
        assert "по запросу" not in reply.casefold()
        assert "Шаг" not in reply
        dialog = await h.services.dialogs.load(h.group_id, NEWCOMER)
        assert dialog.step is None
