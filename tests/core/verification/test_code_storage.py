"""Journal codes at rest and under load: keyed hashes (a copy of the database does not give the
codes away), rows stored before still working, checks that cannot race, the global budget."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

from core.clock import ManualClock
from core.instance_secrets import instance_secret
from core.people import OrgKind, PeopleRepository, RoleKind
from core.storage import Database
from core.texts import CORE_TEXTS
from core.verification import Status, Verification
from core.verification.codes import ALPHABET, normalise


async def _mother(people: PeopleRepository) -> tuple[int, int]:
    school = await people.upsert_organisation(
        kind=OrgKind.SCHOOL, name="СОШ № 7", region_code="54", timezone="Asia/Novosibirsk"
    )
    mother = await people.upsert_person(first_name="Наталья", is_adult=True, external_id="j:m")
    return school, mother


def _plain(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


async def test_codes_are_stored_keyed_and_old_rows_are_rekeyed(
    db: Database, people: PeopleRepository, clock: ManualClock
) -> None:
    school, mother = await _mother(people)
    # A row from before keyed hashes: the plain SHA-256 of its code.
    old_code = "OLDC-0DE2"
    await db.execute(
        "INSERT INTO journal_codes (code_hash, person_id, role, org_id, created_at, expires_at) "
        "VALUES (?, ?, 'parent', ?, ?, ?)",
        (_plain(old_code), mother, school, clock.now().isoformat(),
         (clock.now() + timedelta(days=1)).isoformat()),
    )  # fmt: skip
    verification = Verification(db, clock, people)
    new_code = await verification.issue_code(mother, RoleKind.PARENT, school)
    stored = [r["code_hash"] for r in await db.fetchall("SELECT code_hash FROM journal_codes")]
    # Nothing a brute force over 32^8 plain hashes could match, and the key is not derivable.
    assert _plain(new_code) not in stored and _plain(old_code) not in stored
    assert all(value.startswith("k1:") for value in stored)
    assert len(await instance_secret(db, "journal_codes", clock)) == 32
    # Both still verify, each once.
    assert (await verification.redeem_code(555, old_code.lower())).status == Status.OK
    again = Verification(db, clock, people)  # another process, later: nothing left to re-key
    assert (await again.redeem_code(556, old_code)).status == Status.USED
    other = await people.upsert_person(first_name="Ольга", is_adult=True, external_id="j:o")
    fresh = await again.issue_code(other, RoleKind.PARENT, school)
    assert (await again.redeem_code(557, fresh)).status == Status.OK
    assert new_code and all(c in ALPHABET for c in normalise(new_code))


async def test_concurrent_guesses_check_only_the_limit(
    db: Database, people: PeopleRepository, clock: ManualClock
) -> None:
    verification = Verification(db, clock, people, max_failures=5)
    results = await asyncio.gather(
        *(verification.redeem_code(7, f"AAAA-{n:04d}".replace("0", "A")) for n in range(150))
    )
    statuses = [r.status for r in results]
    assert statuses.count(Status.INVALID) == 5 and statuses.count(Status.LOCKED) == 145
    assert await db.fetchval("SELECT count(*) FROM verification_attempts") == 5


async def test_global_budget_stops_everyone_for_a_while(
    db: Database, people: PeopleRepository, clock: ManualClock
) -> None:
    school, mother = await _mother(people)
    verification = Verification(db, clock, people, global_max_failures=10)
    code = await verification.issue_code(mother, RoleKind.PARENT, school)
    for user in range(5):
        for guess in ("AAAA-AAAA", "BBBB-BBBB"):
            assert (await verification.redeem_code(100 + user, guess)).status == Status.INVALID
    assert (await verification.redeem_code(555, code)).status == Status.BUSY
    assert await verification.locked(555)
    clock.advance(timedelta(minutes=5))
    assert (await verification.redeem_code(555, code)).status == Status.BUSY
    clock.advance(timedelta(minutes=5, seconds=1))
    assert (await verification.redeem_code(555, code)).status == Status.OK
    # The bots' reply says so politely, not «код не найден».
    text = CORE_TEXTS.render("code_result.j2", status="busy", role="", children=[], org="")
    assert "слишком много попыток ввода кодов, попробуйте позже" in text
