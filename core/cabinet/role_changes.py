"""Revoking a role and granting admin rights from the cabinet: the checks before the change.

The change itself goes through PeopleRepository (revoke_role / grant_role), which writes the
roles row and its role_changes entry in one transaction; the caller then invalidates the person's
cached identity and records the audit entry. An admin may change only roles of their own tree,
and may not take away their own last admin role: nobody could give it back from the cabinet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from core.people import Position, RoleKind
from core.storage.abc import Queries

MAX_REASON = 500


class Refusal(StrEnum):
    """Why a change is refused; the pages say each in Russian (cabinet/_role_problems.html)."""

    UNKNOWN = "unknown"  # no such role (or not this person's)
    OUTSIDE = "outside"  # a role of an organisation outside the admin's tree
    ALREADY = "already"  # revoked already / an admin already
    SELF_LOCKOUT = "self_lockout"  # the admin's own last admin role
    REASON_EMPTY = "reason_empty"
    REASON_LONG = "reason_long"
    NOT_STAFF = "not_staff"  # admin rights go to the organisation's staff only


@dataclass(frozen=True, slots=True)
class TargetRole:
    id: int
    person_id: int
    vk_user_id: int | None
    first_name: str
    last_name: str
    role: RoleKind
    position: Position | None
    org_id: int
    active: bool

    @property
    def person_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_admin(self) -> bool:
        return self.role == RoleKind.STAFF and self.position == Position.ADMIN


def reason_problem(reason: str) -> Refusal | None:
    if not reason.strip():
        return Refusal.REASON_EMPTY
    if len(reason) > MAX_REASON:
        return Refusal.REASON_LONG
    return None


async def target_role(db: Queries, role_id: int) -> TargetRole | None:
    row = await db.fetchone(
        "SELECT r.id, r.person_id, r.role, r.position, r.org_id, r.revoked_at, p.vk_user_id, "
        "p.first_name, p.last_name FROM roles r JOIN persons p ON p.id = r.person_id "
        "WHERE r.id = ?",
        (role_id,),
    )
    if row is None:
        return None
    return TargetRole(
        id=row["id"],
        person_id=row["person_id"],
        vk_user_id=row["vk_user_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        role=RoleKind(row["role"]),
        position=Position(row["position"]) if row["position"] else None,
        org_id=row["org_id"],
        active=row["revoked_at"] is None,
    )


async def is_own_last_admin_role(db: Queries, role: TargetRole, actor_id: int) -> bool:
    if not role.is_admin or role.person_id != actor_id:
        return False
    others = await db.fetchval(
        "SELECT count(*) FROM roles WHERE person_id = ? AND role = 'staff' "
        "AND position = 'admin' AND revoked_at IS NULL AND id != ?",
        (actor_id, role.id),
    )
    return not others


async def check_revoke(
    db: Queries,
    role: TargetRole | None,
    *,
    actor_id: int,
    allowed: Callable[[int], bool],
    reason: str,
) -> Refusal | None:
    """What stops ``actor_id`` revoking ``role`` (``allowed``: may they manage an organisation);
    None when nothing does."""
    if role is None:
        return Refusal.UNKNOWN
    if not allowed(role.org_id):
        return Refusal.OUTSIDE
    if not role.active:
        return Refusal.ALREADY
    if await is_own_last_admin_role(db, role, actor_id):
        return Refusal.SELF_LOCKOUT
    return reason_problem(reason)


async def check_grant_admin(db: Queries, org_id: int, person_id: int) -> Refusal | None:
    """Admin rights at ``org_id`` go to a person on its staff who is not an admin there yet."""
    rows = await db.fetchall(
        "SELECT position FROM roles WHERE person_id = ? AND org_id = ? AND role = 'staff' "
        "AND revoked_at IS NULL",
        (person_id, org_id),
    )
    if not rows:
        return Refusal.NOT_STAFF
    if any(r["position"] == Position.ADMIN.value for r in rows):
        return Refusal.ALREADY
    return None
