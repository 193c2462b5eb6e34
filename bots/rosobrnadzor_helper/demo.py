"""Demo appeals for the embedded sandbox, dated back from the day it is first started.

Each appeal of data/demo_appeals.yaml is filed, taken and answered through ``AppealStore`` at the
moments its ``*_days_ago`` fields name, so history, numbers and 59-ФЗ deadlines are those the
real flow would give; the deadlines' reminders are scheduled as for any appeal. Loaded once: a
database that already has appeals is left as it is.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from core.clock import ManualClock
from core.demo.district import build
from core.runtime.services import Services

from .appeals import AppealStore
from .desk import desk_of
from .ui import T

log = logging.getLogger("sferum.rosobrnadzor_helper")

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_appeals.yaml"


def demo_appeals() -> list[dict[str, Any]]:
    items = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    if not isinstance(items, list):
        raise ValueError(f"{DEMO_FILE}: expected a list of appeals")
    return items


async def load_demo_appeals(services: Services, group_id: int) -> int:
    """File the demo appeals (oldest first) unless there are appeals already; their number."""
    if await services.db.fetchval("SELECT 1 FROM rosobrnadzor_helper_appeals LIMIT 1"):
        return 0
    vk_ids = build().vk_ids()
    now = services.clock.now()
    past = ManualClock(now)
    store = AppealStore(services.db, past)
    desk = desk_of(services, T)
    filed = 0
    for item in sorted(demo_appeals(), key=lambda a: -int(a["days_ago"])):
        author = await services.identities.get(vk_ids[item["author"]])
        if author.person is None:  # the demo district is not loaded: nothing to file for
            continue
        past.set(now - timedelta(days=int(item["days_ago"])))
        appeal = await store.file(
            author,
            category=item["category"],
            text=item["text"],
            links=item.get("links", []),
            group_id=group_id,
        )
        if "operator" in item:
            operator = await services.identities.get(vk_ids[item["operator"]])
            past.set(now - timedelta(days=int(item["taken_days_ago"])))
            appeal = await store.take(appeal.id, operator)
            if "answer" in item:
                past.set(now - timedelta(days=int(item["answered_days_ago"])))
                appeal = await store.answer(appeal.id, operator, item["answer"])
                await store.mark_delivered(appeal.id, True)
                await desk.schedule_auto_close(appeal)
        if appeal.is_open:
            await desk.schedule_reminders(appeal)
        filed += 1
    log.info("demo appeals filed: %s", filed)
    return filed
