"""Verification's state changes raced by two workers (two Database objects on one store):
a journal code redeemed twice at once, a join request decided twice at once, the last place of an
invite taken twice at once. Exactly one of each pair wins, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

from core.clock import ManualClock
from core.people import OrgKind, PeopleRepository, Position, RoleKind
from core.storage import Database
from core.verification import Status, Verification
from core.verification.service import AlreadyDecided, JoinRequest

ROUNDS = 12  # races per test: one interleaving that happens to serialise proves little


def _worker(db: Database, clock: ManualClock) -> Verification:
    return Verification(db, clock, PeopleRepository(db, clock))


async def _school_and_workers(
    two_dbs: tuple[Database, Database], clock: ManualClock
) -> tuple[PeopleRepository, int, Verification, Verification]:
    """People on the first database, a school in it, and each worker's verification."""
    first_db, second_db = two_dbs
    people = PeopleRepository(first_db, clock)
    school = await people.upsert_organisation(
        kind=OrgKind.SCHOOL, name="СОШ № 7", region_code="54", timezone="Asia/Novosibirsk"
    )
    return people, school, _worker(first_db, clock), _worker(second_db, clock)


async def test_a_journal_code_redeemed_twice_at_once_is_used_once(
    two_dbs: tuple[Database, Database], clock: ManualClock
) -> None:
    first_db = two_dbs[0]
    people, school, first, second = await _school_and_workers(two_dbs, clock)
    for n in range(ROUNDS):
        mother = await people.upsert_person(
            first_name="Наталья", is_adult=True, external_id=f"j:m{n}"
        )
        code = await first.issue_code(mother, RoleKind.PARENT, school)
        # Two VK accounts (1000+n, 2000+n) type the same code into two workers at once.
        results = await asyncio.gather(
            first.redeem_code(1000 + n, code), second.redeem_code(2000 + n, code)
        )
        statuses = sorted(r.status for r in results)
        assert statuses == sorted([Status.OK, Status.USED]), (n, statuses)
        winner = 1000 + n if results[0].status == Status.OK else 2000 + n
        person = await people.person(mother)
        assert person is not None and person.vk_user_id == winner
        grants = await first_db.fetchval(
            "SELECT count(*) FROM role_changes WHERE person_id = ? AND action = 'grant'",
            (mother,),
        )
        assert grants == 1
        used_by = await first_db.fetchval(
            "SELECT used_by_vk_id FROM journal_codes WHERE person_id = ?", (mother,)
        )
        assert used_by == winner
    # One successful attempt per code, and every loser's attempt is on record as failed.
    assert (
        await first_db.fetchval("SELECT count(*) FROM verification_attempts WHERE success = 1")
        == ROUNDS
    )
    assert (
        await first_db.fetchval("SELECT count(*) FROM verification_attempts WHERE success = 0")
        == ROUNDS
    )


async def test_a_join_request_decided_twice_at_once_is_decided_once(
    two_dbs: tuple[Database, Database], clock: ManualClock
) -> None:
    first_db = two_dbs[0]
    people, school, first, second = await _school_and_workers(two_dbs, clock)
    admins = []
    for vk_id in (1, 2):
        admin = await people.upsert_person(first_name="Админ", vk_user_id=vk_id, is_adult=True)
        await people.grant_role(admin, RoleKind.STAFF, school, position=Position.ADMIN, method="x")
        admins.append(admin)
    for n in range(ROUNDS):
        newcomer = await people.ensure_vk_person(100 + n, "Миша", "Орлов")
        request = await first.request_to_join(newcomer, school, RoleKind.PARENT)
        # One admin approves in one worker while the other rejects in the other.
        outcomes = await asyncio.gather(
            first.decide(request, admins[0], approve=True),
            second.decide(request, admins[1], approve=False),
            return_exceptions=True,
        )
        decided = [o for o in outcomes if isinstance(o, JoinRequest)]
        refused = [o for o in outcomes if isinstance(o, AlreadyDecided)]
        assert len(decided) == 1 and len(refused) == 1, outcomes
        stored = await first.join_request(request)
        assert stored is not None
        approved = outcomes[0] is decided[0]
        assert stored.status == ("approved" if approved else "rejected")
        assert stored.decided_by == (admins[0] if approved else admins[1])
        assert refused[0].request.status == stored.status
        roles = await first_db.fetchval(
            "SELECT count(*) FROM roles WHERE person_id = ? AND role = 'parent'", (newcomer,)
        )
        assert roles == (1 if approved else 0)


async def test_the_last_place_of_an_invite_taken_twice_at_once_goes_once(
    two_dbs: tuple[Database, Database], clock: ManualClock
) -> None:
    first_db = two_dbs[0]
    _people, school, first, second = await _school_and_workers(two_dbs, clock)
    for n in range(ROUNDS):
        token = await first.create_invite(school, RoleKind.PARENT, created_by=None, max_uses=1)
        results = await asyncio.gather(
            first.use_invite(3000 + n, token), second.use_invite(4000 + n, token)
        )
        statuses = sorted(r.status for r in results)
        assert statuses == sorted([Status.OK, Status.EXHAUSTED]), (n, statuses)
        row = await first_db.fetchone(
            "SELECT i.uses, (SELECT count(*) FROM invite_uses u WHERE u.invite_id = i.id) "
            "AS recorded FROM invites i WHERE i.token = ?",
            (token,),
        )
        assert row is not None and row["uses"] == 1 and row["recorded"] == 1
