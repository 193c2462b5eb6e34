from datetime import UTC, datetime

from core.people import Organisation, OrgKind, Person
from core.quiet_hours import (
    QuietMode,
    WorkingHours,
    plan_for_staff,
    plan_for_student,
    student_night,
)

ORG = Organisation(1, OrgKind.SCHOOL, "СОШ", None, "54", "Asia/Novosibirsk")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ORG.zone)  # type: ignore[misc]


def test_staff_deferred_to_next_working_hour() -> None:
    friday_evening = local(2026, 11, 27, 20, 30)
    delivery = plan_for_staff(ORG, None, friday_evening, QuietMode.DEFER)
    assert delivery.at == local(2026, 11, 30, 8, 0)  # Monday 08:00 local
    assert not delivery.silent
    inside = local(2026, 11, 27, 9, 0)
    assert plan_for_staff(ORG, None, inside, QuietMode.DEFER).at == inside


def test_silent_only_where_supported_and_per_person_hours() -> None:
    night = local(2026, 11, 24, 23, 0)
    assert plan_for_staff(ORG, None, night, QuietMode.SILENT, silent_supported=True).silent
    fallback = plan_for_staff(ORG, None, night, QuietMode.SILENT)
    assert fallback.at == local(2026, 11, 25, 8, 0)
    early_bird = Person(1, 1, "И", "С", work_start="07:00", work_end="15:00")
    assert WorkingHours.of(ORG, early_bird).contains(local(2026, 11, 24, 7, 30))
    assert not WorkingHours.of(ORG, early_bird).contains(local(2026, 11, 24, 16, 0))


def test_students_not_at_night_in_their_zone() -> None:
    # 15:30 UTC is 22:30 in Novosibirsk.
    late = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    assert student_night(ORG, late)
    assert plan_for_student(ORG, late).at == local(2026, 11, 25, 8, 0)
    after_midnight = local(2026, 11, 25, 2, 0)
    assert plan_for_student(ORG, after_midnight).at == local(2026, 11, 25, 8, 0)
    assert plan_for_student(ORG, local(2026, 11, 25, 12, 0)).at == local(2026, 11, 25, 12, 0)
