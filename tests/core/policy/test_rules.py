"""The spec's worked examples, the CLI, and properties that must hold for every input."""

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.policy import RULES, Inputs, Outcome, Party, decide

S, P, T = Party.STAFF, Party.PARENT, Party.STUDENT
NA, NM = Party.NONE_ADULT, Party.NONE_MINOR

# sender, recipient, via, trusted, shared_chat, same_group, same_org, own_child, outcome
WORKED_EXAMPLES = [
    (S, T, "id", False, False, False, False, False, "allow"),
    (S, T, "phone", False, False, False, False, False, "request"),
    (P, T, "id", False, True, False, True, False, "request"),
    (P, T, "id", False, False, False, False, True, "allow"),
    (T, T, "id", False, False, True, True, False, "allow"),
    (T, T, "id", False, False, False, True, False, "request"),
    (NA, T, "id", False, True, False, False, False, "confirm_role"),
    (NA, T, "phone", True, False, False, False, False, "allow"),
    (NM, NA, "id", False, False, False, False, False, "deny"),
    (NM, NM, "id", False, True, False, False, False, "confirm_role"),
    (P, NM, "id", False, False, False, False, False, "request"),
]


@pytest.mark.parametrize("row", WORKED_EXAMPLES)
def test_worked_examples(row: tuple[object, ...]) -> None:
    *args, expected = row
    assert decide(Inputs(*args)).outcome == Outcome(expected)  # type: ignore[arg-type]


def test_every_rule_names_its_source_and_ids_are_unique() -> None:
    assert len({rule.id for rule in RULES}) == len(RULES)
    assert all("rule" in rule.source or "Universal" in rule.source for rule in RULES)


inputs = st.builds(
    Inputs,
    sender=st.sampled_from(list(Party)),
    recipient=st.sampled_from(list(Party)),
    via=st.sampled_from(["id", "phone"]),
    trusted=st.booleans(),
    shared_chat=st.booleans(),
    same_group=st.booleans(),
    same_org=st.booleans(),
    own_child=st.booleans(),
)


@given(inputs)
def test_total_every_input_has_a_decision(case: Inputs) -> None:
    assert decide(case).rule.matches(case)


@given(inputs)
def test_trusted_contact_always_allowed(case: Inputs) -> None:
    trusted = Inputs(**{**{f: getattr(case, f) for f in case.__slots__}, "trusted": True})
    assert decide(trusted).outcome == Outcome.ALLOW


@given(inputs)
def test_no_role_minor_never_reaches_a_student_without_confirm_role(case: Inputs) -> None:
    if case.sender == NM and case.recipient == T and not case.trusted:
        assert decide(case).outcome == Outcome.CONFIRM_ROLE


@given(inputs)
def test_parent_reaches_another_familys_child_only_by_request(case: Inputs) -> None:
    if case.sender == P and case.recipient == T and not case.trusted and not case.own_child:
        assert decide(case).outcome == Outcome.REQUEST


@given(inputs)
def test_a_common_organisation_alone_never_frees_student_to_student(case: Inputs) -> None:
    if (case.sender, case.recipient) == (T, T) and not (
        case.trusted or case.same_group or case.shared_chat
    ):
        assert decide(case).outcome == Outcome.REQUEST


@given(inputs)
def test_an_untrusted_phone_never_frees_more_than_an_id(case: Inputs) -> None:
    """Reaching someone by phone number is never easier than by profile id."""
    rank = {"allow": 0, "request": 1, "confirm_role": 2, "deny": 3}
    by_id = Inputs(**{**{f: getattr(case, f) for f in case.__slots__}, "via": "id"})
    by_phone = Inputs(**{**{f: getattr(case, f) for f in case.__slots__}, "via": "phone"})
    assert rank[decide(by_phone).outcome] >= rank[decide(by_id).outcome]


def test_cli_prints_outcome_then_rule() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sferum.cli",
            "policy",
            "--sender",
            "parent",
            "--recipient",
            "student",
            "--via",
            "id",
            "--own-child",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "allow"
    assert lines[1] == "правило parent-student.1: сообщение доставляется сразу"
