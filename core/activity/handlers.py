"""«мониторинг» in every community: the weekly summary for admins, and its buttons.

Mount ``labeler`` next to core's verification labeler (core labelers run before plugins) and call
``setup(services)`` once at start so the weekly report job kind is registered before jobs run.

- «мониторинг» (private chat): the summary of the last finished week for the widest organisation
  the writer administers (their region if they are a region admin), with buttons: open the
  mini-app's admin pages, the current week so far, subscribe to the Monday report. Anyone else
  gets a polite explanation.
- The buttons are callback buttons with ``{"mon": ...}`` payloads; a press is checked again (the
  presser must still administer that organisation or one above it).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from vkbottle import GroupEventType
from vkbottle.bot import MessageEvent
from vkbottle.dispatch.rules import ABCRule
from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.people import Position, RoleKind
from core.rules import Command, PrivateChat
from core.runtime.context import Ctx

from .keyboard import KEY, summary_keyboard
from .metrics import MonitoringError
from .report import Reports
from .scheduled import WEEKLY, WeeklyReports, may_see
from .scheduled import setup as setup_jobs
from .summary import summary_text
from .texts import T

if TYPE_CHECKING:
    from core.runtime.services import Services

log = logging.getLogger("sferum.monitoring")
labeler = BotLabeler()
MAX_UNITS = 3  # an admin of several organisations gets the widest few

__all__ = ["labeler", "setup"]


def setup(services: Services) -> WeeklyReports:
    """Call once at start: registers the weekly report's job kind."""
    return setup_jobs(services)


def _weekly(cx: Ctx) -> WeeklyReports:
    return cx.services.get(WEEKLY, setup_jobs)


async def _summary(cx: Ctx, org_id: int, *, finished: bool) -> tuple[str, str]:
    services = cx.services
    reports = Reports.over(services.db, services.clock)
    week = await reports.week_for(org_id)
    if finished:
        week = week.previous()
    report = await reports.unit_report(org_id, week)
    subscribed = await _weekly(cx).subscribed(cx.person_id or 0, org_id)
    keyboard = summary_keyboard(
        services.settings.vk_app_id, cx.group_id, org_id, subscribed=subscribed
    )
    return summary_text(report, finished=finished), keyboard


def _is_admin(cx: Ctx) -> bool:
    return cx.person_id is not None and cx.identity.has(RoleKind.STAFF, Position.ADMIN)


@labeler.message(Command("monitoring", "мониторинг") & PrivateChat())
async def monitoring(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    if not _is_admin(cx):
        await message.answer(T.render("not_admin.j2"))
        return
    reports = Reports.over(cx.services.db, cx.services.clock)
    units = await reports.monitoring.admin_units(cx.person_id or 0)
    # A region admin often also holds a school role: the region's report covers it.
    shown: list[int] = []
    for unit in units:
        tree = await reports.monitoring.tree(unit)
        if not any(tree.within(unit, wider) for wider in shown if wider in tree):
            shown.append(unit)
    if not shown:
        await message.answer(T.render("no_unit.j2"))
        return
    for org_id in shown[:MAX_UNITS]:
        text, keyboard = await _summary(cx, org_id, finished=True)
        await message.answer(text, keyboard=keyboard)


class MonitoringPress(ABCRule[MessageEvent]):
    """A press of a monitoring button: ``{"mon": action, "org": id}``."""

    async def check(self, event: MessageEvent) -> bool | dict[str, Any]:
        data = event.payload
        if isinstance(data, dict) and data.get(KEY) in ("now", "sub", "unsub"):
            return {"payload": data}
        return False


@labeler.raw_event(GroupEventType.MESSAGE_EVENT, MessageEvent, MonitoringPress())
async def pressed(event: MessageEvent, cx: Ctx, payload: dict[str, Any]) -> None:
    action = payload[KEY]
    try:
        org_id = int(payload.get("org", 0))
    except (TypeError, ValueError):
        org_id = 0
    person_id = cx.person_id
    if person_id is None or not _is_admin(cx) or not await may_see(cx.services, person_id, org_id):
        await event.show_snackbar(T.label("not_admin_snackbar"))
        return
    weekly = _weekly(cx)
    try:
        if action == "sub":
            await weekly.subscribe(person_id, org_id, cx.group_id)
            await event.show_snackbar(T.label("subscribed_snackbar"))
        elif action == "unsub":
            await weekly.unsubscribe(person_id, org_id)
            await event.show_snackbar(T.label("unsubscribed_snackbar"))
        else:
            text, keyboard = await _summary(cx, org_id, finished=False)
            await event.show_snackbar(T.label("sent_snackbar"))
            await cx.api.messages.send(
                peer_id=event.peer_id, message=text, keyboard=keyboard, random_id=0
            )
    except MonitoringError:
        await event.show_snackbar(T.label("not_admin_snackbar"))
