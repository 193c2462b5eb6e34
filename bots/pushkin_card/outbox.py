"""Messages the bot sends by itself, outside a conversation: reminders of saved events.

These are the bot answering a person's own request (a saved event), not a message on someone's
behalf, so the communication policy does not apply; the recipient's quiet hours do — a student's
or a parent's night, a teacher's working hours — as core's outbox (core/outbox) decides for every
bot. The reminder job asks ``deliver_at`` first and, outside those hours, moves itself to their
end, so its text («завтра», «сегодня») is made when it goes; ``send`` then hands the message to
the outbox, which sends it once: its key is what is sent, and so is its random_id.
"""

from __future__ import annotations

import logging
from datetime import datetime

from core.runtime.services import Services
from core.vk.random_ids import random_id

log = logging.getLogger("sferum.pushkin_card")

KIND = "pushkin_card.reminder"  # the outbox's name for these messages


async def deliver_at(services: Services, person_id: int, now: datetime) -> datetime:
    """Now, or when the person's quiet hours end."""
    return max(now, await services.outbox.quiet_until(person_id, now))


async def send(
    services: Services,
    group_id: int,
    vk_user_id: int,
    text: str,
    keyboard: str | None,
    key: str,
) -> bool:
    """Send one message; False when it did not go now (VK refused it, the person blocked the
    community...; or, asked at a quiet hour, it waits in the outbox)."""
    person = await services.people.person_by_vk(vk_user_id)
    message = await services.outbox.deliver(
        group_id=group_id,
        kind=KIND,
        key=key,
        text=text,
        keyboard=keyboard,
        person_id=None if person is None else person.id,
        peer_id=vk_user_id if person is None else None,
        random_id=random_id("pushkin_card", key),
    )
    if not message.sent and message.waiting_until is None:
        log.warning("could not message %s (%s): %s", vk_user_id, key, message.reason)
    return message.sent
