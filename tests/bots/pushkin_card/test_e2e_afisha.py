"""Through the sandbox: the afisha of a student's city, paging, filters, search, the city."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bots.pushkin_card.catalog import Catalog, Query
from bots.pushkin_card.categories import Category
from bots.pushkin_card.dates import Period, window

from .e2e import all_listed, labels, link, listed_ids, page_through, press, pushkin, text

NSK = ZoneInfo("Asia/Novosibirsk")


async def test_a_student_browses_filters_and_searches(tmp_path: Path) -> None:
    async with pushkin(tmp_path) as h:
        catalog = Catalog(h.services.db)
        now = h.clock.now()
        student = h.vk("st08")  # 9А of СОШ № 112 in город Новосибирск, 15 years old

        await h.say(student, "Пушкинская карта")
        menu = text(h, student)
        assert "афиша — Новосибирск" in menu  # the city of the school, asked for nothing
        assert "вам 15 лет" in menu
        assert "🎭 Афиша" in labels(h, student)

        # The list: soonest first, five per page, paging both ways.
        await h.tap(student, "🎭 Афиша")
        expected = await catalog.search(
            Query("Новосибирск", window(Period.ALL, now, NSK), age_limit=15), 0
        )
        first_page = listed_ids(h, student)
        assert first_page == [item.event.id for item in expected.items]
        assert text(h, student).splitlines()[2] == "1. Кинопоказ «Солярис»"
        assert "пн, 23 ноября, 16:00" in text(h, student)
        await h.tap(student, "Дальше →")
        second_page = listed_ids(h, student)
        assert "\n6. " in text(h, student) and not set(first_page) & set(second_page)
        await h.tap(student, "← Раньше")
        assert listed_ids(h, student) == first_page

        # A card: place, sessions in local time, price, age, and the ticket link.
        await h.tap(student, "3")
        card = text(h, student)
        event = await catalog.event(first_page[2])
        assert event is not None
        assert card.startswith(event.name) and "📍 " in card and "Время местное" in card
        assert f"{event.age_limit}+" in card and "₽" in card
        assert link(h, student, "Купить билет") == event.sale_link
        assert "☆ В избранное" in labels(h, student)
        assert "Рекомендовать классу" not in labels(h, student)  # only for teachers

        # Filters: the weekend, then concerts only.
        await h.tap(student, "← К списку")
        await h.tap(student, "Фильтры")
        await h.tap(student, "📅 Даты")
        await h.tap(student, "Выходные")
        assert "Новосибирск · выходные" in text(h, student)
        weekend = await catalog.search(
            Query("Новосибирск", window(Period.WEEKEND, now, NSK), age_limit=15), 0
        )
        assert listed_ids(h, student) == [i.event.id for i in weekend.items]
        await h.tap(student, "Фильтры")
        await h.tap(student, "Категория")
        await h.tap(student, "Концерты")
        assert "выходные · концерты" in text(h, student)
        assert "ничего не нашлось" in text(h, student)
        await h.tap(student, "Сбросить фильтры")
        assert "выходные" not in text(h, student).splitlines()[0]
        await h.tap(student, "Фильтры")
        await h.tap(student, "Категория")
        await h.tap(student, "Концерты")
        concerts = await page_through(h, student)
        assert concerts
        for event_id in concerts:
            found = await catalog.event(event_id)
            assert found is not None and found.category == Category.CONCERT

        # A date range typed in words; a wrong date is explained, not crashed on.
        await press(h, student, "Фильтры", {"pk": "reset"})
        await press(h, student, "Указать даты", {"pk": "d", "v": "range"})
        assert "через дефис" in text(h, student)
        await h.say(student, "31.02")
        assert "Такой даты нет" in text(h, student)
        assert labels(h, student) == ["← Назад", "Отмена"]
        await h.say(student, "05.12–12.12")
        assert "5 декабря — 12 декабря" in text(h, student)
        span = window(Period.RANGE, now, NSK, date(2026, 12, 5), date(2026, 12, 12))
        ranged = await catalog.search(Query("Новосибирск", span, age_limit=15), 0)
        assert listed_ids(h, student) == [i.event.id for i in ranged.items]

        # Free text from the menu: a fresh search, stemmed.
        await press(h, student, "🔎 Поиск по названию", {"pk": "q"})
        assert "Ищу в городе Новосибирск" in text(h, student)
        await h.say(student, "Чайковского")
        listing = text(h, student)
        assert "«Чайковского»" in listing.splitlines()[0]
        assert "Чайковский. Симфония № 5" in listing
        assert "5 декабря" not in listing.splitlines()[0]  # the range was reset

        # Cancel in a typing step: back to the menu, the next text is not a search.
        await press(h, student, "🔎 Поиск по названию", {"pk": "q"})
        await h.tap(student, "Отмена")
        assert "отменил" in text(h, student)
        dialog = await h.services.dialogs.load(h.group_id, student)
        assert dialog.step is None

        # Another city of the region, remembered.
        await press(h, student, "Сменить город", {"pk": "city"})
        assert labels(h, student)[:3] == ["Новосибирск", "Бердск", "Другие города"]
        await h.tap(student, "Бердск")
        replies = h.replies(student)
        assert any("Город: Бердск" in m["text"] for m in replies)
        assert "— Бердск" in text(h, student)
        await h.say(student, "афиша")
        assert "афиша — Бердск" in text(h, student)

        # Buttons forged or left from an old version get a polite answer, never an error.
        for bad in (
            {"pk": "ev", "e": "abc"},
            {"pk": "ev", "e": 1},
            {"pk": "list", "p": -3},
            {"pk": "list", "p": "x"},
            {"pk": "fav", "e": 1, "on": 1},
            {"pk": "city", "v": 5},
            {"pk": "city", "v": "Атлантида"},
            {"pk": "d", "v": "someday"},
            {"pk": "c", "v": 7},
            {"pk": "faq", "i": 99},
            {"pk": "rec", "g": 1},
            {"pk": "favs", "p": 10_000},
        ):
            await press(h, student, "кнопка", bad)
            assert "что-то пошло не так" not in text(h, student), bad
        assert h.community.errors.handled == 0


async def test_ages_decide_what_is_shown(tmp_path: Path) -> None:
    async with pushkin(tmp_path) as h:
        catalog = Catalog(h.services.db)

        # 11 years old: told when the card becomes possible; 12+ events are not listed.
        young = h.vk("st00")
        await h.say(young, "афиша")
        assert "оформляют с 14 лет" in text(h, young)
        ids = await all_listed(h, young)
        assert ids
        for event_id in ids:
            event = await catalog.event(event_id)
            assert event is not None and event.age_limit <= 11
        idiot = 2475607  # «Идиот», 16+
        await press(h, young, "Подробнее", {"pk": "ev", "e": idiot})
        assert "вам на него пока рано" in text(h, young)
        assert "Купить билет" not in labels(h, young)

        # 15 years old sees 12+ but not 16+.
        student = h.vk("st08")
        ids = await all_listed(h, student)
        ages = {e.age_limit for e in [await catalog.event(i) for i in ids] if e}
        assert 12 in ages and max(ages) <= 15

        # A VK user the district does not know: nothing asked, the card's ages said,
        # 18+ hidden, and a city to choose.
        stranger = 990_001
        h.sandbox.runtime.state.create_user("Пётр", "Лесков", stranger)
        await h.say(stranger, "афиша")
        assert "от 14 до 22 лет" in text(h, stranger) and "18+ не показываю" in text(h, stranger)
        await press(h, stranger, "Афиша", {"pk": "list"})
        assert "Выберите город" in text(h, stranger)
        await h.tap(stranger, "Москва")
        assert "Афиша по Пушкинской карте — Москва" in text(h, stranger)
        duck_hunt = 2388798  # «Утиная охота», 18+
        await press(h, stranger, "Подробнее", {"pk": "ev", "e": duck_hunt})
        assert "18+ — вам на него пока рано" in text(h, stranger)

        # A teacher: too old for the card, told so politely; the yearly sums on request.
        teacher = h.vk("smirnova")
        await h.say(teacher, "афиша")
        assert "оформить её вам уже нельзя" in text(h, teacher)
        await press(h, student, "Могу ли я получить карту?", {"pk": "elig"})
        answer = text(h, student)
        assert "5\u202f000 ₽" in answer and "2\u202f000 ₽" in answer and "вам 15 лет" in answer

        # The FAQ: numbered questions on pages, and a question in words.
        await press(h, student, "Вопросы о карте", {"pk": "faq"})
        assert "1. Что такое Пушкинская карта?" in text(h, student)
        await h.tap(student, "Дальше →")
        assert "14. " in text(h, student)
        await h.tap(student, "11")
        assert text(h, student).startswith("Как вернуть билет")
        await h.tap(student, "Все вопросы")
        await h.tap(student, "Задать свой вопрос")
        await h.say(student, "а в кино по ней можно?")
        assert text(h, student).startswith("Можно ли ходить по карте в кино?")
        await press(h, student, "Задать свой вопрос", {"pk": "ask"})
        await h.say(student, "какая завтра погода")
        assert "Не нашёл ответа" in text(h, student)
        assert h.community.errors.handled == 0


async def test_dates_use_the_city_clock(tmp_path: Path) -> None:
    """Late on Monday evening in Novosibirsk it is already Tuesday in Vladivostok."""
    async with pushkin(tmp_path) as h:
        h.clock.advance(timedelta(hours=11))  # 21:00 in Novosibirsk, 01:00 Tue in Vladivostok
        student = h.vk("st08")
        await press(h, student, "Сменить город", {"pk": "city", "v": "Владивосток"})
        await press(h, student, "Сегодня", {"pk": "d", "v": "today"})
        listing = text(h, student)
        assert "Владивосток · сегодня" in listing
        assert "пн, 23 ноября" not in listing

        # A range typed last week is over: the list falls back to all dates by itself.
        await press(h, student, "Указать даты", {"pk": "d", "v": "range"})
        await h.say(student, "24.11–25.11")
        assert "24 ноября — 25 ноября" in text(h, student)
        h.clock.advance(timedelta(days=7))
        await press(h, student, "Афиша", {"pk": "list"})
        assert text(h, student).splitlines()[0] == "🎭 Афиша по Пушкинской карте — Владивосток"
        assert h.community.errors.handled == 0
