"""Whose quiet hours hold a proactive message back: staff outside working hours, students and
parents at night in their school's zone, anyone else at night in the default zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.people import Organisation, OrgKind, Person, RoleKind
from core.quiet_hours import plan_for_recipient

NSK = Organisation(1, OrgKind.SCHOOL, "СОШ", None, "54", "Asia/Novosibirsk")
MSK = ZoneInfo("Europe/Moscow")


def nsk(*args: int) -> datetime:
    return datetime(*args, tzinfo=NSK.zone)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kind", "moment", "expected"),
    [
        # Friday 20:30: staff wait for Monday 08:00; students and parents only for the morning.
        (RoleKind.STAFF, nsk(2026, 11, 27, 20, 30), nsk(2026, 11, 30, 8, 0)),
        (RoleKind.STUDENT, nsk(2026, 11, 27, 20, 30), nsk(2026, 11, 27, 20, 30)),
        (RoleKind.STUDENT, nsk(2026, 11, 27, 21, 0), nsk(2026, 11, 28, 8, 0)),
        (RoleKind.PARENT, nsk(2026, 11, 28, 2, 0), nsk(2026, 11, 28, 8, 0)),
        # Saturday noon: no working hours for staff, a free day for the others.
        (RoleKind.STAFF, nsk(2026, 11, 28, 12, 0), nsk(2026, 11, 30, 8, 0)),
        (RoleKind.PARENT, nsk(2026, 11, 28, 12, 0), nsk(2026, 11, 28, 12, 0)),
        (RoleKind.STAFF, nsk(2026, 11, 24, 9, 15), nsk(2026, 11, 24, 9, 15)),
    ],
)
def test_each_role_waits_for_its_own_hours(
    kind: RoleKind, moment: datetime, expected: datetime
) -> None:
    assert plan_for_recipient({kind: NSK}, None, moment, zone=MSK).at == expected


def test_no_role_is_judged_by_night_in_the_default_zone() -> None:
    # 23:30 in Novosibirsk is 19:30 in Moscow: no night there yet.
    evening = nsk(2026, 11, 24, 23, 30)
    assert plan_for_recipient({}, None, evening, zone=MSK).at == evening
    moscow_night = datetime(2026, 11, 24, 22, 0, tzinfo=MSK)
    assert plan_for_recipient({}, None, moscow_night, zone=MSK).at == datetime(
        2026, 11, 25, 8, 0, tzinfo=MSK
    )


def test_personal_working_hours_and_several_roles() -> None:
    late_starter = Person(1, 1, "И", "С", work_start="10:00", work_end="18:00")
    at_nine = nsk(2026, 11, 24, 9, 0)
    assert plan_for_recipient({RoleKind.STAFF: NSK}, late_starter, at_nine, zone=MSK).at == nsk(
        2026, 11, 24, 10, 0
    )
    # A teacher who is also a parent: working hours are the stricter of the two.
    both = {RoleKind.STAFF: NSK, RoleKind.PARENT: NSK}
    assert plan_for_recipient(both, None, nsk(2026, 11, 24, 20, 30), zone=MSK).at == nsk(
        2026, 11, 25, 8, 0
    )


def test_the_answer_keeps_the_callers_zone_and_is_aware() -> None:
    at = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 22:00 in Novosibirsk
    planned = plan_for_recipient({RoleKind.STUDENT: NSK}, None, at, zone=MSK).at
    assert planned == nsk(2026, 11, 25, 8, 0) and planned.tzinfo is not None
