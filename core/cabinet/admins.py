"""The cabinet's «Администраторы»: who administers an organisation and the ones above it, whom
of its staff admin rights may go to, and the history of its admin roles."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from core.people import Position
from core.storage.abc import Queries

from .members import HistoryEntry, history_entry
from .names import SurnameFirst

HISTORY_LIMIT = 50
_JSON_ARRAY = {"sqlite": "json_group_array({})", "postgresql": "json_agg({})"}


@dataclass(frozen=True, slots=True)
class AdminEntry(SurnameFirst):
    role_id: int
    person_id: int
    first_name: str
    last_name: str
    vk_bound: bool
    org_id: int
    granted_at: datetime
    granted_by: str
    method: str


@dataclass(frozen=True, slots=True)
class Candidate(SurnameFirst):
    """A staff member of the organisation who is not its admin: who may be made one."""

    person_id: int
    first_name: str
    last_name: str
    positions: tuple[Position, ...]


class Admins:
    def __init__(self, db: Queries) -> None:
        self.db = db

    async def of(self, org_ids: Iterable[int]) -> list[AdminEntry]:
        """The active admin roles at these organisations, by organisation then name."""
        rows = await self.db.fetchall(
            "SELECT r.id, r.person_id, r.org_id, r.granted_at, r.method, p.first_name, "
            "p.last_name, p.vk_user_id, "
            "coalesce(trim(g.first_name || ' ' || g.last_name), '') AS granted_by "
            "FROM roles r JOIN persons p ON p.id = r.person_id "
            "LEFT JOIN persons g ON g.id = r.granted_by "
            f"WHERE r.org_id {self.db.dialect.in_list()} AND r.role = 'staff' "
            "AND r.position = 'admin' AND r.revoked_at IS NULL "
            "ORDER BY r.org_id, p.last_name, p.first_name, r.id",
            (self.db.dialect.in_values(sorted(set(org_ids))),),
        )
        return [
            AdminEntry(
                role_id=r["id"],
                person_id=r["person_id"],
                first_name=r["first_name"],
                last_name=r["last_name"],
                vk_bound=r["vk_user_id"] is not None,
                org_id=r["org_id"],
                granted_at=datetime.fromisoformat(r["granted_at"]),
                granted_by=r["granted_by"],
                method=r["method"],
            )
            for r in rows
        ]

    async def candidates(self, org_id: int) -> list[Candidate]:
        # The positions as a JSON array: SQLite's json_group_array is PostgreSQL's json_agg.
        positions = _JSON_ARRAY[self.db.dialect.name].format("r.position")
        rows = await self.db.fetchall(
            f"SELECT p.id, p.first_name, p.last_name, {positions} AS positions "
            "FROM roles r JOIN persons p ON p.id = r.person_id "
            "WHERE r.org_id = ? AND r.role = 'staff' AND r.revoked_at IS NULL "
            "GROUP BY p.id HAVING sum(CASE WHEN r.position = 'admin' THEN 1 ELSE 0 END) = 0 "
            "ORDER BY p.last_name, p.first_name, p.id",
            (org_id,),
        )
        return [
            Candidate(
                person_id=r["id"],
                first_name=r["first_name"],
                last_name=r["last_name"],
                positions=tuple(Position(p) for p in json.loads(r["positions"]) if p),
            )
            for r in rows
        ]

    async def history(self, org_id: int, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
        """Grants and revocations of admin roles at this organisation, newest first."""
        rows = await self.db.fetchall(
            "SELECT c.id, c.action, c.method, c.at, c.details, r.id AS role_id, r.role, "
            "r.position, r.org_id, "
            "coalesce(trim(b.first_name || ' ' || b.last_name), '') AS by_name, "
            "trim(p.first_name || ' ' || p.last_name) AS person_name "
            "FROM roles r JOIN role_changes c ON c.role_id = r.id "
            "JOIN persons p ON p.id = r.person_id "
            "LEFT JOIN persons b ON b.id = c.by_person_id "
            "WHERE r.org_id = ? AND r.role = 'staff' AND r.position = 'admin' "
            "ORDER BY c.id DESC LIMIT ?",
            (org_id, limit),
        )
        return [history_entry(r) for r in rows]
