"""The audit log of the organisation cabinet: who changed what, when, in which organisation.

Every state-changing action of the cabinet records one entry, written through the same
``Queries`` as the change itself (pass the transaction), so a change is never kept without its
entry. ``action`` is a short English key («role.revoke», «invite.create»…); the pages say it in
Russian (miniapp/templates/cabinet/_audit_action.html). ``details`` is a small JSON object of what
the change was (a reason, an old and a new name) for the page to show.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.clock import Clock
from core.storage import Database
from core.storage.abc import Queries

PAGE = 50


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    org_id: int | None
    org_name: str
    action: str
    target: str
    details: Mapping[str, Any]


class AuditLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def record(
        self,
        actor_id: int | None,
        org_id: int | None,
        action: str,
        target: str = "",
        *,
        q: Queries | None = None,
        **details: Any,
    ) -> int:
        """Add an entry; ``q`` is the transaction the change itself is written in."""
        queries = q or self.db
        return await queries.execute(
            "INSERT INTO audit_log (at, actor_id, org_id, action, target, details) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                self.clock.now().astimezone(UTC).isoformat(),
                actor_id,
                org_id,
                action,
                target,
                json.dumps(details, ensure_ascii=False, default=str),
            ),
        )

    async def entries(
        self,
        org_ids: Iterable[int],
        *,
        before_id: int | None = None,
        action_prefix: str = "",
        limit: int = PAGE,
    ) -> list[AuditEntry]:
        """The newest entries of these organisations (older than ``before_id`` for the next
        page), with the actor's and the organisation's names."""
        ids = self.db.dialect.in_values(sorted(set(org_ids)))
        rows = await self.db.fetchall(
            "SELECT a.id, a.at, a.actor_id, a.org_id, a.action, a.target, a.details, "
            "coalesce(trim(p.first_name || ' ' || p.last_name), '') AS actor_name, "
            "coalesce(o.name, '') AS org_name "
            "FROM audit_log a LEFT JOIN persons p ON p.id = a.actor_id "
            "LEFT JOIN organisations o ON o.id = a.org_id "
            f"WHERE a.org_id {self.db.dialect.in_list()} AND a.id < ? "
            "AND a.action LIKE ? ORDER BY a.id DESC LIMIT ?",
            (ids, before_id or 2**62, action_prefix + "%", limit),
        )
        return [
            AuditEntry(
                id=row["id"],
                at=datetime.fromisoformat(row["at"]),
                actor_id=row["actor_id"],
                actor_name=row["actor_name"],
                org_id=row["org_id"],
                org_name=row["org_name"],
                action=row["action"],
                target=row["target"],
                details=json.loads(row["details"] or "{}"),
            )
            for row in rows
        ]
