"""The cabinet's invites raced by two workers (two Database objects on one store, as two
processes behind one address): the last place of a link made in the cabinet taken by several
people at once, a link revoked twice at once, and revoked while its last place is taken. The
count of uses and the ``invite_uses`` rows the cabinet lists are written in one transaction
holding the invite's row, so they never disagree and never pass ``max_uses`` — on SQLite (its
writer lock) and on PostgreSQL (a row lock)."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

import pytest

from core.audit import AuditLog
from core.cabinet.invites import Invite, Invites, State
from core.clock import ManualClock
from core.people import OrgKind, PeopleRepository
from core.storage import Database
from core.verification import Status, Verification

NSK = ZoneInfo("Asia/Novosibirsk")
ROUNDS = 8  # races per test: one interleaving that happens to serialise proves little


def _cabinet(db: Database, clock: ManualClock) -> Invites:
    people = PeopleRepository(db, clock)
    return Invites(db, clock, people, Verification(db, clock, people), AuditLog(db, clock))


def _said(invite: Invite) -> str:
    return f"ссылка {invite.id}"


async def _cabinets_and_school(
    two_dbs: tuple[Database, Database], clock: ManualClock
) -> tuple[Invites, Invites, int, int]:
    """Each worker's cabinet, and a school with its admin in the first database."""
    first_db, second_db = two_dbs
    people = PeopleRepository(first_db, clock)
    school = await people.upsert_organisation(
        kind=OrgKind.SCHOOL, name="СОШ № 7", region_code="54", timezone="Asia/Novosibirsk"
    )
    admin = await people.upsert_person(first_name="Ольга", last_name="Админова", is_adult=True)
    return _cabinet(first_db, clock), _cabinet(second_db, clock), school, admin


async def _invite(cabinet: Invites, school: int, admin: int, uses: int) -> Invite:
    new = await cabinet.check(school, NSK, role="parent", uses=str(uses))
    return await cabinet.create(admin, school, NSK, new, _said)


@pytest.mark.parametrize("places", [1, 2])
async def test_the_last_places_of_a_cabinet_invite_go_once_each(
    places: int, two_dbs: tuple[Database, Database], clock: ManualClock
) -> None:
    first_db = two_dbs[0]
    first, second, school, admin = await _cabinets_and_school(two_dbs, clock)
    for n in range(ROUNDS):
        invite = await _invite(first, school, admin, places)
        # One more person than there are places, alternating between the two workers.
        people = [10_000 * (k + 1) + n for k in range(places + 1)]
        workers = [first if k % 2 == 0 else second for k in range(places + 1)]
        results = await asyncio.gather(
            *(
                worker.verification.use_invite(vk_id, invite.token, "Гость", str(vk_id))
                for worker, vk_id in zip(workers, people, strict=True)
            )
        )
        statuses = sorted(r.status for r in results)
        assert statuses == sorted([Status.OK] * places + [Status.EXHAUSTED]), (n, statuses)
        winners = {r.person_id for r in results if r.status == Status.OK}
        assert len(winners) == places
        # Both workers' cabinets list the same: full, used by exactly the winners.
        for cabinet in (first, second):
            shown = await cabinet.get(school, invite.id)
            assert shown is not None
            assert shown.uses == places and shown.state == State.EXHAUSTED
            assert {use.person_id for use in shown.used_by} == winners
        roles = await first_db.fetchval(
            "SELECT count(*) FROM roles r JOIN invite_uses u ON u.person_id = r.person_id "
            "WHERE u.invite_id = ? AND r.role = 'parent' AND r.org_id = ?",
            (invite.id, school),
        )
        assert roles == places


async def test_an_invite_revoked_twice_at_once_is_revoked_and_audited_once(
    two_dbs: tuple[Database, Database], clock: ManualClock
) -> None:
    first_db = two_dbs[0]
    first, second, school, admin = await _cabinets_and_school(two_dbs, clock)
    for n in range(ROUNDS):
        invite = await _invite(first, school, admin, 3)
        shown = await asyncio.gather(
            first.revoke(admin, school, invite.id, _said),
            second.revoke(admin, school, invite.id, _said),
        )
        assert all(s is not None and s.state == State.REVOKED for s in shown), n
        revocations = await first_db.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'invite.revoke' AND target = ?",
            (_said(invite),),
        )
        assert revocations == 1, n


async def test_an_invite_revoked_while_its_last_place_is_taken_agrees_with_itself(
    two_dbs: tuple[Database, Database], clock: ManualClock
) -> None:
    first, second, school, admin = await _cabinets_and_school(two_dbs, clock)
    for n in range(ROUNDS):
        invite = await _invite(first, school, admin, 1)
        used, _revoked = await asyncio.gather(
            second.verification.use_invite(20_000 + n, invite.token, "Гость", "Поздний"),
            first.revoke(admin, school, invite.id, _said),
        )
        # Either the use came first (and counts) or the revocation did (and nothing counts).
        assert used.status in (Status.OK, Status.INVALID), (n, used.status)
        shown = await second.get(school, invite.id)
        assert shown is not None and shown.state == State.REVOKED
        expected = 1 if used.status == Status.OK else 0
        assert shown.uses == expected and len(shown.used_by) == expected, n
