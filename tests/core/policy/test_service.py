"""The bulk policy over the demo district: inputs computed from storage match the rules."""

from core.demo.district import build
from core.demo.loader import load_demo
from core.people import PeopleRepository
from core.policy import Outcome
from core.policy.service import PolicyService


async def _ids(people: PeopleRepository) -> dict[str, int]:
    await load_demo(people)
    rows = await people.db.fetchall("SELECT id, external_id FROM persons")
    return {r["external_id"].removeprefix("demo:person:"): r["id"] for r in rows}


async def test_outcomes_from_storage(people: PeopleRepository) -> None:
    ids = await _ids(people)
    district = build()
    policy = PolicyService(people.db, people.clock)
    class_5a = district.classes[0].students
    class_9a = district.classes[2].students

    # A teacher reaches any student by id.
    teacher = await policy.outcomes(ids["smirnova"], [ids[s] for s in class_5a])
    assert {d.outcome for d in teacher.values()} == {Outcome.ALLOW}

    # A parent: own children allowed, other children by request.
    mother = ids["pa00"]
    own = set(district.parents["pa00"])
    others = [s for s in (*class_5a, *class_9a) if s not in own]
    result = await policy.outcomes(mother, [ids[s] for s in (*own, *others)])
    assert all(result[ids[s]].outcome == Outcome.ALLOW for s in own)
    assert all(result[ids[s]].outcome == Outcome.REQUEST for s in others)

    # Classmates allowed; another school's student by request.
    student = class_5a[0]
    mates = await policy.outcomes(
        ids[student], [ids[class_5a[1]], ids[district.classes[4].students[0]]]
    )
    assert [d.outcome for d in mates.values()] == [Outcome.ALLOW, Outcome.REQUEST]

    # No-role adult to a student in a shared chat: confirm_role; trusted one-sided is not trusted.
    guest = await policy.outcomes(ids["guest-adult"], [ids["st00"], ids["st01"]])
    assert guest[ids["st00"]].outcome == Outcome.CONFIRM_ROLE
    assert guest[ids["st01"]].outcome == Outcome.CONFIRM_ROLE  # guest has st01's number, not back
    # No-role minor to no-role adult: shared chat → confirm_role; none → deny.
    minor = await policy.outcomes(ids["guest-minor"], [ids["guest-adult"], ids["guest-adult2"]])
    assert minor[ids["guest-adult"]].outcome == Outcome.CONFIRM_ROLE
    assert minor[ids["guest-adult2"]].outcome == Outcome.DENY
    # Trusted contact (both saved each other's number) by phone: allowed.
    trusted = await policy.decide_pair(ids["smirnova"], ids["pa04"], via="phone")
    assert trusted.outcome == Outcome.ALLOW and trusted.rule.id == "universal.trusted"
