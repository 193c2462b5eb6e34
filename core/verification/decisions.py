"""What follows an admin's decision on a join request, wherever it is taken (the bot's callback
buttons in core/verification/handlers.py, the cabinet's «Заявки» in core/cabinet/join_requests.py):
``Verification.decide`` grants the role and clears the person's cached identity, then the person
hears of it from the community through core's outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.texts import CORE_TEXTS as T

from .service import JoinRequest

if TYPE_CHECKING:
    from core.outbox import OutboxMessage
    from core.runtime.services import Services

ROLE_TITLES = {"student": "ученик", "parent": "родитель", "staff": "педагог"}
# The outbox kind of the message to the requester; its key is the request's id, so a decision is
# told once whoever takes it and however often it is asked.
DECISION_KIND = "core.join_decision"


async def tell_requester(
    services: Services, decided: JoinRequest, approved: bool, *, group_id: int
) -> OutboxMessage:
    """The person filed the request earlier: the decision waits for their quiet hours (a
    student's night) in core's outbox, and goes from community ``group_id``."""
    org = await services.people.organisation(decided.org_id)
    return await services.outbox.deliver(
        group_id=group_id,
        kind=DECISION_KIND,
        key=str(decided.id),
        text=T.render(
            "join_person.j2",
            approved=approved,
            r=decided,
            role_title=ROLE_TITLES[decided.role.value],
            org=org.name if org else "",
        ),
        person_id=decided.person_id,
    )
