"""The Monday job that stores the federal ranking's snapshots (job kind ``KIND``).

Once a week, just after the week has ended in every region, it stores the per-school snapshots of
that week and of the week before (``FederalMonitoring.store_snapshots``: the rows the regional
reports keep, metrics.py), so the federal page, which opens on that week, reads stored rows only.
Kaliningrad, the westernmost zone, ends a week at 01:00 Moscow; the job runs at 01:15, so the
activity recorder's last buffered events of the week (flushed every few seconds) are written
before it and do not drop the fresh snapshots again.

Idempotent: only the school-weeks without a snapshot are computed, so a second run (a retry, two
workers, a late start) computes nothing. Its SQL runs on the database's reader threads, gathered,
and the rows are written in one batch per group of zones: the event loop is never held for long.
A week dropped later (late events, an import) is computed again by the next page that asks.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import time
from typing import TYPE_CHECKING

from core.clock import Clock
from core.scheduling import Job, JobQueue, Weekly
from core.storage import Database

from .federal import FEDERAL_ZONE, FederalMonitoring, last_finished_monday

if TYPE_CHECKING:
    from core.runtime.services import Services

log = logging.getLogger("sferum.monitoring")

KIND = "monitoring.federal_snapshots"
JOB_ID = KIND
MONDAY = 1
AT = time(1, 15)  # Moscow
TRIGGER = Weekly((MONDAY,), AT, FEDERAL_ZONE)


class FederalSnapshots:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def fire(self, job: Job) -> int:
        """Store the snapshots of the week finished everywhere by the job's due time; return how
        many school-weeks were computed (0 when they were all stored)."""
        monday = last_finished_monday(job.due)
        computed = await FederalMonitoring(self.db, self.clock).store_snapshots(monday)
        log.info("federal snapshots of %s: %d school-weeks computed", monday, computed)
        return computed


async def schedule(jobs: JobQueue, db: Database, clock: Clock) -> FederalSnapshots:
    """Register the job kind on ``jobs`` and schedule the job. An existing job keeps its next
    run: a fire missed while the process was down still happens (once) when it starts."""
    snapshots = FederalSnapshots(db, clock)

    async def callback(job: Job) -> None:
        await snapshots.fire(job)

    # Already registered when one Services is shared by several communities.
    with contextlib.suppress(ValueError):
        jobs.register(KIND, callback)
    await jobs.schedule(KIND, TRIGGER, job_id=JOB_ID, replace=False)
    return snapshots


async def setup(services: Services) -> FederalSnapshots:
    """Call once per process at start, before jobs run."""
    return await schedule(services.jobs, services.db, services.clock)


__all__ = ["AT", "JOB_ID", "KIND", "TRIGGER", "FederalSnapshots", "schedule", "setup"]
