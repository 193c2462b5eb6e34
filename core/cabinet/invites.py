"""«Приглашения по ссылке»: invite links of a school for a role (staff with a position, parent,
student) and a class, each valid until a date and for a number of people.

An invite is created and used through ``Verification`` (create_invite; the bot's use_invite,
which records who used it in ``invite_uses``), so a link made here works exactly as one made by
`sferum roles invite`. Revoking stops the link at once; people who joined by it keep their roles
(the «Участники» section takes a role away).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from core.audit import AuditLog
from core.clock import Clock
from core.integers import ascii_id
from core.people import Group, PeopleRepository, Position, RoleKind
from core.storage import Database
from core.storage.abc import Row
from core.verification import Verification

DEFAULT_DAYS = 14
MAX_DAYS = 90
DEFAULT_USES = 30
MAX_USES = 1000
SHOWN = 100  # the newest invites a page lists
ROLES = (RoleKind.STUDENT, RoleKind.PARENT, RoleKind.STAFF)
# Positions a link may give. Not «admin»: a link can be passed on, and admin rights are given
# to a named person in «Администраторы».
POSITIONS = (
    Position.TEACHER,
    Position.CLASS_TEACHER,
    Position.COUNSELLOR,
    Position.OPERATOR,
    Position.DIRECTOR,
)
_Choice = TypeVar("_Choice", bound=StrEnum)


class State(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"
    REVOKED = "revoked"


class Problem(StrEnum):
    """Why a new invite was refused (their Russian: cabinet/_invite_problems.html)."""

    ROLE = "role"
    POSITION = "position"
    GROUP = "group"
    DATE = "date"
    DATE_PAST = "date_past"
    DATE_FAR = "date_far"
    USES = "uses"


class InviteError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def _one_of(allowed: tuple[_Choice, ...], value: str, problem: Problem) -> _Choice:
    """The choice of ``allowed`` the form's ``value`` names; InviteError(problem) for anything
    else (a value of the enum a link may not give, as well as no value of it at all)."""
    for choice in allowed:
        if choice.value == value:
            return choice
    raise InviteError(problem)


@dataclass(frozen=True, slots=True)
class InviteUse:
    person_id: int
    name: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Invite:
    id: int
    token: str
    org_id: int
    role: RoleKind
    position: Position | None
    group_name: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    max_uses: int
    uses: int
    revoked_at: datetime | None
    state: State
    used_by: tuple[InviteUse, ...]

    @property
    def last_day(self) -> datetime:
        """The last moment it is valid (shown as its date: valid through that day)."""
        return self.expires_at - timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class NewInvite:
    """A checked form: what ``Invites.create`` stores."""

    role: RoleKind
    position: Position | None
    group: Group | None
    until: date
    max_uses: int


def _when(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


def state_of(row: Row, now: datetime) -> State:
    if row["revoked_at"] is not None:
        return State.REVOKED
    if _when(row["expires_at"]) <= now:
        return State.EXPIRED
    if row["uses"] >= row["max_uses"]:
        return State.EXHAUSTED
    return State.ACTIVE


def default_until(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date() + timedelta(days=DEFAULT_DAYS)


def expiry(until: date, zone: ZoneInfo) -> datetime:
    """Valid through ``until`` in the school's zone: until the midnight after it."""
    return datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone)


class Invites:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        people: PeopleRepository,
        verification: Verification,
        audit: AuditLog,
    ) -> None:
        self.db = db
        self.clock = clock
        self.people = people
        self.verification = verification
        self.audit = audit

    async def check(
        self,
        org_id: int,
        zone: ZoneInfo,
        *,
        role: str,
        position: str = "",
        group: str = "",
        until: str = "",
        uses: str = "",
    ) -> NewInvite:
        """The form's strings checked; InviteError names the first problem."""
        kind = _one_of(ROLES, role, Problem.ROLE)
        chosen_position: Position | None = None
        if kind == RoleKind.STAFF:
            chosen_position = _one_of(POSITIONS, position, Problem.POSITION)
        chosen_group: Group | None = None
        if kind != RoleKind.STAFF and group:
            group_id = ascii_id(group)
            chosen_group = await self.people.group(group_id) if group_id is not None else None
            if chosen_group is None or chosen_group.org_id != org_id or chosen_group.archived:
                raise InviteError(Problem.GROUP)
        if kind == RoleKind.STUDENT and chosen_group is None:
            raise InviteError(Problem.GROUP)  # a student joins a class
        today = self.clock.now().astimezone(zone).date()
        try:
            last_day = date.fromisoformat(until) if until else today + timedelta(DEFAULT_DAYS)
        except ValueError:
            raise InviteError(Problem.DATE) from None
        if last_day < today:
            raise InviteError(Problem.DATE_PAST)
        if last_day > today + timedelta(days=MAX_DAYS):
            raise InviteError(Problem.DATE_FAR)
        count = ascii_id(uses) if uses else DEFAULT_USES
        if count is None or not 1 <= count <= MAX_USES:
            raise InviteError(Problem.USES)
        return NewInvite(kind, chosen_position, chosen_group, last_day, count)

    async def create(
        self,
        actor_id: int,
        org_id: int,
        zone: ZoneInfo,
        new: NewInvite,
        target: Callable[[Invite], str],
    ) -> Invite:
        """Store the invite (Verification.create_invite, as the CLI does) and its audit entry
        (``target`` says the invite in Russian)."""
        now = self.clock.now()
        token = await self.verification.create_invite(
            org_id,
            new.role,
            created_by=actor_id,
            group_id=new.group.id if new.group else None,
            position=new.position,
            ttl=expiry(new.until, zone) - now,
            max_uses=new.max_uses,
        )
        invite = await self.by_token(token)
        assert invite is not None
        await self.audit.record(
            actor_id,
            org_id,
            "invite.create",
            target(invite),
            invite_id=invite.id,
            until=new.until.isoformat(),
            max_uses=new.max_uses,
        )
        return invite

    async def revoke(
        self, actor_id: int, org_id: int, invite_id: int, target: Callable[[Invite], str]
    ) -> Invite | None:
        """Revoke an invite of this school, its audit entry written in the same transaction;
        the invite as it is now (None: not this school's). Revoking twice changes nothing."""
        invite = await self.get(org_id, invite_id)
        if invite is None:
            return None
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE invites SET revoked_at = ? WHERE id = ? AND org_id = ? "
                "AND revoked_at IS NULL",
                (self.clock.now().isoformat(), invite_id, org_id),
            )
            if changed:
                await self.audit.record(
                    actor_id, org_id, "invite.revoke", target(invite), q=tx, invite_id=invite_id
                )
        return await self.get(org_id, invite_id)

    async def by_token(self, token: str) -> Invite | None:
        rows = await self.db.fetchall(_SELECT + " WHERE i.token = ?", (token,))
        return next(iter(await self._build(rows)), None)

    async def get(self, org_id: int, invite_id: int) -> Invite | None:
        rows = await self.db.fetchall(
            _SELECT + " WHERE i.id = ? AND i.org_id = ?", (invite_id, org_id)
        )
        return next(iter(await self._build(rows)), None)

    async def of_org(self, org_id: int, limit: int = SHOWN) -> list[Invite]:
        """The school's invites, the newest first, each with who used it."""
        rows = await self.db.fetchall(
            _SELECT + " WHERE i.org_id = ? ORDER BY i.id DESC LIMIT ?", (org_id, limit)
        )
        return await self._build(rows)

    async def _build(self, rows: list[Row]) -> list[Invite]:
        if not rows:
            return []
        ids = [int(r["id"]) for r in rows]
        uses = await self.db.fetchall(
            "SELECT u.invite_id, u.person_id, u.at, "
            "trim(p.first_name || ' ' || p.last_name) AS name FROM invite_uses u "
            "JOIN persons p ON p.id = u.person_id "
            f"WHERE u.invite_id {self.db.dialect.in_list()} ORDER BY u.at, u.id",
            (self.db.dialect.in_values(ids),),
        )
        by_invite: dict[int, list[InviteUse]] = {}
        for use in uses:
            by_invite.setdefault(int(use["invite_id"]), []).append(
                InviteUse(int(use["person_id"]), str(use["name"]), _when(use["at"]))
            )
        now = self.clock.now()
        return [
            Invite(
                id=int(r["id"]),
                token=r["token"],
                org_id=int(r["org_id"]),
                role=RoleKind(str(r["role"])),
                position=Position(str(r["position"])) if r["position"] else None,
                group_name=str(r["group_name"] or ""),
                created_at=_when(r["created_at"]),
                created_by=str(r["created_by_name"] or ""),
                expires_at=_when(r["expires_at"]),
                max_uses=int(r["max_uses"]),
                uses=int(r["uses"]),
                revoked_at=_when(r["revoked_at"]) if r["revoked_at"] else None,
                state=state_of(r, now),
                used_by=tuple(by_invite.get(int(r["id"]), ())),
            )
            for r in rows
        ]


_SELECT = (
    "SELECT i.*, g.name AS group_name, "
    "trim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')) AS created_by_name "
    "FROM invites i LEFT JOIN groups g ON g.id = i.group_id "
    "LEFT JOIN persons p ON p.id = i.created_by"
)
