"""Federal admins: who reads the ranking of all regions (core/activity/federal.py).

There is no organisation above a region, so the right is not a role held at an organisation but
a row of ``federal_admins`` (migration 0021), granted and taken back from the command line
(``sferum monitoring federal-admin add|remove|list``). It is read on every federal page request
(one primary-key lookup): taking it back works at once, in every process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core.clock import Clock
from core.storage import Database


@dataclass(frozen=True, slots=True)
class FederalAdmin:
    person_id: int
    vk_user_id: int | None
    first_name: str
    last_name: str
    granted_at: datetime
    granted_by: int | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class FederalAdmins:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def is_admin(self, person_id: int | None) -> bool:
        if person_id is None:
            return False
        found = await self.db.fetchval(
            "SELECT 1 FROM federal_admins WHERE person_id = ?", (person_id,)
        )
        return found is not None

    async def add(self, person_id: int, granted_by: int | None = None) -> bool:
        """Grant the right; False when the person already had it (the first grant is kept)."""
        now = self.clock.now().astimezone(UTC).isoformat()
        # One statement, so two workers granting at once both answer (one True, one False)
        # instead of the second failing on the key: the row comes back only when inserted.
        async with self.db.transaction() as tx:  # a write: SQLite's reads go to its readers
            added = await tx.fetchval(
                "INSERT INTO federal_admins (person_id, granted_at, granted_by) VALUES (?, ?, ?) "
                "ON CONFLICT (person_id) DO NOTHING RETURNING person_id",
                (person_id, now, granted_by),
            )
        return added is not None

    async def remove(self, person_id: int) -> bool:
        """Take the right back; False when the person did not have it."""
        gone = await self.db.execute("DELETE FROM federal_admins WHERE person_id = ?", (person_id,))
        return gone > 0

    async def list(self) -> list[FederalAdmin]:
        rows = await self.db.fetchrows(
            "SELECT f.person_id, p.vk_user_id, p.first_name, p.last_name, f.granted_at, "
            "f.granted_by FROM federal_admins f JOIN persons p ON p.id = f.person_id "
            "ORDER BY p.last_name, p.first_name, f.person_id"
        )
        return [
            FederalAdmin(
                int(r[0]), r[1], r[2] or "", r[3] or "", datetime.fromisoformat(r[4]), r[5]
            )
            for r in rows
        ]
