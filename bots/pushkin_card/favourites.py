"""Saved events and the reminder the day before: 18:00 in the person's own zone (their school's,
else the venue's) on the eve of the first session still ahead. For an exhibition already open,
the reminder comes on the eve of its last day instead ("closes tomorrow"). A student's reminder
that would land at night (a job running late) waits for the morning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.runtime.services import Services
from core.scheduling import Job, Once

from . import outbox
from .catalog import Catalog, EventView, SessionView
from .ui import Link, ShowCard, T, inline

REMIND = "pushkin_card.remind"
REMINDER_TIME = time(18, 0)
MAX_FAVOURITES = 50


@dataclass(frozen=True, slots=True)
class Reminder:
    at: datetime
    session: SessionView
    closing: bool  # True: "the last day is tomorrow"; False: "it starts tomorrow"


def plan_reminder(sessions: list[SessionView], now: datetime, zone: ZoneInfo) -> Reminder | None:
    """When to remind, given the event's sessions still ahead (soonest first)."""
    if not sessions:
        return None

    def eve(local: datetime) -> datetime:
        """18:00 in the person's zone on the day before this venue-local moment's date."""
        return datetime.combine(local.date() - timedelta(days=1), REMINDER_TIME, zone)

    walk_in = all(s.kind != "seance" for s in sessions)
    if walk_in and sessions[0].starts_at <= now:
        last = max(sessions, key=lambda s: s.ends_at)
        # A run ending at midnight belongs to the day before.
        at = eve(last.local_end - timedelta(microseconds=1))
        return Reminder(at, last, True) if at > now else None
    for session in sessions:
        if session.starts_at <= now:
            continue
        at = eve(session.local_start)
        if at > now:
            return Reminder(at, session, False)
    return None


def job_id(person_id: int, event_id: int) -> str:
    return f"{REMIND}:{person_id}:{event_id}"


@dataclass(frozen=True, slots=True)
class Saved:
    event: EventView
    next_session: SessionView | None


class Favourites:
    def __init__(self, services: Services, catalog: Catalog) -> None:
        self.services = services
        self.db = services.db
        self.catalog = catalog

    async def person_zone(self, person_id: int, fallback: str) -> ZoneInfo:
        for role in await self.services.people.active_roles(person_id):
            org = await self.services.people.organisation(role.org_id)
            if org is not None:
                return org.zone
        return ZoneInfo(fallback)

    async def has(self, person_id: int, event_id: int) -> bool:
        return bool(
            await self.db.fetchval(
                "SELECT 1 FROM pushkin_card_favourites WHERE person_id = ? AND event_id = ?",
                (person_id, event_id),
            )
        )

    async def count(self, person_id: int) -> int:
        return int(
            await self.db.fetchval(
                "SELECT count(*) FROM pushkin_card_favourites WHERE person_id = ?", (person_id,)
            )
        )

    async def add(
        self, person_id: int, vk_user_id: int, group_id: int, event_id: int
    ) -> Reminder | None:
        """Save the event and schedule its reminder; returns the reminder planned (or None)."""
        now = self.services.clock.now()
        await self.db.execute(
            "INSERT INTO pushkin_card_favourites (person_id, event_id, vk_user_id, group_id, "
            "created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (person_id, event_id) DO UPDATE SET "
            "vk_user_id = excluded.vk_user_id, group_id = excluded.group_id",
            (person_id, event_id, vk_user_id, group_id, now.astimezone(UTC).isoformat()),
        )
        return await self.schedule(person_id, event_id)

    async def schedule(self, person_id: int, event_id: int) -> Reminder | None:
        now = self.services.clock.now()
        sessions = await self.catalog.sessions(event_id, now)
        if not sessions:
            return None
        zone = await self.person_zone(person_id, sessions[0].timezone)
        reminder = plan_reminder(sessions, now, zone)
        if reminder is None:
            await self.services.jobs.cancel(job_id(person_id, event_id))
            return None
        await self.services.jobs.schedule(
            REMIND,
            Once(reminder.at),
            {
                "person_id": person_id,
                "event_id": event_id,
                "starts_at": reminder.session.starts_at.isoformat(),
                "closing": reminder.closing,
            },
            job_id=job_id(person_id, event_id),
        )
        return reminder

    async def remove(self, person_id: int, event_id: int) -> bool:
        removed = await self.db.execute(
            "DELETE FROM pushkin_card_favourites WHERE person_id = ? AND event_id = ?",
            (person_id, event_id),
        )
        await self.services.jobs.cancel(job_id(person_id, event_id))
        return bool(removed)

    async def saved(self, person_id: int) -> list[Saved]:
        now = self.services.clock.now()
        rows = await self.db.fetchall(
            "SELECT event_id FROM pushkin_card_favourites WHERE person_id = ? ORDER BY created_at",
            (person_id,),
        )
        result: list[Saved] = []
        for row in rows:
            event = await self.catalog.event(row["event_id"])
            if event is not None:
                result.append(Saved(event, await self.catalog.next_session(event.id, now)))
        result.sort(
            key=lambda s: (
                s.next_session is None,
                s.next_session.starts_at if s.next_session else now,
            )
        )
        return result

    # --- the job ------------------------------------------------------------------------------
    async def fire(self, job: Job) -> None:
        data: dict[str, Any] = job.data
        person_id, event_id = int(data["person_id"]), int(data["event_id"])
        row = await self.db.fetchone(
            "SELECT vk_user_id, group_id FROM pushkin_card_favourites "
            "WHERE person_id = ? AND event_id = ?",
            (person_id, event_id),
        )
        event = await self.catalog.event(event_id)
        if row is None or event is None:
            return  # unsaved or gone from the programme since
        now = self.services.clock.now()
        when = await outbox.deliver_at(self.services, person_id, now)
        if when > now:
            await self.services.jobs.schedule(REMIND, Once(when), data, job_id=job.id)
            return
        starts = datetime.fromisoformat(data["starts_at"])
        sessions = [
            s
            for s in await self.catalog.sessions(event_id, now - timedelta(days=1))
            if s.starts_at == starts
        ]
        if not sessions:
            # Moved or cancelled by a later import: plan for the session that is now next.
            await self.schedule(person_id, event_id)
            return
        session = sessions[0]
        zone = await self.person_zone(person_id, session.timezone)
        day = session.local_end.date() if data.get("closing") else session.local_start.date()
        days_ahead = (day - now.astimezone(zone).date()).days
        text = T.render(
            "reminder.j2",
            event=event,
            session=session,
            closing=bool(data.get("closing")),
            days_ahead=days_ahead,
            now=now,
        )
        rows: list[list[Any]] = [[(T.label("open_card"), ShowCard(e=event_id).pack())]]
        if event.sale_link:
            rows.insert(0, [Link(T.label("buy"), event.sale_link)])
        await outbox.send(
            self.services,
            int(row["group_id"]),
            int(row["vk_user_id"]),
            text,
            inline(rows),
            key=f"remind:{person_id}:{event_id}:{data['starts_at']}",
        )
