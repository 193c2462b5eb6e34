from datetime import timedelta

from core.clock import ManualClock
from core.people import OrgKind, PeopleRepository, Position, RoleKind
from core.policy import Outcome
from core.policy.service import PolicyService
from core.verification import Status, Verification
from core.verification.codes import looks_like_code, normalise


async def _world(people: PeopleRepository) -> tuple[int, int, int]:
    school = await people.upsert_organisation(
        kind=OrgKind.SCHOOL, name="СОШ № 7", region_code="54", timezone="Asia/Novosibirsk"
    )
    child = await people.upsert_person(first_name="Артём", vk_user_id=10, is_adult=False)
    await people.grant_role(child, RoleKind.STUDENT, school, method="import")
    mother = await people.upsert_person(first_name="Наталья", is_adult=True, external_id="j:m")
    await people.link_parent_child(mother, child)
    return school, child, mother


def test_code_shape_and_lookalikes() -> None:
    assert normalise("к7qм-4хpd") == "K7QM4XPD"  # Cyrillic к, м, х typed on a Russian layout
    assert looks_like_code("K7QM-4XPD") and looks_like_code("k7qm 4xpd")
    assert not looks_like_code("привет") and not looks_like_code("K7QM-4XP")


async def test_journal_code_binds_account_and_grants_role(
    people: PeopleRepository, clock: ManualClock
) -> None:
    school, child, mother = await _world(people)
    changed: list[int] = []
    verification = Verification(people.db, clock, people, on_change=changed.append)
    code = await verification.issue_code(mother, RoleKind.PARENT, school)
    policy = PolicyService(people.db, clock)

    result = await verification.redeem_code(555, code.lower())
    assert result.status == Status.OK and result.role == RoleKind.PARENT
    assert changed == [555]
    identity = await people.identity(555)
    assert identity.as_sender() == RoleKind.PARENT
    history = await people.role_history(mother)
    assert history[-1]["method"] == "journal_code" and history[-1]["action"] == "grant"
    # The policy now lets her write to her own child by id.
    assert (await policy.decide_pair(mother, child)).outcome == Outcome.ALLOW
    # Single use.
    assert (await verification.redeem_code(556, code)).status == Status.USED


async def test_codes_expire_and_guessing_locks(
    people: PeopleRepository, clock: ManualClock
) -> None:
    school, _, mother = await _world(people)
    verification = Verification(people.db, clock, people, max_failures=3)
    code = await verification.issue_code(mother, RoleKind.PARENT, school, ttl=timedelta(hours=1))
    clock.advance(timedelta(hours=2))
    assert (await verification.redeem_code(7, code)).status == Status.EXPIRED
    fresh = await verification.issue_code(mother, RoleKind.PARENT, school)
    for guess in ("AAAA-AAAA", "BBBB-BBBB"):
        assert (await verification.redeem_code(7, guess)).status == Status.INVALID
    # Three failures (one expired, two wrong) inside the window: even the right code waits.
    assert (await verification.redeem_code(7, fresh)).status == Status.LOCKED
    clock.advance(timedelta(minutes=16))
    assert (await verification.redeem_code(7, fresh)).status == Status.OK


async def test_join_request_approval_and_invite_limits(
    people: PeopleRepository, clock: ManualClock
) -> None:
    school, _, _ = await _world(people)
    group = await people.upsert_group(org_id=school, name="7Б", grade=7)
    admin = await people.upsert_person(first_name="Дмитрий", vk_user_id=1, is_adult=True)
    await people.grant_role(admin, RoleKind.STAFF, school, position=Position.ADMIN, method="x")
    verification = Verification(people.db, clock, people)

    newcomer = await people.ensure_vk_person(42, "Миша", "Орлов")
    request = await verification.request_to_join(
        newcomer, school, RoleKind.STUDENT, group_id=group, comment="Орлов Миша"
    )
    assert request == await verification.request_to_join(newcomer, school, RoleKind.STUDENT)
    assert [r.id for r in await verification.pending_requests({school})] == [request]
    await verification.decide(request, admin, approve=True)
    assert (await people.identity(42)).as_sender() == RoleKind.STUDENT
    assert [g.id for g in await people.groups_of_student(newcomer)] == [group]
    history = await people.role_history(newcomer)
    assert history[-1]["method"] == "join_request" and history[-1]["by_person_id"] == admin

    token = await verification.create_invite(
        school, RoleKind.PARENT, created_by=admin, max_uses=1, ttl=timedelta(days=1)
    )
    assert (await verification.use_invite(50, token, "Ольга", "Ким")).status == Status.OK
    assert (await verification.use_invite(51, token)).status == Status.EXHAUSTED
    other = await verification.create_invite(school, RoleKind.PARENT, created_by=admin)
    clock.advance(timedelta(days=8))
    assert (await verification.use_invite(52, other)).status == Status.EXPIRED
