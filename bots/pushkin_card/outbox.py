"""Messages the bot sends by itself, outside a conversation: reminders of saved events.

These are the bot answering a person's own request (a saved event), not a
message on someone's behalf, so the communication policy does not apply; students' night hours
do. They go through the community's sender that core registers for broadcasts, with a random_id
derived from what is sent, so a job that runs twice does not deliver twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from core.people import Organisation, RoleKind
from core.quiet_hours import plan_for_student
from core.runtime.services import Services
from core.vk.random_ids import random_id

log = logging.getLogger("sferum.pushkin_card")


async def student_school(services: Services, person_id: int) -> Organisation | None:
    """The school of a student (None for anyone else: only students have night hours)."""
    for role in await services.people.active_roles(person_id):
        if role.role == RoleKind.STUDENT:
            return await services.people.organisation(role.org_id)
    return None


async def deliver_at(services: Services, person_id: int, now: datetime) -> datetime:
    """Now, or the next morning when it is night for a student."""
    school = await student_school(services, person_id)
    return now if school is None else plan_for_student(school, now).at


async def send(
    services: Services,
    group_id: int,
    vk_user_id: int,
    text: str,
    keyboard: str | None,
    key: str,
) -> bool:
    """Send one message; False when VK refused it (the person blocked the community...)."""
    sender = services.broadcasts.sender(group_id)
    result = await sender.send_one(vk_user_id, text, random_id("pushkin_card", key), keyboard)
    if not result.ok:
        log.warning("could not message %s (%s): VK error %s", vk_user_id, key, result.error_code)
    return result.ok
