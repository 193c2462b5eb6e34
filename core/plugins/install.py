"""Putting plugins to work on one ``Services``: the single call `sferum run` and the test
harness make once the database is migrated.

Order: settings (a bad one stops start-up before anything runs), the services plugins provide,
their scheduled jobs, then each ``on_startup`` (which may use all of the former).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence

from core.runtime.services import Services
from core.scheduling.queue import Job
from core.scheduling.triggers import Cron

from .loader import installed
from .settings import plugin_settings, unknown_tables, unread_env_keys
from .spec import Plugin, ScheduledJob

log = logging.getLogger("sferum.plugins")


def job_kind(plugin: Plugin, job: ScheduledJob) -> str:
    return f"{plugin.name}.{job.id}"


def job_id(plugin: Plugin, job: ScheduledJob) -> str:
    """Stable across restarts: the row of the job in scheduled_jobs."""
    return f"plugin:{plugin.name}:{job.id}"


def job_trigger(services: Services, job: ScheduledJob) -> Cron:
    return Cron(job.cron, job.timezone or services.settings.timezone)


async def install_plugins(
    services: Services, plugins: Sequence[Plugin], *, environ: Mapping[str, str] | None = None
) -> None:
    """Settings, provides, jobs, on_startup of every plugin, in that order (``environ``: where
    SFERUM_<NAME>_<FIELD> are read, the process's environment by default)."""
    for plugin in plugins:
        loaded = plugin_settings(plugin, services.settings, environ)
        if loaded is not None:
            services.extensions.set_settings(loaded)
    stray = unknown_tables(services.settings, {p.name for p in plugins} | set(installed()))
    if stray:
        # Not an error: a table may wait for a plugin about to be installed.
        log.warning("sferum.toml: [bots.%s] is for no installed plugin", ", ".join(stray))
    for key in unread_env_keys(list(plugins), os.environ if environ is None else environ):
        log.warning("%s is read by no setting of an installed plugin (a typo or an old name?)", key)
    for plugin in plugins:
        for offer in plugin.provides:
            services.extensions.provide(offer.key, offer.factory)
    for plugin in plugins:
        for job in plugin.jobs:
            await _schedule(services, plugin, job)
    for plugin in plugins:
        if plugin.on_startup is not None:
            await plugin.on_startup(services)


async def _schedule(services: Services, plugin: Plugin, job: ScheduledJob) -> None:
    callback = job.callback

    async def run(fired: Job) -> None:
        await callback(services, fired)

    kind = job_kind(plugin, job)
    services.jobs.register(kind, run)
    trigger = job_trigger(services, job)
    stable_id = job_id(plugin, job)
    row = await services.db.fetchone(
        "SELECT kind, trigger, status FROM scheduled_jobs WHERE id = ?", (stable_id,)
    )
    # A restart keeps the pending fire (a start at 09:01 neither loses 09:00 nor fires it
    # twice); only a changed schedule moves it.
    unchanged = (
        row is not None
        and row["status"] == "active"
        and row["kind"] == kind
        and json.loads(row["trigger"]) == trigger.to_json()
    )
    if not unchanged:
        await services.jobs.schedule(kind, trigger, job_id=stable_id, replace=True)
