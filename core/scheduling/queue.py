"""A thin typed job queue: persisted jobs, one callback per job kind, one error handler.

Why not APScheduler's own scheduler loop: it reads the wall clock, and our logic takes time from an
injected clock so that tests move time instead of sleeping. APScheduler still does the fire-time
arithmetic (triggers.py). ``run_due()`` runs what is due on the clock; in production ``run()``
calls it in a loop.

A fire is claimed (next_run advanced) in the same transaction that selects it, so a job fires at
most once per due time even with several workers: SQLite's writer lock serialises the claims, and
on PostgreSQL the SELECT locks the rows it returns and skips rows another worker's claim holds
(``FOR UPDATE SKIP LOCKED``), re-checking the due time of a row whose claim committed meanwhile;
callbacks that must deliver exactly once (the
broadcast engine) keep their own delivery log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.clock import Clock
from core.storage import Database

from .triggers import Trigger

log = logging.getLogger("sferum.scheduling")


def _utc(moment: datetime | None) -> str | None:
    """Stored times are UTC ISO strings, so SQL compares them correctly as text."""
    return None if moment is None else moment.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    trigger: Trigger
    data: dict[str, Any]
    due: datetime
    runs: int


JobCallback = Callable[[Job], Awaitable[None]]
ErrorHandler = Callable[[Job, BaseException], Awaitable[None]]


class UnknownJobKind(Exception):
    pass


class JobQueue:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._callbacks: dict[str, JobCallback] = {}
        self._error_handler: ErrorHandler | None = None
        self._wake = asyncio.Event()

    def register(self, kind: str, callback: JobCallback) -> None:
        if kind in self._callbacks:
            raise ValueError(f"job kind {kind!r} is registered twice")
        self._callbacks[kind] = callback

    def on_error(self, handler: ErrorHandler) -> None:
        self._error_handler = handler

    async def schedule(
        self,
        kind: str,
        trigger: Trigger,
        data: dict[str, Any] | None = None,
        *,
        job_id: str | None = None,
        replace: bool = True,
    ) -> str:
        if kind not in self._callbacks:
            raise UnknownJobKind(f"no callback registered for job kind {kind!r}")
        now = self.clock.now()
        first = trigger.next_after(None, now)
        job_id = job_id or f"{kind}:{secrets.token_hex(6)}"
        conflict = (
            "ON CONFLICT (id) DO UPDATE SET trigger = excluded.trigger, data = excluded.data, "
            "next_run = excluded.next_run, status = 'active'"
            if replace
            else "ON CONFLICT DO NOTHING"
        )
        await self.db.execute(
            "INSERT INTO scheduled_jobs (id, kind, trigger, data, next_run, status, created_at) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?) {conflict}",
            (
                job_id,
                kind,
                json.dumps(trigger.to_json()),
                json.dumps(data or {}, ensure_ascii=False),
                _utc(first),
                "active" if first else "done",
                _utc(now),
            ),
        )
        self._wake.set()
        return job_id

    async def cancel(self, job_id: str) -> bool:
        return bool(
            await self.db.execute(
                "UPDATE scheduled_jobs SET status = 'cancelled' WHERE id = ? AND status = 'active'",
                (job_id,),
            )
        )

    async def next_run(self, job_id: str) -> datetime | None:
        value = await self.db.fetchval(
            "SELECT next_run FROM scheduled_jobs WHERE id = ? AND status = 'active'", (job_id,)
        )
        return None if value is None else datetime.fromisoformat(value)

    async def jobs(self, kind: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM scheduled_jobs WHERE status = 'active'"
        params: tuple[Any, ...] = ()
        if kind is not None:
            sql += " AND kind = ?"
            params = (kind,)
        return await self.db.fetchall(sql + " ORDER BY next_run", params)

    async def _claim_due(self, now: datetime) -> list[Job]:
        claimed: list[Job] = []
        async with self.db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT * FROM scheduled_jobs WHERE status = 'active' AND next_run <= ? "
                f"ORDER BY next_run LIMIT 500 {tx.dialect.skip_locked}",
                (_utc(now),),
            )
            for row in rows:
                trigger = Trigger.from_json(json.loads(row["trigger"]))
                due = datetime.fromisoformat(row["next_run"])
                following = trigger.next_after(due, now)
                # A recurring job that missed several fires (the process was down) fires once.
                while following is not None and following <= now:
                    following = trigger.next_after(following, now)
                await tx.execute(
                    "UPDATE scheduled_jobs SET next_run = ?, last_run = ?, runs = runs + 1, "
                    "status = ? WHERE id = ?",
                    (
                        _utc(following),
                        _utc(now),
                        "active" if following else "done",
                        row["id"],
                    ),
                )
                claimed.append(
                    Job(
                        row["id"],
                        row["kind"],
                        trigger,
                        json.loads(row["data"]),
                        due,
                        row["runs"] + 1,
                    )
                )
        return claimed

    async def run_due(self) -> int:
        """Run every job due on the clock; return how many ran."""
        jobs = await self._claim_due(self.clock.now())
        for job in jobs:
            callback = self._callbacks.get(job.kind)
            try:
                if callback is None:
                    raise UnknownJobKind(f"no callback for job kind {job.kind!r}")
                await callback(job)
            except Exception as exc:
                await self.db.execute(
                    "UPDATE scheduled_jobs SET last_error = ? WHERE id = ?",
                    (repr(exc)[:500], job.id),
                )
                if self._error_handler is not None:
                    await self._error_handler(job, exc)
                else:
                    log.exception("job %s (%s) failed", job.id, job.kind)
        return len(jobs)

    async def run(self, idle: timedelta = timedelta(seconds=1)) -> None:
        """Production loop: run due jobs, then wait a little or until a job is scheduled."""
        while True:
            await self.run_due()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), idle.total_seconds())
