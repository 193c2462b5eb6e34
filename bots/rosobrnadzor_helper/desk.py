"""The help desk: appeals plus everything around them that talks to people.

Filing posts the appeal to the operators' chat and schedules the deadline reminders; an answer is
relayed to the teacher as the operator (the communication policy decides, and an answer it does not
allow stays in the teacher's list in the bot); an extension is announced to the teacher. Messages
outside a conversation go through the community's sender that core registers for broadcasts,
with a random_id derived from what is sent so a job that runs twice does not deliver twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core import keyboards
from core.people import Identity
from core.policy import Outcome
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

log = logging.getLogger("sferum.rosobrnadzor_helper")

NAME = "rosobrnadzor_helper"
REMIND = f"{NAME}.reminder"
AUTO_CLOSE = f"{NAME}.autoclose"
# Where new appeals are posted: a peer id set by an admin (plugin storage), else the demo chat.
OPERATORS_CHAT_KEY = "operators_chat_peer_id"
OPERATORS_CHAT_EXTERNAL_ID = "demo:chat-operators"


@dataclass(frozen=True)
class Relay:
    """What became of an operator's answer: delivered, or kept in the bot and why."""

    delivered: bool
    reason: str = ""


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

    async def zone(self, appeal: Appeal) -> ZoneInfo:
        org = (
            None
            if appeal.org_id is None
            else await self.services.people.organisation(appeal.org_id)
        )
        return org.zone if org is not None else ZoneInfo(self.services.settings.timezone)

    async def local_date(self, appeal: Appeal, moment: datetime) -> str:
        return moment.astimezone(await self.zone(appeal)).strftime("%d.%m.%Y")

    async def operators_peer(self) -> int | None:
        stored = await self.services.storage(NAME).get(OPERATORS_CHAT_KEY)
        if isinstance(stored, int):
            return stored
        value = await self.services.db.fetchval(
            "SELECT peer_id FROM chats WHERE external_id = ?", (OPERATORS_CHAT_EXTERNAL_ID,)
        )
        return None if value is None else int(value)

    async def send(
        self, group_id: int | None, peer_id: int, text: str, keyboard: str | None, key: str
    ) -> bool:
        """One message from the community; False when it could not be delivered. A text over
        VK's 4,096 characters (an answer of MAX_ANSWER with the relay's header) goes in parts,
        the keyboard under the last (``BatchSender.send_one``): True only when every part was."""
        if group_id is None:
            return False
        try:
            sender = self.services.broadcasts.sender(group_id)
        except Exception as exc:  # no sender for this community (not connected): say so, go on
            log.warning("no sender for community %s: %s", group_id, exc)
            return False
        result = await sender.send_one(peer_id, text, random_id(NAME, key), keyboard)
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
    ) -> tuple[Appeal, bool]:
        """Register the appeal, schedule reminders, post it to the operators' chat.

        Returns the appeal and whether the operators' chat got it (it is in the queue either way).
        """
        appeal = await self.store.file(
            author, category=category, text=text, links=links, group_id=group_id
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
            [[(self.texts.label("take"), {"rb": "op_take", "a": appeal.id}, "positive")]],
            inline=True,
        )
        text = self.texts.render("operators_new.j2", **await self.describe(appeal))
        return await self.send(appeal.group_id, peer, text, keyboard, f"new:{appeal.id}")

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
        """Tell the operator who took the appeal (or the operators' chat) the deadline is near."""
        appeal = await self.store.get(int(job.data["appeal_id"]))
        if appeal is None or not appeal.is_open:
            return
        days = int(job.data.get("days", 0))
        text = self.texts.render("reminder.j2", days=days, **await self.describe(appeal))
        operator_vk = await self.vk_of(appeal.operator_id)
        key = f"remind:{appeal.id}:{days}:{appeal.due_at.isoformat()}"
        if operator_vk is not None:
            keyboard = keyboards.build(
                [[(self.texts.label("op_answer"), {"rb": "op_answer", "a": appeal.id}, "primary")]],
                inline=True,
            )
            if await self.send(appeal.group_id, operator_vk, text, keyboard, key):
                return
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
        await self.store.mark_delivered(appeal.id, relay.delivered, relay.reason)
        return appeal, relay

    async def relay(self, appeal: Appeal) -> Relay:
        if appeal.operator_id is None or appeal.answer is None:
            return Relay(False, "no_answer")
        decision = await self.services.policy.decide_pair(appeal.operator_id, appeal.person_id)
        if decision.outcome != Outcome.ALLOW:
            return Relay(False, f"policy:{decision.outcome.value}")
        teacher_vk = await self.vk_of(appeal.person_id)
        if teacher_vk is None:
            return Relay(False, "no_vk")
        text = self.texts.render("answer_to_teacher.j2", **await self.describe(appeal))
        sent = await self.send(
            appeal.group_id, teacher_vk, text, self.rating_keyboard(appeal), f"answer:{appeal.id}"
        )
        return Relay(sent, "" if sent else "vk")

    def rating_keyboard(self, appeal: Appeal) -> str:
        row = [
            (self.texts.label("rate", n=n), {"rb": "rate", "a": appeal.id, "r": n})
            for n in range(1, 6)
        ]
        return keyboards.build([row], inline=True)

    async def extend(self, appeal_id: int, operator: Identity, days: int) -> tuple[Appeal, bool]:
        """Extend the deadline, move the reminders, tell the teacher (ст. 12 ч. 2 59-ФЗ)."""
        appeal = await self.store.extend(appeal_id, operator, days)
        await self.schedule_reminders(appeal)
        teacher_vk = await self.vk_of(appeal.person_id)
        told = teacher_vk is not None and await self.send(
            appeal.group_id,
            teacher_vk,
            self.texts.render("extension_notice.j2", **await self.describe(appeal)),
            None,
            f"extended:{appeal.id}",
        )
        return appeal, told

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


def desk_of(services: Services, texts: Texts) -> Desk:
    """The process's desk, created on first use."""
    desk = services.extras.get(NAME)
    if not isinstance(desk, Desk):
        desk = services.extras[NAME] = Desk(services, texts)
    return desk
