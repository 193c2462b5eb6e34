"""The weekly digest: a subscriber gets the coming week's events of their city on Saturday at
12:00 in the city's zone, filtered by their age.

Sent by the bot directly rather than as a broadcast: a broadcast needs a verified staff author
and is checked against the policy as that author, and no teacher wrote or approved this digest —
putting a counsellor's name on it would not be honest. The subscriber asked for it, so the policy
does not apply; students' night hours do (a late run defers a student's copy to the morning).
"""

from __future__ import annotations

from datetime import UTC, time, timedelta
from typing import Any

from core.runtime.services import Services
from core.scheduling import Job, Once, Weekly

from . import outbox
from .catalog import Catalog, Query
from .dates import Window
from .eligibility import eligibility
from .ui import T, inline

DIGEST = "pushkin_card.digest"  # weekly, one job per city
DIGEST_ONE = "pushkin_card.digest_one"  # one subscriber's copy deferred by night hours
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

    async def compose(self, person_id: int, city: str) -> tuple[str, str | None] | None:
        """The digest text and keyboard for one subscriber; None when the week is empty."""
        now = self.services.clock.now()
        person = await self.services.people.person(person_id)
        info = await self.catalog.city(city)
        if info is None:
            return None
        rules = eligibility(person, now.astimezone(info.zone).date())
        page = await self.catalog.search(
            Query(city, Window(now, now + timedelta(days=7)), age_limit=rules.age_limit),
            size=EVENTS,
        )
        if not page.items:
            return None
        text = T.render(
            "digest.j2",
            city=city,
            page=page,
            now=now,
            first_name=(person.first_name if person else ""),
        )
        buttons = [
            (T.label("number", n=i + 1), {"pk": "ev", "e": item.event.id})
            for i, item in enumerate(page.items[:5])
        ]
        keyboard = inline([buttons, [(T.label("open_list"), {"pk": "list"})]])
        return text, keyboard

    async def _deliver(self, row: dict[str, Any], week: str) -> None:
        composed = await self.compose(int(row["person_id"]), str(row["city"]))
        if composed is None:
            return
        text, keyboard = composed
        await outbox.send(
            self.services,
            int(row["group_id"]),
            int(row["vk_user_id"]),
            text,
            keyboard,
            key=f"digest:{row['person_id']}:{week}",
        )

    async def fire(self, job: Job) -> None:
        city = str(job.data["city"])
        now = self.services.clock.now()
        week = job.due.astimezone(UTC).date().isoformat()
        rows = await self.db.fetchall(
            "SELECT person_id, city, vk_user_id, group_id FROM pushkin_card_digest_subscriptions "
            "WHERE city = ? ORDER BY person_id",
            (city,),
        )
        for row in rows:
            when = await outbox.deliver_at(self.services, int(row["person_id"]), now)
            if when > now:
                await self.services.jobs.schedule(
                    DIGEST_ONE,
                    Once(when),
                    {"person_id": row["person_id"], "week": week},
                    job_id=f"{DIGEST_ONE}:{row['person_id']}:{week}",
                )
                continue
            await self._deliver(row, week)

    async def fire_one(self, job: Job) -> None:
        row = await self.db.fetchone(
            "SELECT person_id, city, vk_user_id, group_id FROM pushkin_card_digest_subscriptions "
            "WHERE person_id = ?",
            (job.data["person_id"],),
        )
        if row is not None:  # unsubscribed overnight: nothing to send
            await self._deliver(row, str(job.data["week"]))
