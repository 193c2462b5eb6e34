"""Reading and changing the people model. Imports are idempotent through ``external_id``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from core.clock import Clock
from core.storage import Database

from .models import Group, Identity, Organisation, OrgKind, Person, Position, Role, RoleKind

MAX_ORG_DEPTH = 10  # school → municipality → region, with room; a cycle in the data ends here


class PeopleError(Exception):
    pass


class PeopleRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def _now(self) -> str:
        return self.clock.now().isoformat()

    async def _upsert(self, table: str, external_id: str | None, values: dict[str, Any]) -> int:
        """Insert, or update the row with this external_id; return its id."""
        if external_id is not None:
            row = await self.db.fetchone(
                f"SELECT id FROM {table} WHERE external_id = ?", (external_id,)
            )
            if row is not None:
                sets = ", ".join(f"{key} = ?" for key in values)
                await self.db.execute(
                    f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), row["id"])
                )
                return int(row["id"])
        columns = [*values, "external_id"]
        marks = ", ".join("?" * len(columns))
        return await self.db.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            (*values.values(), external_id),
        )

    # --- organisations and groups -------------------------------------------------------------
    async def upsert_organisation(
        self,
        *,
        kind: OrgKind,
        name: str,
        region_code: str,
        timezone: str,
        parent_id: int | None = None,
        external_id: str | None = None,
    ) -> int:
        return await self._upsert(
            "organisations",
            external_id,
            {
                "kind": kind.value,
                "name": name,
                "parent_id": parent_id,
                "region_code": region_code,
                "timezone": timezone,
            },
        )

    async def organisation(self, org_id: int) -> Organisation | None:
        row = await self.db.fetchone("SELECT * FROM organisations WHERE id = ?", (org_id,))
        return None if row is None else Organisation.from_row(row)

    async def org_and_above(self, org_id: int) -> set[int]:
        """The organisation and every one above it in the tree (school, municipality, region)."""
        found: set[int] = set()
        current: int | None = org_id
        while current is not None and current not in found and len(found) < MAX_ORG_DEPTH:
            found.add(current)
            org = await self.organisation(current)
            current = org.parent_id if org is not None else None
        return found

    async def organisations(self, kind: OrgKind | None = None) -> list[Organisation]:
        if kind is None:
            rows = await self.db.fetchall("SELECT * FROM organisations ORDER BY id")
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM organisations WHERE kind = ? ORDER BY id", (kind.value,)
            )
        return [Organisation.from_row(row) for row in rows]

    async def set_working_hours(
        self, org_id: int, start: str, end: str, days: str = "1,2,3,4,5"
    ) -> None:
        await self.db.execute(
            "UPDATE organisations SET work_start = ?, work_end = ?, work_days = ? WHERE id = ?",
            (start, end, days, org_id),
        )

    async def upsert_group(
        self,
        *,
        org_id: int,
        name: str,
        kind: str = "class",
        grade: int | None = None,
        external_id: str | None = None,
    ) -> int:
        return await self._upsert(
            "groups", external_id, {"org_id": org_id, "name": name, "kind": kind, "grade": grade}
        )

    async def group(self, group_id: int) -> Group | None:
        row = await self.db.fetchone("SELECT * FROM groups WHERE id = ?", (group_id,))
        return None if row is None else Group.from_row(row)

    async def groups_of_org(self, org_id: int, *, archived: bool = False) -> list[Group]:
        """The school's classes and groups to choose from; ``archived=True`` adds the archived
        ones (kept for their history, chosen by nobody)."""
        rows = await self.db.fetchall(
            # NULLS FIRST is SQLite's own order, spelled out for PostgreSQL (nulls last there).
            "SELECT * FROM groups WHERE org_id = ? AND (? = 1 OR archived_at IS NULL) "
            "ORDER BY grade NULLS FIRST, name",
            (org_id, int(archived)),
        )
        return [Group.from_row(row) for row in rows]

    # --- persons ------------------------------------------------------------------------------
    async def upsert_person(
        self,
        *,
        first_name: str,
        last_name: str = "",
        vk_user_id: int | None = None,
        birth_date: date | None = None,
        is_adult: bool | None = None,
        phone: str | None = None,
        external_id: str | None = None,
    ) -> int:
        return await self._upsert(
            "persons",
            external_id,
            {
                "vk_user_id": vk_user_id,
                "first_name": first_name,
                "last_name": last_name,
                "birth_date": birth_date.isoformat() if birth_date else None,
                "is_adult": None if is_adult is None else int(is_adult),
                "phone": phone,
            },
        )

    async def person(self, person_id: int) -> Person | None:
        row = await self.db.fetchone("SELECT * FROM persons WHERE id = ?", (person_id,))
        return None if row is None else Person.from_row(row)

    async def person_by_vk(self, vk_user_id: int) -> Person | None:
        row = await self.db.fetchone("SELECT * FROM persons WHERE vk_user_id = ?", (vk_user_id,))
        return None if row is None else Person.from_row(row)

    async def persons(self, ids: Iterable[int]) -> dict[int, Person]:
        # One list parameter rather than a placeholder per id: SQLite caps the number of
        # variables (32,766), and a city's digest subscribers or a school's roster may pass it.
        rows = await self.db.fetchall(
            f"SELECT * FROM persons WHERE id {self.db.dialect.in_list()}",
            (self.db.dialect.in_values(ids),),
        )
        return {row["id"]: Person.from_row(row) for row in rows}

    async def bind_vk_account(self, person_id: int, vk_user_id: int) -> None:
        """Attach a VK account to a journal person (a stray no-role record of it is merged)."""
        async with self.db.transaction() as tx:
            stray = await tx.fetchone(
                "SELECT id FROM persons WHERE vk_user_id = ? AND id != ?", (vk_user_id, person_id)
            )
            if stray is not None:
                await tx.execute(
                    "UPDATE persons SET vk_user_id = NULL WHERE id = ?", (stray["id"],)
                )
            await tx.execute(
                "UPDATE persons SET vk_user_id = ? WHERE id = ?", (vk_user_id, person_id)
            )

    async def ensure_vk_person(self, vk_user_id: int, first_name: str, last_name: str) -> int:
        """A VK user seen for the first time becomes a person with no role."""
        existing = await self.person_by_vk(vk_user_id)
        if existing is not None:
            return existing.id
        return await self.db.execute(
            "INSERT INTO persons (vk_user_id, first_name, last_name) VALUES (?, ?, ?) "
            "ON CONFLICT (vk_user_id) DO UPDATE SET first_name = persons.first_name",
            (vk_user_id, first_name, last_name),
        )

    # --- roles --------------------------------------------------------------------------------
    async def active_roles(self, person_id: int) -> list[Role]:
        rows = await self.db.fetchall(
            "SELECT * FROM roles WHERE person_id = ? AND revoked_at IS NULL ORDER BY id",
            (person_id,),
        )
        return [Role.from_row(row) for row in rows]

    async def identity(self, vk_user_id: int) -> Identity:
        person = await self.person_by_vk(vk_user_id)
        if person is None:
            return Identity(vk_user_id, None, ())
        return Identity(vk_user_id, person, tuple(await self.active_roles(person.id)))

    async def grant_role(
        self,
        person_id: int,
        role: RoleKind,
        org_id: int,
        *,
        method: str,
        position: Position | None = None,
        by_person_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> int:
        """Grant a role (idempotent for an identical active role); record the change."""
        if role == RoleKind.NONE:
            raise PeopleError("'none' is the absence of roles; revoke roles instead")
        if role == RoleKind.STAFF and position is None:
            raise PeopleError("a staff role needs a position")
        async with self.db.transaction() as tx:
            if tx.dialect.for_update:
                # Grants to one person take turns (SQLite's writer lock does that): two
                # identical grants at once in two workers make one role, not two.
                await tx.fetchval(
                    f"SELECT id FROM persons WHERE id = ? {tx.dialect.for_update}", (person_id,)
                )
            existing = await tx.fetchone(
                "SELECT id FROM roles WHERE person_id = ? AND role = ? AND org_id = ? "
                "AND position IS NOT DISTINCT FROM ? AND revoked_at IS NULL",
                (person_id, role.value, org_id, position.value if position else None),
            )
            if existing is not None:
                return int(existing["id"])
            now = self._now()
            role_id = await tx.execute(
                "INSERT INTO roles (person_id, role, org_id, position, granted_at, granted_by, "
                "method) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    person_id,
                    role.value,
                    org_id,
                    position.value if position else None,
                    now,
                    by_person_id,
                    method,
                ),
            )
            await tx.execute(
                "INSERT INTO role_changes (person_id, role_id, action, by_person_id, method, at, "
                "details) VALUES (?, ?, 'grant', ?, ?, ?, ?)",
                (person_id, role_id, by_person_id, method, now, json.dumps(details or {})),
            )
            return role_id

    async def revoke_role(
        self, role_id: int, *, by_person_id: int | None, reason: str, method: str = "admin"
    ) -> bool:
        now = self._now()
        async with self.db.transaction() as tx:
            # One conditional statement: of two revokes at once (in one worker or two) exactly
            # one changes the row and records the change.
            row = await tx.fetchone(
                "UPDATE roles SET revoked_at = ?, revoked_by = ?, revoke_reason = ? "
                "WHERE id = ? AND revoked_at IS NULL RETURNING person_id",
                (now, by_person_id, reason, role_id),
            )
            if row is None:
                return False
            await tx.execute(
                "INSERT INTO role_changes (person_id, role_id, action, by_person_id, method, at, "
                "details) VALUES (?, ?, 'revoke', ?, ?, ?, ?)",
                (
                    row["person_id"],
                    role_id,
                    by_person_id,
                    method,
                    now,
                    json.dumps({"reason": reason}),
                ),
            )
            return True

    async def role_history(self, person_id: int) -> list[dict[str, Any]]:
        return await self.db.fetchall(
            "SELECT c.action, c.method, c.at, c.by_person_id, c.details, r.role, r.org_id, "
            "r.position FROM role_changes c JOIN roles r ON r.id = c.role_id "
            "WHERE c.person_id = ? ORDER BY c.id",
            (person_id,),
        )

    # --- relations ----------------------------------------------------------------------------
    async def add_student_to_group(self, person_id: int, group_id: int) -> None:
        await self.db.execute(
            self.db.dialect.insert_ignore(
                "INTO student_groups (person_id, group_id) VALUES (?, ?)"
            ),
            (person_id, group_id),
        )

    async def groups_of_student(self, person_id: int) -> list[Group]:
        rows = await self.db.fetchall(
            "SELECT g.* FROM groups g JOIN student_groups s ON s.group_id = g.id "
            "WHERE s.person_id = ? ORDER BY g.name",
            (person_id,),
        )
        return [Group.from_row(row) for row in rows]

    async def students_of_group(self, group_id: int) -> list[Person]:
        rows = await self.db.fetchall(
            "SELECT p.* FROM persons p JOIN student_groups s ON s.person_id = p.id "
            "WHERE s.group_id = ? ORDER BY p.last_name, p.first_name",
            (group_id,),
        )
        return [Person.from_row(row) for row in rows]

    async def link_parent_child(
        self, parent_id: int, child_id: int, confirmed: bool = True
    ) -> None:
        await self.db.execute(
            "INSERT INTO parent_children (parent_id, child_id, confirmed) VALUES (?, ?, ?) "
            "ON CONFLICT (parent_id, child_id) DO UPDATE SET confirmed = excluded.confirmed",
            (parent_id, child_id, int(confirmed)),
        )

    async def children_of(self, parent_id: int) -> list[Person]:
        rows = await self.db.fetchall(
            "SELECT p.* FROM persons p JOIN parent_children c ON c.child_id = p.id "
            "WHERE c.parent_id = ? AND c.confirmed = 1 ORDER BY p.first_name",
            (parent_id,),
        )
        return [Person.from_row(row) for row in rows]

    async def upsert_chat(
        self,
        *,
        title: str,
        peer_id: int | None = None,
        org_id: int | None = None,
        group_id: int | None = None,
        created_by: int | None = None,
        external_id: str | None = None,
    ) -> int:
        return await self._upsert(
            "chats",
            external_id,
            {
                "title": title,
                "peer_id": peer_id,
                "org_id": org_id,
                "group_id": group_id,
                "created_by": created_by,
            },
        )

    async def add_chat_members(self, chat_id: int, person_ids: Iterable[int]) -> None:
        await self.db.executemany(
            self.db.dialect.insert_ignore("INTO chat_members (chat_id, person_id) VALUES (?, ?)"),
            [(chat_id, pid) for pid in person_ids],
        )

    async def add_contact(self, owner_id: int, contact_id: int) -> None:
        """owner_id saved contact_id's phone number."""
        await self.db.execute(
            self.db.dialect.insert_ignore("INTO contacts (owner_id, contact_id) VALUES (?, ?)"),
            (owner_id, contact_id),
        )
