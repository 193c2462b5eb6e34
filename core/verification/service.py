"""Role verification: by e-journal code, by join request, by invite link.

Every grant goes through PeopleRepository.grant_role, which records who, when and by what means;
every outcome that changes a person's roles invalidates their cached identity.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from core.clock import Clock
from core.people import PeopleRepository, Position, RoleKind
from core.storage import Database

from .codes import code_hash, new_code


class Status(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"
    LOCKED = "locked"
    TAKEN = "taken"  # the journal person is already bound to another VK account
    EXHAUSTED = "exhausted"


@dataclass(frozen=True)
class Result:
    status: Status
    person_id: int | None = None
    role: RoleKind | None = None
    org_id: int | None = None
    group_id: int | None = None


@dataclass(frozen=True)
class JoinRequest:
    id: int
    person_id: int
    org_id: int
    role: RoleKind
    group_id: int | None
    position: str | None
    comment: str
    status: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> JoinRequest:
        return cls(
            row["id"],
            row["person_id"],
            row["org_id"],
            RoleKind(row["role"]),
            row["group_id"],
            row["position"],
            row["comment"],
            row["status"],
        )


class Verification:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        people: PeopleRepository,
        *,
        code_ttl: timedelta = timedelta(days=30),
        max_failures: int = 5,
        failure_window: timedelta = timedelta(minutes=15),
        on_change: Callable[[int], None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.people = people
        self.code_ttl = code_ttl
        self.max_failures = max_failures
        self.failure_window = failure_window
        self._on_change = on_change or (lambda vk_user_id: None)

    # --- e-journal codes ----------------------------------------------------------------------
    async def issue_code(
        self,
        person_id: int,
        role: RoleKind,
        org_id: int,
        *,
        position: Position | None = None,
        ttl: timedelta | None = None,
        code: str | None = None,
    ) -> str:
        """Issue a one-time code; the plain code is returned once and never stored."""
        plain = code or new_code()
        now = self.clock.now()
        await self.db.execute(
            "INSERT INTO journal_codes (code_hash, person_id, role, org_id, position, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code_hash) DO NOTHING",
            (
                code_hash(plain),
                person_id,
                role.value,
                org_id,
                position.value if position else None,
                now.isoformat(),
                (now + (ttl or self.code_ttl)).isoformat(),
            ),
        )
        return plain

    async def locked(self, vk_user_id: int) -> bool:
        since = (self.clock.now() - self.failure_window).isoformat()
        failures = await self.db.fetchval(
            "SELECT count(*) FROM verification_attempts WHERE vk_user_id = ? AND at >= ? "
            "AND success = 0",
            (vk_user_id, since),
        )
        return int(failures) >= self.max_failures

    async def _attempt(self, vk_user_id: int, success: bool) -> None:
        await self.db.execute(
            "INSERT INTO verification_attempts (vk_user_id, at, success) VALUES (?, ?, ?)",
            (vk_user_id, self.clock.now().isoformat(), int(success)),
        )

    async def redeem_code(
        self, vk_user_id: int, code: str, first_name: str = "", last_name: str = ""
    ) -> Result:
        if await self.locked(vk_user_id):
            return Result(Status.LOCKED)
        row = await self.db.fetchone(
            "SELECT * FROM journal_codes WHERE code_hash = ?", (code_hash(code),)
        )
        now = self.clock.now()
        status = Status.OK
        if row is None:
            status = Status.INVALID
        elif row["used_at"] is not None:
            status = Status.USED
        elif row["expires_at"] <= now.isoformat():
            status = Status.EXPIRED
        if status != Status.OK or row is None:
            await self._attempt(vk_user_id, False)
            return Result(status)
        person = await self.people.person(row["person_id"])
        if person is not None and person.vk_user_id not in (None, vk_user_id):
            await self._attempt(vk_user_id, False)
            return Result(Status.TAKEN)
        async with self.db.transaction() as tx:
            # The used_at guard makes a concurrent second redemption a no-op.
            claimed = await tx.execute(
                "UPDATE journal_codes SET used_at = ?, used_by_vk_id = ? "
                "WHERE id = ? AND used_at IS NULL",
                (now.isoformat(), vk_user_id, row["id"]),
            )
        if not claimed:
            return Result(Status.USED)
        await self.people.bind_vk_account(row["person_id"], vk_user_id)
        role = RoleKind(row["role"])
        await self.people.grant_role(
            row["person_id"],
            role,
            row["org_id"],
            method="journal_code",
            position=Position(row["position"]) if row["position"] else None,
            details={"journal_code_id": row["id"]},
        )
        await self._attempt(vk_user_id, True)
        self._on_change(vk_user_id)
        return Result(Status.OK, row["person_id"], role, row["org_id"])

    # --- join requests ------------------------------------------------------------------------
    async def request_to_join(
        self,
        person_id: int,
        org_id: int,
        role: RoleKind,
        *,
        group_id: int | None = None,
        position: Position | None = None,
        comment: str = "",
    ) -> int:
        existing = await self.db.fetchval(
            "SELECT id FROM join_requests WHERE person_id = ? AND org_id = ? AND role = ? "
            "AND status = 'pending'",
            (person_id, org_id, role.value),
        )
        if existing is not None:
            return int(existing)
        return await self.db.execute(
            "INSERT INTO join_requests (person_id, org_id, role, group_id, position, comment, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                person_id,
                org_id,
                role.value,
                group_id,
                position.value if position else None,
                comment[:500],
                self.clock.now().isoformat(),
            ),
        )

    async def join_request(self, request_id: int) -> JoinRequest | None:
        row = await self.db.fetchone("SELECT * FROM join_requests WHERE id = ?", (request_id,))
        return None if row is None else JoinRequest.from_row(row)

    async def pending_requests(self, org_ids: set[int]) -> list[JoinRequest]:
        rows = await self.db.fetchall(
            "SELECT * FROM join_requests WHERE status = 'pending' AND org_id IN "
            "(SELECT value FROM json_each(?)) ORDER BY id",
            (str(sorted(org_ids)),),
        )
        return [JoinRequest.from_row(row) for row in rows]

    async def decide(self, request_id: int, admin_person_id: int, approve: bool) -> JoinRequest:
        """Approve or reject a pending request; the caller has checked the admin's rights."""
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE join_requests SET status = ?, decided_by = ?, decided_at = ? "
                "WHERE id = ? AND status = 'pending'",
                (
                    "approved" if approve else "rejected",
                    admin_person_id,
                    self.clock.now().isoformat(),
                    request_id,
                ),
            )
        request = await self.join_request(request_id)
        if request is None:
            raise KeyError(f"no join request {request_id}")
        if changed and approve:
            await self.people.grant_role(
                request.person_id,
                request.role,
                request.org_id,
                method="join_request",
                position=Position(request.position) if request.position else None,
                by_person_id=admin_person_id,
                details={"join_request_id": request_id},
            )
            if request.role == RoleKind.STUDENT and request.group_id is not None:
                await self.people.add_student_to_group(request.person_id, request.group_id)
            person = await self.people.person(request.person_id)
            if person is not None and person.vk_user_id is not None:
                self._on_change(person.vk_user_id)
        return request

    # --- invite links -------------------------------------------------------------------------
    async def create_invite(
        self,
        org_id: int,
        role: RoleKind,
        *,
        created_by: int | None,
        group_id: int | None = None,
        position: Position | None = None,
        ttl: timedelta = timedelta(days=7),
        max_uses: int = 30,
    ) -> str:
        token = secrets.token_urlsafe(9)
        now = self.clock.now()
        await self.db.execute(
            "INSERT INTO invites (token, org_id, role, group_id, position, created_by, "
            "created_at, expires_at, max_uses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                token,
                org_id,
                role.value,
                group_id,
                position.value if position else None,
                created_by,
                now.isoformat(),
                (now + ttl).isoformat(),
                max_uses,
            ),
        )
        return token

    async def use_invite(
        self, vk_user_id: int, token: str, first_name: str = "", last_name: str = ""
    ) -> Result:
        now = self.clock.now().isoformat()
        async with self.db.transaction() as tx:
            row = await tx.fetchone("SELECT * FROM invites WHERE token = ?", (token,))
            if row is None or row["revoked_at"] is not None:
                return Result(Status.INVALID)
            if row["expires_at"] <= now:
                return Result(Status.EXPIRED)
            if row["uses"] >= row["max_uses"]:
                return Result(Status.EXHAUSTED)
            await tx.execute("UPDATE invites SET uses = uses + 1 WHERE id = ?", (row["id"],))
        person_id = await self.people.ensure_vk_person(vk_user_id, first_name, last_name)
        role = RoleKind(row["role"])
        await self.people.grant_role(
            person_id,
            role,
            row["org_id"],
            method="invite",
            position=Position(row["position"]) if row["position"] else None,
            by_person_id=row["created_by"],
            details={"invite_id": row["id"]},
        )
        if role == RoleKind.STUDENT and row["group_id"] is not None:
            await self.people.add_student_to_group(person_id, row["group_id"])
        self._on_change(vk_user_id)
        return Result(Status.OK, person_id, role, row["org_id"], row["group_id"])

    async def revoke_invite(self, token: str) -> bool:
        return bool(
            await self.db.execute(
                "UPDATE invites SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL",
                (self.clock.now().isoformat(), token),
            )
        )
