"""Role verification: by e-journal code, by join request, by invite link.

Every grant goes through PeopleRepository.grant_role, which records who, when and by what means;
every outcome that changes a person's roles invalidates their cached identity.

Guessing journal codes is limited twice: per VK user (``max_failures`` in ``failure_window``, then
that user is LOCKED) and across everyone (``global_max_failures`` in ``global_window``, then every
attempt is BUSY until old failures age out), since one person may hold many VK accounts. Each
attempt is checked against both limits and recorded in one write transaction that holds a lock
for its whole length (SQLite's single writer lock, shared with other processes; on PostgreSQL a
transaction-scoped advisory lock, since its transactions are not serialised), so concurrent
attempts are counted one after another and no more than the limit ever reach a code.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from core.clock import Clock
from core.instance_secrets import instance_secret
from core.people import PeopleRepository, Position, RoleKind
from core.storage import Database
from core.storage.abc import Queries

from .codes import KEYED_PREFIX, keyed_code_hash, new_code, rekey

# The installation secret the stored hashes of journal codes are keyed with.
CODES_SECRET = "journal_codes"

# PostgreSQL's transactions run side by side: a code attempt takes this lock (released at
# commit) so every worker counts the failures of the attempts before it, as SQLite's writer
# lock makes them. The key is arbitrary, only unique among the product's advisory locks.
_PG_ATTEMPTS_LOCK = "SELECT pg_advisory_xact_lock(7468201554)"


class Status(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"
    LOCKED = "locked"  # this user failed too often lately
    BUSY = "busy"  # everyone together failed too often lately: nobody's code is checked
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
    # The VK community it was filed in (None for requests filed before that was kept).
    community_id: int | None = None
    decided_by: int | None = None

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
            row.get("community_id"),
            row.get("decided_by"),
        )


class AlreadyDecided(Exception):
    """The join request was decided before this decision (by another admin, in the bot or the
    cabinet): nothing was changed."""

    def __init__(self, request: JoinRequest) -> None:
        super().__init__(f"join request {request.id} is {request.status} already")
        self.request = request


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
        global_max_failures: int = 100,
        global_window: timedelta = timedelta(minutes=10),
        on_change: Callable[[int], None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.people = people
        self.code_ttl = code_ttl
        self.max_failures = max_failures
        self.failure_window = failure_window
        # ~14,000 guesses a day at most, whoever makes them; against 2^40 codes with, say, 10,000
        # unused ones out, one lucky guess in ~7,000 days. A school's genuine typos stay far below.
        self.global_max_failures = global_max_failures
        self.global_window = global_window
        self._on_change = on_change or (lambda vk_user_id: None)
        self._key: bytes | None = None
        self._key_lock = asyncio.Lock()

    async def _code_key(self) -> bytes:
        """The key of the stored code hashes; on first use in this process, codes stored with a
        plain hash (before keyed hashes) are re-keyed, so every row has the one form."""
        if self._key is not None:
            return self._key
        async with self._key_lock:
            if self._key is None:
                key = await instance_secret(self.db, CODES_SECRET, self.clock)
                async with self.db.transaction() as tx:
                    rows = await tx.fetchall(
                        "SELECT id, code_hash FROM journal_codes WHERE code_hash NOT LIKE ?",
                        (KEYED_PREFIX + "%",),
                    )
                    for row in rows:
                        await tx.execute(
                            "UPDATE journal_codes SET code_hash = ? WHERE id = ? AND code_hash = ?",
                            (rekey(key, row["code_hash"]), row["id"], row["code_hash"]),
                        )
                self._key = key
            return self._key

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
        key = await self._code_key()
        now = self.clock.now()
        await self.db.execute(
            "INSERT INTO journal_codes (code_hash, person_id, role, org_id, position, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code_hash) DO NOTHING",
            (
                keyed_code_hash(key, plain),
                person_id,
                role.value,
                org_id,
                position.value if position else None,
                now.isoformat(),
                (now + (ttl or self.code_ttl)).isoformat(),
            ),
        )
        return plain

    async def _failures(self, q: Queries, since: timedelta, vk_user_id: int | None) -> int:
        """Failed attempts since ``since`` ago: of one user, or (None) of everyone."""
        after = (self.clock.now() - since).isoformat()
        if vk_user_id is None:
            found = await q.fetchval(
                "SELECT count(*) FROM verification_attempts WHERE success = 0 AND at >= ?",
                (after,),
            )
        else:
            found = await q.fetchval(
                "SELECT count(*) FROM verification_attempts WHERE vk_user_id = ? AND at >= ? "
                "AND success = 0",
                (vk_user_id, after),
            )
        return int(found)

    async def _refusal(self, q: Queries, vk_user_id: int) -> Status | None:
        """LOCKED or BUSY when this attempt may not be checked; None when it may."""
        if await self._failures(q, self.failure_window, vk_user_id) >= self.max_failures:
            return Status.LOCKED
        if await self._failures(q, self.global_window, None) >= self.global_max_failures:
            return Status.BUSY
        return None

    async def locked(self, vk_user_id: int) -> bool:
        """Whether this user's next attempt would be refused (by either limit)."""
        return await self._refusal(self.db, vk_user_id) is not None

    async def redeem_code(
        self, vk_user_id: int, code: str, first_name: str = "", last_name: str = ""
    ) -> Result:
        digest = keyed_code_hash(await self._code_key(), code)
        now = self.clock.now()
        # Limits checked, the code looked up and the attempt recorded under one lock: a burst of
        # concurrent guesses is counted one by one, never checked on a stale count.
        async with self.db.transaction() as tx:
            if tx.dialect.name == "postgresql":
                await tx.fetchval(_PG_ATTEMPTS_LOCK)
            refused = await self._refusal(tx, vk_user_id)
            if refused is not None:
                return Result(refused)
            row = await tx.fetchone("SELECT * FROM journal_codes WHERE code_hash = ?", (digest,))
            status = Status.OK
            if row is None:
                status = Status.INVALID
            elif row["used_at"] is not None:
                status = Status.USED
            elif row["expires_at"] <= now.isoformat():
                status = Status.EXPIRED
            else:
                bound = await tx.fetchval(
                    "SELECT vk_user_id FROM persons WHERE id = ?", (row["person_id"],)
                )
                if bound not in (None, vk_user_id):
                    status = Status.TAKEN
            if status == Status.OK and row is not None:
                # One conditional statement claims the code: of two redemptions at once
                # exactly one changes the row, whatever lock the engine holds.
                claimed = await tx.execute(
                    "UPDATE journal_codes SET used_at = ?, used_by_vk_id = ? "
                    "WHERE id = ? AND used_at IS NULL",
                    (now.isoformat(), vk_user_id, row["id"]),
                )
                if not claimed:
                    status = Status.USED
            await tx.execute(
                "INSERT INTO verification_attempts (vk_user_id, at, success) VALUES (?, ?, ?)",
                (vk_user_id, now.isoformat(), int(status == Status.OK)),
            )
            if status != Status.OK or row is None:
                return Result(status)
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
        community_id: int | None = None,
    ) -> int:
        """A pending request (the one already pending for this person, school and role if
        there is one); ``community_id`` is the VK community it is filed in."""
        existing = await self.db.fetchval(
            "SELECT id FROM join_requests WHERE person_id = ? AND org_id = ? AND role = ? "
            "AND status = 'pending'",
            (person_id, org_id, role.value),
        )
        if existing is not None:
            return int(existing)
        return await self.db.execute(
            "INSERT INTO join_requests (person_id, org_id, role, group_id, position, comment, "
            "created_at, community_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                person_id,
                org_id,
                role.value,
                group_id,
                position.value if position else None,
                comment[:500],
                self.clock.now().isoformat(),
                community_id,
            ),
        )

    async def join_request(self, request_id: int) -> JoinRequest | None:
        row = await self.db.fetchone("SELECT * FROM join_requests WHERE id = ?", (request_id,))
        return None if row is None else JoinRequest.from_row(row)

    async def pending_requests(self, org_ids: set[int]) -> list[JoinRequest]:
        rows = await self.db.fetchall(
            "SELECT * FROM join_requests WHERE status = 'pending' AND org_id "
            f"{self.db.dialect.in_list()} ORDER BY id",
            (self.db.dialect.in_values(sorted(org_ids)),),
        )
        return [JoinRequest.from_row(row) for row in rows]

    async def decide(self, request_id: int, admin_person_id: int, approve: bool) -> JoinRequest:
        """Approve or reject a pending request; the caller has checked the admin's rights.

        Only a pending request is decided: one decided already (by another admin, in the bot or
        the cabinet) raises AlreadyDecided and nothing changes. The status is claimed by one
        conditional UPDATE (PostgreSQL re-checks its WHERE after waiting on the row's lock), so
        of two decisions at once, in one worker or two, exactly one is taken and the role is
        granted at most once."""
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
            row = await tx.fetchone("SELECT * FROM join_requests WHERE id = ?", (request_id,))
        if row is None:
            raise KeyError(f"no join request {request_id}")
        request = JoinRequest.from_row(row)
        if not changed:
            raise AlreadyDecided(request)
        if approve:
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
        """Join by an invite link. The use is counted and recorded (``invite_uses``: who, when)
        in one write transaction holding the invite's row (SQLite's writer lock, a row lock on
        PostgreSQL), so concurrent uses never pass ``max_uses``; a person who used this invite
        before takes no second place when they open it again."""
        now = self.clock.now().isoformat()
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                f"SELECT * FROM invites WHERE token = ? {tx.dialect.for_update}", (token,)
            )
            if row is None or row["revoked_at"] is not None:
                return Result(Status.INVALID)
            if row["expires_at"] <= now:
                return Result(Status.EXPIRED)
            if row["uses"] >= row["max_uses"]:
                return Result(Status.EXHAUSTED)
            again = await tx.fetchval(
                "SELECT u.person_id FROM invite_uses u JOIN persons p ON p.id = u.person_id "
                "WHERE u.invite_id = ? AND p.vk_user_id = ?",
                (row["id"], vk_user_id),
            )
            if again is not None:
                person_id = int(again)
            else:
                person_id = await self._vk_person(tx, vk_user_id, first_name, last_name)
                await tx.execute("UPDATE invites SET uses = uses + 1 WHERE id = ?", (row["id"],))
                await tx.execute(
                    "INSERT INTO invite_uses (invite_id, person_id, at) VALUES (?, ?, ?)",
                    (row["id"], person_id, now),
                )
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

    @staticmethod
    async def _vk_person(q: Queries, vk_user_id: int, first_name: str, last_name: str) -> int:
        """The person of this VK account, created with no role when first seen (as
        PeopleRepository.ensure_vk_person, inside the caller's transaction)."""
        found = await q.fetchval("SELECT id FROM persons WHERE vk_user_id = ?", (vk_user_id,))
        if found is not None:
            return int(found)
        return await q.execute(
            "INSERT INTO persons (vk_user_id, first_name, last_name) VALUES (?, ?, ?)",
            (vk_user_id, first_name, last_name),
        )

    async def revoke_invite(self, token: str) -> bool:
        return bool(
            await self.db.execute(
                "UPDATE invites SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL",
                (self.clock.now().isoformat(), token),
            )
        )
