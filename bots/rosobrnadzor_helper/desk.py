"""The help desk: appeals plus everything around them that talks to people.

Filing posts the appeal to the operators' chat and schedules the deadline reminders; an answer is
relayed to the teacher as the operator (the communication policy decides, and an answer it does not
allow stays in the teacher's list in the bot); an extension is announced to the teacher. Messages
to a person outside a conversation — the answer, the extension, the operator's reminder — go
through core's outbox (core/outbox): they wait for the recipient's working hours, survive a
restart and go once. Posts to the operators' chat, and the card an operator asked for with a
press, go at once through the community's sender; every message has a random_id derived from
what is sent, so a job that runs twice does not deliver twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core import keyboards
from core.outbox import OutboxMessage
from core.people import Identity
from core.plugins.extensions import ServiceKey
from core.runtime.services import Services
from core.scheduling import Job, Once
from core.texts import Texts
from core.vk.random_ids import random_id

from .appeals import (
    AUTO_CLOSE_DAYS,
    REMIND_DAYS_BEFORE,
    Appeal,
    AppealStore,
    list_queue,
    visible_to,
)
from .kb import KnowledgeBase
from .payloads import Answer, RateAnswer, Take

log = logging.getLogger("sferum.rosobrnadzor_helper")

NAME = "rosobrnadzor_helper"
REMIND = f"{NAME}.reminder"
AUTO_CLOSE = f"{NAME}.autoclose"
# Outbox kinds of the messages to a person (core/outbox).
ANSWER = f"{NAME}.answer"
EXTENSION = f"{NAME}.extension"
QUIET_HOURS = "quiet_hours"
# Where new appeals are posted: a peer id set by an admin (plugin storage), else the demo chat.
OPERATORS_CHAT_KEY = "operators_chat_peer_id"
OPERATORS_CHAT_EXTERNAL_ID = "demo:chat-operators"


@dataclass(frozen=True)
class Relay:
    """What became of a message to the teacher (an operator's answer, an extension): delivered,
    held back until ``until`` (QUIET_HOURS: the teacher's working hours, local time), or kept
    in the bot and why."""

    delivered: bool
    reason: str = ""
    until: str = ""


class Desk:
    """One per process (``desk_of``): it keeps the knowledge base's vocabulary cache."""

    def __init__(self, services: Services, texts: Texts) -> None:
        self.services = services
        self.texts = texts
        self.store = AppealStore(services.db, services.clock)
        self.kb = KnowledgeBase(services.db, clock=services.clock)

    # --- wiring -------------------------------------------------------------------------------
    def register_jobs(self) -> None:
        jobs = self.services.jobs
        jobs.register(REMIND, self.remind)
        jobs.register(AUTO_CLOSE, self.auto_close)
        # An answer held back for the teacher's working hours is recorded when it goes.
        self.services.outbox.on_settled(ANSWER, self.answer_settled)

    async def zone(self, appeal: Appeal) -> ZoneInfo:
        org = (
            None
            if appeal.org_id is None
            else await self.services.people.organisation(appeal.org_id)
        )
        return org.zone if org is not None else ZoneInfo(self.services.settings.timezone)

    async def local_date(self, appeal: Appeal, moment: datetime) -> str:
        return moment.astimezone(await self.zone(appeal)).strftime("%d.%m.%Y")

    async def local_time(self, appeal: Appeal, moment: datetime) -> str:
        return moment.astimezone(await self.zone(appeal)).strftime("%d.%m.%Y %H:%M")

    async def days_left(self, appeal: Appeal, now: datetime) -> int:
        """Calendar days to the deadline in the appeal's zone (0: today, negative: passed)."""
        zone = await self.zone(appeal)
        return (appeal.due_at.astimezone(zone).date() - now.astimezone(zone).date()).days

    async def operators_peer(self) -> int | None:
        stored = await self.services.storage(NAME).get(OPERATORS_CHAT_KEY)
        if isinstance(stored, int):
            return stored
        value = await self.services.db.fetchval(
            "SELECT peer_id FROM chats WHERE external_id = ?", (OPERATORS_CHAT_EXTERNAL_ID,)
        )
        return None if value is None else int(value)

    async def send(
        self,
        group_id: int | None,
        peer_id: int,
        text: str,
        keyboard: str | None,
        key: str,
        attachment: str | None = None,
    ) -> bool:
        """One message from the community; False when it could not be delivered. A text over
        VK's 9,000 characters goes in parts, the keyboard under the last
        (``BatchSender.send_one``): True only when every part was."""
        if group_id is None:
            return False
        try:
            sender = self.services.broadcasts.sender(group_id)
        except Exception as exc:  # no sender for this community (not connected): say so, go on
            log.warning("no sender for community %s: %s", group_id, exc)
            return False
        # ``attachment``: an appeal's files, uploaded once when it was filed.
        result = await sender.send_one(peer_id, text, random_id(NAME, key), keyboard, attachment)
        if not result.ok:
            log.warning("could not send %s to %s: VK error %s", key, peer_id, result.error_code)
        return result.ok

    async def vk_of(self, person_id: int | None) -> int | None:
        if person_id is None:
            return None
        person = await self.services.people.person(person_id)
        return None if person is None else person.vk_user_id

    async def describe(self, appeal: Appeal) -> dict[str, object]:
        """The values templates show for an appeal."""
        people = await self.services.people.persons(
            [pid for pid in (appeal.person_id, appeal.operator_id) if pid is not None]
        )
        author = people.get(appeal.person_id)
        operator = people.get(appeal.operator_id) if appeal.operator_id is not None else None
        org = (
            None
            if appeal.org_id is None
            else await self.services.people.organisation(appeal.org_id)
        )
        return {
            "a": appeal,
            "category": self.texts.label(f"cat_{appeal.category}"),
            "status": self.texts.label(f"status_{appeal.status.value}"),
            "due": await self.local_date(appeal, appeal.due_at),
            "created": await self.local_date(appeal, appeal.created_at),
            "author": author.full_name if author else "",
            "school": org.name if org else "",
            "operator": operator.full_name if operator else "",
            "overdue": appeal.overdue(self.services.clock.now()),
        }

    # --- filing -------------------------------------------------------------------------------
    async def file(
        self,
        author: Identity,
        *,
        group_id: int,
        category: str,
        text: str,
        links: list[str],
        files: Sequence[tuple[str, str, str]] = (),
    ) -> tuple[Appeal, bool]:
        """Register the appeal, schedule reminders, post it to the operators' chat.

        Returns the appeal and whether the operators' chat got it (it is in the queue either way).
        """
        appeal = await self.store.file(
            author, category=category, text=text, links=links, group_id=group_id, files=files
        )
        await self.schedule_reminders(appeal)
        posted = await self.post_to_operators(appeal)
        return appeal, posted

    async def post_to_operators(self, appeal: Appeal) -> bool:
        peer = await self.operators_peer()
        if peer is None:
            log.warning("no operators' chat: appeal %s waits in the queue", appeal.number)
            return False
        # A text button, not a callback one: a press in the chat reaches the bot as a message
        # from the operator, which every VK client and the sandbox deliver the same way.
        keyboard = keyboards.build(
            [[(self.texts.label("take"), Take(a=appeal.id).pack(), "positive")]],
            inline=True,
        )
        text = self.texts.render("operators_new.j2", **await self.describe(appeal))
        return await self.send(
            appeal.group_id, peer, text, keyboard, f"new:{appeal.id}", appeal.attachment
        )

    async def announce_taken(self, appeal: Appeal, group_id: int | None) -> None:
        """Tell the operators' chat who took the appeal, so nobody else starts on it (the same
        message whether it was taken in VK or in the mini-app)."""
        peer = await self.operators_peer()
        if peer is not None:
            await self.send(
                group_id,
                peer,
                self.texts.render("taken_in_chat.j2", **await self.describe(appeal)),
                None,
                f"taken:{appeal.id}:{appeal.operator_id}:{appeal.taken_at}",
            )

    async def schedule_reminders(self, appeal: Appeal) -> None:
        now = self.services.clock.now()
        for days in REMIND_DAYS_BEFORE:
            job_id = f"{REMIND}:{appeal.id}:{days}"
            at = appeal.due_at - timedelta(days=days)
            if at > now:
                await self.services.jobs.schedule(
                    REMIND, Once(at), {"appeal_id": appeal.id, "days": days}, job_id=job_id
                )
            else:
                await self.services.jobs.cancel(job_id)

    async def schedule_auto_close(self, appeal: Appeal) -> None:
        """An answered appeal: no more reminders; closed after ``AUTO_CLOSE_DAYS`` unrated."""
        for days in REMIND_DAYS_BEFORE:
            await self.services.jobs.cancel(f"{REMIND}:{appeal.id}:{days}")
        if appeal.answered_at is not None:
            await self.services.jobs.schedule(
                AUTO_CLOSE,
                Once(appeal.answered_at + timedelta(days=AUTO_CLOSE_DAYS)),
                {"appeal_id": appeal.id},
                job_id=f"{AUTO_CLOSE}:{appeal.id}",
            )

    # --- jobs ---------------------------------------------------------------------------------
    async def remind(self, job: Job) -> None:
        """Tell the operator who took the appeal (or the operators' chat) the deadline is near.

        Outside the operator's working hours the job itself waits for them (the outbox says
        until when): the text is made when it goes, so «завтра» is still true then, and a
        refused message still falls back to the chat."""
        appeal = await self.store.get(int(job.data["appeal_id"]))
        if appeal is None or not appeal.is_open:
            return
        days = int(job.data.get("days", 0))
        key = f"remind:{appeal.id}:{days}:{appeal.due_at.isoformat()}"
        operator_vk = await self.vk_of(appeal.operator_id)
        now = self.services.clock.now()
        if operator_vk is not None and appeal.operator_id is not None:
            when = await self.services.outbox.quiet_until(appeal.operator_id, now)
            if when > now:
                await self.services.jobs.schedule(REMIND, Once(when), job.data, job_id=job.id)
                return
        text = self.texts.render(
            "reminder.j2", days=await self.days_left(appeal, now), **await self.describe(appeal)
        )
        if operator_vk is not None and appeal.operator_id is not None and appeal.group_id:
            keyboard = keyboards.build(
                [[(self.texts.label("op_answer"), Answer(a=appeal.id).pack(), "primary")]],
                inline=True,
            )
            message = await self.services.outbox.deliver(
                group_id=appeal.group_id,
                kind=REMIND,
                key=key,
                text=text,
                keyboard=keyboard,
                person_id=appeal.operator_id,
                random_id=random_id(NAME, key),
            )
            if message.sent or message.waiting_until is not None:
                return  # sent, or a failure the outbox retries
        peer = await self.operators_peer()
        if peer is not None:
            await self.send(appeal.group_id, peer, text, None, key + ":chat")

    async def auto_close(self, job: Job) -> None:
        await self.store.close_if_answered(int(job.data["appeal_id"]))

    # --- answering ----------------------------------------------------------------------------
    async def answer(self, appeal_id: int, operator: Identity, text: str) -> tuple[Appeal, Relay]:
        """Record the operator's answer and relay it to the teacher as the operator."""
        appeal = await self.store.answer(appeal_id, operator, text)
        await self.schedule_auto_close(appeal)
        relay = await self.relay(appeal)
        if relay.reason == QUIET_HOURS:
            await self.store.mark_deferred(appeal.id, relay.until)
        else:
            await self.store.mark_delivered(appeal.id, relay.delivered, relay.reason)
        return appeal, relay

    async def relay(self, appeal: Appeal) -> Relay:
        """The answer to the teacher, as the operator (the outbox asks the policy), in the
        teacher's working hours."""
        if appeal.operator_id is None or appeal.answer is None:
            return Relay(False, "no_answer")
        if appeal.group_id is None:
            return Relay(False, "vk")
        text = self.texts.render("answer_to_teacher.j2", **await self.describe(appeal))
        key = f"answer:{appeal.id}"
        message = await self.services.outbox.deliver(
            group_id=appeal.group_id,
            kind=ANSWER,
            key=key,
            text=text,
            keyboard=self.rating_keyboard(appeal),
            person_id=appeal.person_id,
            on_behalf_of=appeal.operator_id,
            random_id=random_id(NAME, key),
        )
        return await self.relay_of(appeal, message)

    async def relay_of(self, appeal: Appeal, message: OutboxMessage) -> Relay:
        if message.sent:
            return Relay(True)
        if message.waiting_until is not None and message.deferred:
            return Relay(False, QUIET_HOURS, await self.local_time(appeal, message.waiting_until))
        reason = message.reason or ""
        if reason.startswith("policy:"):
            return Relay(False, ":".join(reason.split(":")[:2]))  # policy:<outcome>
        return Relay(False, "no_vk" if reason == "no_vk_account" else "vk")

    async def answer_settled(self, message: OutboxMessage) -> None:
        """A held-back answer went (or could not): the appeal's history says which."""
        appeal = await self.store.get(int(message.key.removeprefix("answer:")))
        if appeal is not None:
            relay = await self.relay_of(appeal, message)
            await self.store.mark_delivered(appeal.id, relay.delivered, relay.reason)

    def rating_keyboard(self, appeal: Appeal) -> str:
        row = [
            (self.texts.label("rate", n=n), RateAnswer(a=appeal.id, r=n).pack())
            for n in range(1, 6)
        ]
        return keyboards.build([row], inline=True)

    async def extend(self, appeal_id: int, operator: Identity, days: int) -> tuple[Appeal, Relay]:
        """Extend the deadline, move the reminders, tell the teacher (ст. 12 ч. 2 59-ФЗ) — in
        their working hours."""
        appeal = await self.store.extend(appeal_id, operator, days)
        await self.schedule_reminders(appeal)
        if appeal.group_id is None:
            return appeal, Relay(False, "vk")
        key = f"extended:{appeal.id}"
        message = await self.services.outbox.deliver(
            group_id=appeal.group_id,
            kind=EXTENSION,
            key=key,
            text=self.texts.render("extension_notice.j2", **await self.describe(appeal)),
            person_id=appeal.person_id,
            random_id=random_id(NAME, key),
        )
        return appeal, await self.relay_of(appeal, message)

    async def mine(self, person_id: int) -> list[Appeal]:
        return await self.store.of_person(person_id)

    async def queue_for(self, operator: Identity) -> list[Appeal]:
        """New appeals and those this operator has taken, the nearest deadline first."""
        if operator.person is None:
            return []
        return await list_queue(self.services.db, visible_to_operator=operator.person.id)

    async def visible(self, appeal_id: int, viewer: Identity) -> Appeal | None:
        """The appeal if ``viewer`` may see it (``appeals.visible_to``), else None — as if it
        did not exist, so ids of others' appeals tell nothing."""
        appeal = await self.store.get(appeal_id)
        return appeal if appeal is not None and visible_to(appeal, viewer) else None


# The desk the plugin provides (``Plugin.provides``): one per Services.
DESK = ServiceKey[Desk](f"{NAME}.desk")


def desk_of(services: Services, texts: Texts) -> Desk:
    """The services' desk, created on first use (also where the plugin was not installed: a
    unit test, a command)."""
    return services.get(DESK, lambda built: Desk(built, texts))
