"""Each recipient's delivery row, and who is handed straight to sending."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

from core.broadcast.preparation import FIRST_CHUNK, PREPARE_CHUNK, Planner, chunk_bounds
from core.people import Organisation, OrgKind
from core.policy import Decision, Outcome
from core.policy.rules import RULES
from core.policy.service import Facts

SCHOOL = Organisation(1, OrgKind.SCHOOL, "Школа", None, "54", "Asia/Novosibirsk")
# 23:00 in Novosibirsk (UTC+7), a Monday: students' night, outside teachers' working hours.
NIGHT = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
MORNING = "2026-11-24T01:00:00+00:00"  # 08:00 the next day in Novosibirsk


def facts(role: str, vk: int | None) -> Facts:
    return Facts(frozenset({role}), frozenset({SCHOOL.id}), True, vk)


def test_chunks_start_small_and_cover_everyone_once() -> None:
    total = FIRST_CHUNK + 2 * PREPARE_CHUNK + 7
    bounds = chunk_bounds(total)
    assert bounds[0] == (0, FIRST_CHUNK)
    assert [end - start for start, end in bounds[1:]] == [PREPARE_CHUNK, PREPARE_CHUNK, 7]
    assert all(a[1] == b[0] for a, b in pairwise(bounds))
    assert bounds[-1][1] == total
    assert chunk_bounds(0) == [(0, 0)]


def test_rows_and_who_goes_straight_to_sending_at_night() -> None:
    denied = Decision(Outcome.DENY, next(r for r in RULES if r.outcome == Outcome.DENY))
    chunk = [1, 2, 3, 4, 5, 6]
    all_facts = {
        1: facts("parent", 101),  # allowed, sent now
        2: facts("parent", 102),  # the policy says no
        3: facts("parent", None),  # no VK account
        4: facts("student", 104),  # students' night: the morning
        5: facts("staff", 105),  # outside working hours: the next working hour
        6: facts("parent", 106),  # allowed, but no text could be made: left to the log
    }
    planner = Planner({SCHOOL.id: SCHOOL}, NIGHT, asked=False)
    rows, prepared = planner.plan(chunk, {2: denied}, all_facts, {1: "Привет", 4: "Привет"})
    assert rows == [
        (1, 101, "pending", None, None),
        (2, 102, "skipped", f"policy:deny:{denied.rule.id}", None),
        (3, None, "skipped", "no_vk_account", None),
        (4, 104, "pending", "quiet_hours", MORNING),
        (5, 105, "pending", "quiet_hours", MORNING),
        (6, 106, "pending", None, None),
    ]
    assert prepared == [(1, 101, "Привет")]


def test_staff_who_subscribed_are_not_held_to_working_hours() -> None:
    planner = Planner({SCHOOL.id: SCHOOL}, NIGHT, asked=True)
    rows, prepared = planner.plan([5], {}, {5: facts("staff", 105)}, {5: "Дайджест"})
    assert rows == [(5, 105, "pending", None, None)]
    assert prepared == [(5, 105, "Дайджест")]


def test_without_texts_nothing_is_handed_off() -> None:
    planner = Planner({SCHOOL.id: SCHOOL}, NIGHT, asked=False)
    rows, prepared = planner.plan([1], {}, {1: facts("parent", 101)}, None)
    assert rows == [(1, 101, "pending", None, None)] and prepared == []
