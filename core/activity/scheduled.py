"""The weekly report admins subscribe to: Monday 09:00 in their organisation's zone, the week that
has just ended.

One job per subscription (kind ``monitoring.weekly``). The report is the bot answering the admin's
own request, not a message on anyone's behalf, so the communication policy does not apply. It is
still a message the bot sends by itself, so it goes through core's outbox: outside the admin's
working hours (a job that ran late, an admin with later hours) it waits for them. The outbox
names it by the admin, the organisation and the week, so a job that runs twice sends it once.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, time
from typing import TYPE_CHECKING

from core.plugins.registry import ServiceKey
from core.scheduling import Job, Weekly
from core.vk.random_ids import random_id

from .keyboard import summary_keyboard
from .metrics import MonitoringError
from .report import Reports
from .summary import summary_text
from .weeks import Week

if TYPE_CHECKING:
    from core.runtime.services import Services

log = logging.getLogger("sferum.monitoring")

KIND = "monitoring.weekly"
OUTBOX_KIND = "monitoring.weekly_report"
MONDAY = 1
AT = time(9, 0)


def job_id(person_id: int, org_id: int) -> str:
    return f"{KIND}:{person_id}:{org_id}"


async def may_see(services: Services, person_id: int, org_id: int) -> bool:
    """An admin sees the organisations they administer and everything under them (only a
    person with an active admin role sees anything: ``Monitoring.admin_units``)."""
    reports = Reports.over(services.db, services.clock)
    try:
        tree = await reports.monitoring.tree(org_id)
    except MonitoringError:
        return False
    return any(
        tree.within(org_id, unit) for unit in await reports.monitoring.admin_units(person_id)
    )


class WeeklyReports:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.db = services.db

    async def subscribed(self, person_id: int, org_id: int) -> bool:
        found = await self.db.fetchval(
            "SELECT 1 FROM monitoring_subscriptions WHERE person_id = ? AND org_id = ?",
            (person_id, org_id),
        )
        return found is not None

    async def subscribe(self, person_id: int, org_id: int, group_id: int) -> None:
        reports = Reports.over(self.db, self.services.clock)
        tree = await reports.monitoring.tree(org_id)
        await self.db.execute(
            "INSERT INTO monitoring_subscriptions (person_id, org_id, group_id, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (person_id, org_id) DO UPDATE SET "
            "group_id = excluded.group_id",
            (person_id, org_id, group_id, self.services.clock.now().astimezone(UTC).isoformat()),
        )
        await self.services.jobs.schedule(
            KIND,
            Weekly((MONDAY,), AT, tree.timezone(org_id)),
            {"person_id": person_id, "org_id": org_id, "group_id": group_id},
            job_id=job_id(person_id, org_id),
        )

    async def unsubscribe(self, person_id: int, org_id: int) -> bool:
        removed = await self.db.execute(
            "DELETE FROM monitoring_subscriptions WHERE person_id = ? AND org_id = ?",
            (person_id, org_id),
        )
        await self.services.jobs.cancel(job_id(person_id, org_id))
        return bool(removed)

    async def fire(self, job: Job) -> bool:
        """Send one subscriber the report of the week that has just ended; True when it went or
        waits for the admin's working hours (the outbox sends it then)."""
        services = self.services
        person_id, org_id = int(job.data["person_id"]), int(job.data["org_id"])
        group_id = int(job.data["group_id"])
        if not await self.subscribed(person_id, org_id):
            await services.jobs.cancel(job.id)
            return False
        still_admin = await may_see(services, person_id, org_id)
        person = await services.people.person(person_id)
        if not still_admin or person is None or person.vk_user_id is None:
            log.info("monitoring report for %s: no longer an admin of %s", person_id, org_id)
            await self.unsubscribe(person_id, org_id)
            return False
        reports = Reports.over(services.db, services.clock)
        tree = await reports.monitoring.tree(org_id)
        week = Week.containing(job.due, tree.timezone(org_id)).previous()
        report = await reports.unit_report(org_id, week)
        text = summary_text(report, finished=True)
        keyboard = summary_keyboard(services.settings.vk_app_id, group_id, org_id, subscribed=True)
        message = await services.outbox.deliver(
            group_id=group_id,
            kind=OUTBOX_KIND,
            key=f"{person_id}:{org_id}:{week.key}",
            text=text,
            keyboard=keyboard,
            person_id=person_id,
            random_id=random_id("monitoring", person_id, org_id, week.key),
        )
        if not message.sent and message.waiting_until is None:
            log.warning("monitoring report for %s not delivered: %s", person_id, message.reason)
        return message.sent or message.waiting_until is not None


def setup(services: Services) -> WeeklyReports:
    """Register the job kind (once per process; call at start, before jobs run)."""
    weekly = services.get(WEEKLY, WeeklyReports)

    async def callback(job: Job) -> None:
        await weekly.fire(job)

    # Already registered when one Services is shared by several communities.
    with contextlib.suppress(ValueError):
        services.jobs.register(KIND, callback)
    return weekly


# The weekly reports of these services, one per Services (``services.get(WEEKLY)``).
WEEKLY = ServiceKey[WeeklyReports]("monitoring.weekly")
