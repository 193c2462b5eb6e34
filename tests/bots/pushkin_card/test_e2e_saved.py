"""Through the sandbox: favourites and reminders (night hours respected), the weekly digest."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from bots.pushkin_card.catalog import Catalog
from bots.pushkin_card.digest import DIGEST, city_job
from bots.pushkin_card.favourites import REMIND
from bots.pushkin_card.kit import Kit
from core.scheduling import Job, Weekly

from .e2e import labels, link, listed_ids, press, pushkin, text

NSK = ZoneInfo("Asia/Novosibirsk")
SLEEPING_BEAUTY = 2243376  # Fri 4 Dec 19:00, Новосибирск, 6+
SYMPHONY = 2284135  # Tue 8 Dec 19:00
WOE = 2491556  # «Горе от ума», Thu 10 Dec 19:00


def at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NSK)


async def test_favourites_remind_the_evening_before(tmp_path: Path) -> None:
    async with pushkin(tmp_path) as h:
        student = h.vk("st08")
        person = await h.person_id("st08")
        await press(h, student, "Подробнее", {"pk": "ev", "e": SLEEPING_BEAUTY})
        await h.tap(student, "☆ В избранное")
        assert "Напомню чт, 3 декабря в 18:00" in text(h, student)
        await press(h, student, "Подробнее", {"pk": "ev", "e": SYMPHONY})
        await h.tap(student, "☆ В избранное")
        await press(h, student, "Подробнее", {"pk": "ev", "e": SYMPHONY})
        assert "★ В избранном" in text(h, student)
        await h.tap(student, "★ Убрать из избранного")
        assert "Напоминания не будет" in text(h, student)
        await press(h, student, "Подробнее", {"pk": "ev", "e": WOE})
        await h.tap(student, "☆ В избранное")

        await press(h, student, "⭐ Избранное", {"pk": "favs"})
        listing = text(h, student)
        assert "1. Балет «Спящая красавица»" in listing and "2. Спектакль «Горе от ума»" in listing
        assert "Симфония" not in listing
        jobs = {j["id"] for j in await h.services.jobs.jobs(REMIND)}
        assert jobs == {f"{REMIND}:{person}:{SLEEPING_BEAUTY}", f"{REMIND}:{person}:{WOE}"}

        # Nothing before the evening; at 18:00 the day before, the reminder with the link.
        h.replies(student)
        h.clock.set(at(2026, 12, 3, 17, 59))
        await h.run_due()
        assert h.replies(student) == []
        h.clock.set(at(2026, 12, 3, 18, 0))
        await h.run_due()
        reminder = h.replies(student)
        assert len(reminder) == 1
        assert "Завтра: Балет «Спящая красавица»" in reminder[0]["text"]
        assert "пт, 4 декабря, 19:00" in reminder[0]["text"]
        event = await Catalog(h.services.db).event(SLEEPING_BEAUTY)
        assert event is not None and link(h, student, "Купить билет") == event.sale_link
        await h.run_due()
        assert h.replies(student) == []  # once

        # The process was down at 18:00: at 22:30 it is night for a student — the reminder
        # waits for 08:00 and then says "today".
        h.clock.set(at(2026, 12, 9, 22, 30))
        await h.run_due()
        assert h.replies(student) == []
        assert await h.services.jobs.next_run(f"{REMIND}:{person}:{WOE}") == at(2026, 12, 10, 8, 0)
        h.clock.set(at(2026, 12, 10, 8, 0))
        await h.run_due()
        late = h.replies(student)
        assert len(late) == 1 and "Сегодня: Спектакль «Горе от ума»" in late[0]["text"]
        assert h.community.errors.handled == 0
        assert not await h.services.db.fetchval(
            "SELECT count(*) FROM scheduled_jobs WHERE last_error IS NOT NULL"
        )


async def test_weekly_digest_for_the_city(tmp_path: Path) -> None:
    async with pushkin(tmp_path) as h:
        student = h.vk("st08")  # 15: no 16+ events in the digest
        await press(h, student, "Подборка на неделю", {"pk": "dig"})
        assert "по субботам в 12:00" in text(h, student)
        await h.tap(student, "Подписаться: Новосибирск")
        assert "Готово" in text(h, student)
        teacher = h.vk("smirnova")
        await press(h, teacher, "Подборка на неделю", {"pk": "dig", "on": 1})
        assert await h.services.jobs.next_run(city_job("Новосибирск")) == at(2026, 11, 28, 12, 0)

        h.replies(student)
        h.replies(teacher)
        h.clock.set(at(2026, 11, 28, 12, 0))
        await h.run_due()
        digest = h.replies(student)
        assert len(digest) == 1
        body = digest[0]["text"]
        assert "на этой неделе в городе Новосибирск" in body
        person = await h.services.people.person(await h.person_id("st08"))
        assert person is not None and body.startswith(person.first_name)
        assert "1. " in body and "Открыть афишу" in labels(h, student)
        catalog = Catalog(h.services.db)
        shown = [await catalog.event(i) for i in listed_ids(h, student)]
        assert shown and all(e is not None and e.age_limit <= 15 for e in shown)
        assert len(h.replies(teacher)) == 1
        # Sent by the broadcast engine without an author: one per age limit, none named a writer.
        sent = await h.services.db.fetchall(
            "SELECT author_person_id, consent FROM broadcasts WHERE source = 'pushkin_card'"
        )
        assert len(sent) == 2
        assert all(r["author_person_id"] is None and r["consent"] == "subscription" for r in sent)
        # The weekly job running again (a restart mid-run) sends nothing twice.
        rerun = Job(
            city_job("Новосибирск"),
            DIGEST,
            Weekly((6,), time(12, 0), "Asia/Novosibirsk"),
            {"city": "Новосибирск"},
            at(2026, 11, 28, 12, 0),
            1,
        )
        await Kit.of(h.services).digest.fire(rerun)
        await h.run_due()
        assert h.replies(student) == [] and h.replies(teacher) == []
        assert (
            await h.services.db.fetchval(
                "SELECT count(*) FROM broadcasts WHERE source = 'pushkin_card'"
            )
            == 2
        )

        # The digest's buttons open the events.
        await h.tap(student, "1")
        assert "Время местное" in text(h, student)

        # Unsubscribed: the next Saturday brings nothing to the student, still to the teacher.
        await press(h, student, "Подборка на неделю", {"pk": "dig"})
        await h.tap(student, "Отписаться")
        assert "отписались" in text(h, student)
        h.replies(student)
        h.clock.set(at(2026, 12, 5, 12, 0))
        await h.run_due()
        assert h.replies(student) == []
        assert len(h.replies(teacher)) == 1
        # The last subscriber leaves: the city's weekly job stops.
        await press(h, teacher, "Подборка на неделю", {"pk": "dig", "on": 0})
        assert await h.services.jobs.next_run(city_job("Новосибирск")) is None
        assert h.community.errors.handled == 0
        assert not await h.services.db.fetchval(
            "SELECT count(*) FROM scheduled_jobs WHERE last_error IS NOT NULL"
        )


async def test_digest_respects_age_and_night(tmp_path: Path) -> None:
    async with pushkin(tmp_path) as h:
        student = h.vk("st08")
        await press(h, student, "Сменить город", {"pk": "city", "v": "Владивосток"})
        await press(h, student, "Подборка на неделю", {"pk": "dig", "on": 1})
        # Saturday 12:00 in Vladivostok is 08:00 in Novosibirsk: morning, delivered.
        vladivostok = ZoneInfo("Asia/Vladivostok")
        h.replies(student)
        h.clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=vladivostok))
        await h.run_due()
        digest = h.replies(student)
        assert len(digest) == 1 and "Владивосток" in digest[0]["text"]
        # Run late (the process was down): at 22:00 the student's copy waits for the morning.
        h.clock.set(datetime(2026, 12, 5, 22, 0, tzinfo=NSK))
        await h.run_due()
        assert h.replies(student) == []
        h.clock.set(datetime(2026, 12, 6, 8, 0, tzinfo=NSK))
        await h.run_due()
        assert len(h.replies(student)) == 1
        assert h.community.errors.handled == 0
        assert not await h.services.db.fetchval(
            "SELECT count(*) FROM scheduled_jobs WHERE last_error IS NOT NULL"
        )
