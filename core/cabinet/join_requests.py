"""«Заявки»: the join requests of an organisation's schools (the bot's «подтвердить роль» dialog
files them), pending first, decided ones with who decided and when.

A decision here is the bot's decision (core/verification/handlers.py, ``decide_request``):
``Verification.decide`` grants the role (and the class), clears the person's cached identity and
refuses a request decided already; then ``tell_requester`` sends the person the same message
through core's outbox, from the community they filed the request in. A request someone else
decided in the meantime (in the bot, or another admin here) changes nothing and is reported as
such.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from core.audit import AuditLog
from core.people import RoleKind
from core.storage.abc import Row
from core.verification import AlreadyDecided
from core.verification.decisions import tell_requester

from .community import request_community

if TYPE_CHECKING:
    from core.runtime.services import Services

log = logging.getLogger("sferum.cabinet")

DECIDED_SHOWN = 50  # the latest decided requests a page lists


class Outcome(StrEnum):
    DECIDED = "decided"
    ALREADY = "already"  # decided by someone else before: nothing changed
    NOT_FOUND = "not_found"  # no such request in this organisation's tree


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: int
    person_id: int
    person_name: str
    vk_bound: bool
    org_id: int
    org_name: str
    role: RoleKind
    position: str | None
    group_name: str
    comment: str
    status: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: str

    @property
    def pending(self) -> bool:
        return self.status == "pending"


_SELECT = (
    "SELECT r.*, trim(p.first_name || ' ' || p.last_name) AS person_name, "
    "p.vk_user_id IS NOT NULL AS vk_bound, o.name AS org_name, g.name AS group_name, "
    "trim(coalesce(d.first_name, '') || ' ' || coalesce(d.last_name, '')) AS decided_by_name "
    "FROM join_requests r JOIN persons p ON p.id = r.person_id "
    "JOIN organisations o ON o.id = r.org_id "
    "LEFT JOIN groups g ON g.id = r.group_id LEFT JOIN persons d ON d.id = r.decided_by "
)


def _row(r: Row) -> RequestRow:
    return RequestRow(
        id=int(r["id"]),
        person_id=int(r["person_id"]),
        person_name=r["person_name"],
        vk_bound=bool(r["vk_bound"]),
        org_id=int(r["org_id"]),
        org_name=r["org_name"],
        role=RoleKind(r["role"]),
        position=r["position"],
        group_name=r["group_name"] or "",
        comment=r["comment"] or "",
        status=r["status"],
        created_at=datetime.fromisoformat(r["created_at"]),
        decided_at=datetime.fromisoformat(r["decided_at"]) if r["decided_at"] else None,
        decided_by=r["decided_by_name"] or "",
    )


class JoinRequests:
    def __init__(self, services: Services, audit: AuditLog) -> None:
        self.services = services
        self.db = services.db
        self.audit = audit

    async def queue(
        self, org_ids: Iterable[int], decided_limit: int = DECIDED_SHOWN
    ) -> tuple[list[RequestRow], list[RequestRow]]:
        """The pending requests of these organisations, the oldest first (as they queued), and
        the latest decided ones, the newest decision first."""
        ids = self.db.dialect.in_values(sorted(set(org_ids)))
        within = f"WHERE r.org_id {self.db.dialect.in_list()} "
        pending = await self.db.fetchall(
            _SELECT + within + "AND r.status = 'pending' ORDER BY r.created_at, r.id", (ids,)
        )
        decided = await self.db.fetchall(
            _SELECT + within + "AND r.status != 'pending' "
            "ORDER BY r.decided_at DESC, r.id DESC LIMIT ?",
            (ids, decided_limit),
        )
        return [_row(r) for r in pending], [_row(r) for r in decided]

    async def get(self, request_id: int) -> RequestRow | None:
        row = await self.db.fetchone(_SELECT + "WHERE r.id = ?", (request_id,))
        return None if row is None else _row(row)

    async def decide(
        self,
        actor_id: int,
        request_id: int,
        approve: bool,
        *,
        allowed: Callable[[int], bool],
        target: Callable[[RequestRow], str],
    ) -> tuple[Outcome, RequestRow | None]:
        """Approve or reject as the bot does, the audit entry (``target`` says the request in
        Russian) recorded right after the decision. ``allowed(org_id)``: whether the actor
        manages the request's school. Returns the outcome and the request as it is now."""
        found = await self.get(request_id)
        if found is None or not allowed(found.org_id):
            return Outcome.NOT_FOUND, None
        verification = self.services.verification
        try:
            decided = await verification.decide(request_id, actor_id, approve)
        except AlreadyDecided:
            return Outcome.ALREADY, await self.get(request_id)
        await self.audit.record(
            actor_id,
            decided.org_id,
            "request.approve" if approve else "request.reject",
            target(found),
            request_id=request_id,
        )
        group_id = await request_community(self.services, decided)
        if group_id is None:
            log.warning("join request %s decided; no community to tell the person", request_id)
        else:
            await tell_requester(self.services, decided, approve, group_id=group_id)
        return Outcome.DECIDED, await self.get(request_id)
