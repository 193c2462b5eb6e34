"""An admin's answer to an appeal, from the cabinet: recorded with its audit entry in one
transaction, then sent to the person from the community they wrote in.

The answer is not a reply to anything the person just wrote, so it goes through the outbox
(core/outbox): at night a student's or a parent's answer waits for the morning, it survives a
restart and it is sent once (kind ``core.org_appeal_answer``, key the appeal's id). The admin is
the sender (``on_behalf_of``): the communication policy judges the pair as for any message a
person sends through a bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.audit import AuditLog
from core.outbox import OutboxMessage

from .store import MAX_ANSWER, OUTBOX_KIND, OrgAppeal, OrgAppealStore
from .texts import T

if TYPE_CHECKING:
    from core.runtime.services import Services

AUDIT_ACTION = "appeal.answer"


class AnswerProblem(ValueError):
    """An answer that cannot be sent as it is: ``reason`` is "empty" or "too_long"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Answered:
    appeal: OrgAppeal
    message: OutboxMessage | None  # None: the appeal had an answer already, nothing was sent


def clean_answer(text: str) -> str:
    """The answer as it will be sent, or AnswerProblem."""
    value = text.strip().replace("\r\n", "\n")
    if not value:
        raise AnswerProblem("empty")
    if len(value) > MAX_ANSWER:
        raise AnswerProblem("too_long")
    return value


async def answer_appeal(
    services: Services, audit: AuditLog, appeal: OrgAppeal, by_person_id: int, text: str
) -> Answered:
    answer = clean_answer(text)
    store = OrgAppealStore(services.db, services.clock)
    async with services.db.transaction() as tx:
        if not await store.mark_answered(appeal.id, by_person_id, answer, q=tx):
            current = await store.get(appeal.id)
            return Answered(current or appeal, None)
        await audit.record(
            by_person_id,
            appeal.org_id,
            AUDIT_ACTION,
            T.render("audit_target.j2", appeal=appeal),
            q=tx,
        )
    admin = await services.people.person(by_person_id)
    zone = ZoneInfo(await _zone(services, appeal.org_id))
    message = await services.outbox.deliver(
        group_id=appeal.group_id,
        kind=OUTBOX_KIND,
        key=str(appeal.id),
        text=T.render(
            "answer.j2",
            appeal=appeal,
            answer=answer,
            written=appeal.created_at.astimezone(zone).strftime("%d.%m.%Y"),
            admin=admin.full_name if admin else "",
        ),
        person_id=appeal.person_id,
        on_behalf_of=by_person_id,
    )
    done = await store.get(appeal.id)
    return Answered(done or appeal, message)


async def _zone(services: Services, org_id: int) -> str:
    org = await services.people.organisation(org_id)
    return org.timezone if org is not None else services.settings.timezone
