"""The daily reminder: at the time a student chose, in their school's zone, "N tasks are due".

One persisted job per student (a Weekly trigger on every day), so a restart keeps it. The message is
sent only when something is due, never at night (21:00–08:00 local): the times offered are in the
afternoon and a forged time is refused, and a job that fires at night anyway (the process was down
at the chosen time, the school moved zone) is held back by core's outbox until the morning. The
reminder is the community's answer to the student's own request, not a message on someone's
behalf, so the communication policy does not apply.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import time
from typing import TYPE_CHECKING

from core.people import RoleKind
from core.quiet_hours import STUDENT_MORNING, STUDENT_NIGHT_START
from core.scheduling import Job, Weekly
from core.vk.random_ids import random_id

from . import ui
from .payloads import Due
from .selection import due_count

if TYPE_CHECKING:
    from core.runtime.services import Services

log = logging.getLogger("sferum.exam_trainer")

KIND = "exam_trainer.reminder"
TIMES = ("16:00", "17:00", "18:00", "19:00", "20:00")
EVERY_DAY = (1, 2, 3, 4, 5, 6, 7)


def job_id(person_id: int) -> str:
    return f"{KIND}:{person_id}"


def parse_time(text: str) -> time | None:
    """ "17:00" → 17:00; None for anything else, and for night times (no reminders at night)."""
    try:
        hours, minutes = (int(part) for part in text.split(":"))
        moment = time(hours, minutes)
    except (ValueError, TypeError):
        return None
    return moment if STUDENT_MORNING <= moment < STUDENT_NIGHT_START else None


async def zone_of(services: Services, person_id: int) -> tuple[str, int | None]:
    """The student's school zone (and the school), else the configured default zone."""
    roles = await services.people.active_roles(person_id)
    ordered = sorted(roles, key=lambda r: r.role != RoleKind.STUDENT)
    for role in ordered:
        org = await services.people.organisation(role.org_id)
        if org is not None:
            return org.timezone, org.id
    return services.settings.timezone, None


async def current(services: Services, person_id: int) -> str | None:
    value = await services.db.fetchval(
        "SELECT at FROM exam_trainer_reminders WHERE person_id = ?", (person_id,)
    )
    return None if value is None else str(value)


async def set_reminder(services: Services, person_id: int, group_id: int, at: time) -> str:
    """Schedule (or move) the student's daily reminder; returns the job id."""
    zone, _ = await zone_of(services, person_id)
    ident = await services.jobs.schedule(
        KIND,
        Weekly(EVERY_DAY, at, zone),
        {"person_id": person_id, "group_id": group_id},
        job_id=job_id(person_id),
    )
    await services.db.execute(
        "INSERT INTO exam_trainer_reminders (person_id, group_id, at, timezone, job_id) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
        "group_id = excluded.group_id, at = excluded.at, timezone = excluded.timezone, "
        "job_id = excluded.job_id",
        (person_id, group_id, at.strftime("%H:%M"), zone, ident),
    )
    return ident


async def clear_reminder(services: Services, person_id: int) -> bool:
    cancelled = await services.jobs.cancel(job_id(person_id))
    await services.db.execute(
        "DELETE FROM exam_trainer_reminders WHERE person_id = ?", (person_id,)
    )
    return cancelled


async def send_reminder(services: Services, job: Job) -> bool:
    """The job's callback: True when the day's reminder has gone (now, or by an earlier run of
    the same fire); False when nothing is due, it waits for the morning or VK refused it."""
    person_id = int(job.data["person_id"])
    group_id = int(job.data["group_id"])
    now = services.clock.now()
    due = await due_count(services.db, person_id, now)
    if due == 0:
        return False
    keyboard = ui.keyboard([[(ui.label("review", n=due), Due().pack())]], inline=True)
    text = ui.TEXTS.render("reminder.j2", due=due)
    day = job.due.date().isoformat()
    # One reminder per student per day even if the job were run twice: the outbox knows the
    # day's reminder by its key, and VK drops a repeat of its random_id.
    message = await services.outbox.deliver(
        group_id=group_id,
        kind=KIND,
        key=f"{person_id}:{day}",
        text=text,
        keyboard=keyboard,
        person_id=person_id,
        random_id=random_id("exam-trainer-reminder", person_id, day),
    )
    if not message.sent and message.waiting_until is None:
        log.info("reminder for person %s not delivered: %s", person_id, message.reason)
    return message.sent


def register(services: Services) -> None:
    async def callback(job: Job) -> None:
        await send_reminder(services, job)

    # Already registered when one Services is shared by several communities.
    with contextlib.suppress(ValueError):
        services.jobs.register(KIND, callback)
