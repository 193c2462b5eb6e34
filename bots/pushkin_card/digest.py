"""The weekly digest: a subscriber gets the coming week's events of their city on Saturday at
12:00 in the city's zone, filtered by their age.

Sent through core's broadcast engine (exactly once per subscriber, survives a restart, students'
night hours respected) as a broadcast without an author: no teacher wrote or approved it, and
putting a counsellor's name on it would not be honest. Its consent is the subscription, so the
audience is exactly the subscribers and the communication policy does not apply. Subscribers are
grouped by the age limit their age allows (and by community): one broadcast per group, each
greeting its recipients by name.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from importlib import resources

from core.broadcast import Audience, BroadcastSpec
from core.runtime.services import Services
from core.scheduling import Job, Weekly

from .catalog import Catalog, Query
from .dates import Window
from .eligibility import eligibility
from .ui import ShowCard, ShowList, T, inline

DIGEST = "pushkin_card.digest"  # weekly, one job per city
SOURCE = "pushkin_card"
# The engine renders this per recipient (first_name); the events list comes in as a value, so
# nothing from the afisha is ever read as template source.
GREETING = (
    resources.files("bots.pushkin_card").joinpath("templates", "digest_greeting.j2").read_text()
)
SATURDAY = 6
AT = time(12, 0)
EVENTS = 7


def city_job(city: str) -> str:
    return f"{DIGEST}:{city}"


class Digest:
    def __init__(self, services: Services, catalog: Catalog) -> None:
        self.services = services
        self.db = services.db
        self.catalog = catalog

    async def city_of(self, person_id: int) -> str | None:
        value = await self.db.fetchval(
            "SELECT city FROM pushkin_card_digest_subscriptions WHERE person_id = ?", (person_id,)
        )
        return None if value is None else str(value)

    async def subscribe(self, person_id: int, vk_user_id: int, group_id: int, city: str) -> None:
        info = await self.catalog.city(city)
        if info is None:
            raise ValueError(f"no events in {city!r}")
        previous = await self.city_of(person_id)
        await self.db.execute(
            "INSERT INTO pushkin_card_digest_subscriptions (person_id, city, vk_user_id, group_id, "
            "created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
            "city = excluded.city, vk_user_id = excluded.vk_user_id, group_id = excluded.group_id",
            (
                person_id,
                info.name,
                vk_user_id,
                group_id,
                self.services.clock.now().astimezone(UTC).isoformat(),
            ),
        )
        await self.services.jobs.schedule(
            DIGEST,
            Weekly((SATURDAY,), AT, info.timezone),
            {"city": info.name},
            job_id=city_job(info.name),
        )
        if previous and previous != info.name:
            await self._drop_city_if_empty(previous)

    async def unsubscribe(self, person_id: int) -> bool:
        city = await self.city_of(person_id)
        if city is None:
            return False
        await self.db.execute(
            "DELETE FROM pushkin_card_digest_subscriptions WHERE person_id = ?", (person_id,)
        )
        await self._drop_city_if_empty(city)
        return True

    async def _drop_city_if_empty(self, city: str) -> None:
        left = await self.db.fetchval(
            "SELECT count(*) FROM pushkin_card_digest_subscriptions WHERE city = ?", (city,)
        )
        if not left:
            await self.services.jobs.cancel(city_job(city))

    async def compose(
        self, city: str, age_limit: int | None, now: datetime
    ) -> tuple[str, str | None] | None:
        """The week's events list and its keyboard for one age limit; None when it is empty."""
        page = await self.catalog.search(
            Query(city, Window(now, now + timedelta(days=7)), age_limit=age_limit), size=EVENTS
        )
        if not page.items:
            return None
        events = T.render("digest.j2", page=page, now=now)
        buttons = [
            (T.label("number", n=i + 1), ShowCard(e=item.event.id).pack())
            for i, item in enumerate(page.items[:5])
        ]
        keyboard = inline([buttons, [(T.label("open_list"), ShowList().pack())]])
        return events, keyboard

    async def fire(self, job: Job) -> None:
        city = str(job.data["city"])
        info = await self.catalog.city(city)
        if info is None:
            return
        now = self.services.clock.now()
        today = now.astimezone(info.zone).date()
        week = job.due.astimezone(UTC).date().isoformat()
        rows = await self.db.fetchall(
            "SELECT person_id, group_id FROM pushkin_card_digest_subscriptions "
            "WHERE city = ? ORDER BY person_id",
            (city,),
        )
        persons = await self.services.people.persons(int(row["person_id"]) for row in rows)
        groups: dict[tuple[int, int | None], list[int]] = defaultdict(list)
        for row in rows:
            age_limit = eligibility(persons.get(int(row["person_id"])), today).age_limit
            groups[(int(row["group_id"]), age_limit)].append(int(row["person_id"]))
        for (group_id, age_limit), audience in sorted(
            groups.items(), key=lambda item: (item[0][0], item[0][1] or 0)
        ):
            # The title names the run: a job that runs again after a crash finds its broadcast
            # (the engine resumes it) instead of creating a second one.
            limit = "без ограничения" if age_limit is None else f"до {age_limit}+"
            title = f"Подборка на неделю: {city}, {week}, {limit}"
            if await self.db.fetchval(
                "SELECT id FROM broadcasts WHERE source = ? AND title = ? AND group_id = ?",
                (SOURCE, title, group_id),
            ):
                continue
            composed = await self.compose(city, age_limit, now)
            if composed is None:
                continue
            events, keyboard = composed
            await self.services.broadcasts.create(
                BroadcastSpec(
                    author_person_id=None,
                    consent="subscription",
                    group_id=group_id,
                    audience=Audience.persons(*audience),
                    template=GREETING,
                    title=title,
                    keyboard=keyboard,
                    values={"city": city, "events": events},
                    source=SOURCE,
                )
            )
