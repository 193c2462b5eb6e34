"""The communication rules of ../shared/spec/communication-rules.md as one data table.

Each row names the sender and recipient categories it covers, the inputs it requires, the outcome,
and the line of the spec it comes from. ``decide`` takes the first row that matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Literal


class Outcome(StrEnum):
    ALLOW = "allow"
    REQUEST = "request"
    CONFIRM_ROLE = "confirm_role"
    DENY = "deny"


class Party(StrEnum):
    """A role as the rules see it: no-role users split by age."""

    STAFF = "staff"
    PARENT = "parent"
    STUDENT = "student"
    NONE_ADULT = "none:adult"
    NONE_MINOR = "none:minor"

    @classmethod
    def of(cls, role: str, is_adult: bool) -> Party:
        if role == "none":
            return cls.NONE_ADULT if is_adult else cls.NONE_MINOR
        return cls(role)


Via = Literal["id", "phone"]


@dataclass(frozen=True, slots=True)
class Inputs:
    sender: Party
    recipient: Party
    via: Via = "id"
    trusted: bool = False
    shared_chat: bool = False
    same_group: bool = False
    same_org: bool = False
    own_child: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    senders: frozenset[Party]
    recipients: frozenset[Party]
    outcome: Outcome
    source: str
    # Conjunction of required input values; empty means "otherwise".
    when: tuple[tuple[str, object], ...] = field(default_factory=tuple)

    def matches(self, inputs: Inputs) -> bool:
        return (
            inputs.sender in self.senders
            and inputs.recipient in self.recipients
            and all(getattr(inputs, name) == value for name, value in self.when)
        )

    def describe(self) -> str:
        return f"{self.id}: {self.source}"


ANY = frozenset(Party)
NONE = frozenset({Party.NONE_ADULT, Party.NONE_MINOR})
STAFF, PARENT, STUDENT = (frozenset({p}) for p in (Party.STAFF, Party.PARENT, Party.STUDENT))
ADULT, MINOR = frozenset({Party.NONE_ADULT}), frozenset({Party.NONE_MINOR})
A, R, C, D = Outcome.ALLOW, Outcome.REQUEST, Outcome.CONFIRM_ROLE, Outcome.DENY

_S_STAFF = "staff → student, staff → none"
_S_NN = "none → none"
_S_ANY = "anyone → staff, anyone → parent (project default)"

# fmt: off
RULES: tuple[Rule, ...] = (
    Rule("universal.trusted", ANY, ANY, A, "Universal first line: trusted → allow", (("trusted", True),)),

    Rule("staff.1", STAFF, STUDENT | NONE, A, f"{_S_STAFF}, rule 1: via=id → allow", (("via", "id"),)),
    Rule("staff.2", STAFF, STUDENT | NONE, A, f"{_S_STAFF}, rule 2: shared_chat → allow", (("shared_chat", True),)),
    Rule("staff.3", STAFF, STUDENT | NONE, R, f"{_S_STAFF}, rule 3: via=phone, not trusted → request (stricter of the two tables)", (("via", "phone"),)),

    Rule("parent-student.1", PARENT, STUDENT, A, "parent → student, rule 1: own_child → allow", (("own_child", True),)),
    Rule("parent-student.2", PARENT, STUDENT, R, "parent → student, rule 2: another family's child → request"),

    Rule("student-student.1", STUDENT, STUDENT, A, "student → student, rule 1: same_group → allow", (("same_group", True),)),
    Rule("student-student.2", STUDENT, STUDENT, A, "student → student, rule 2: shared_chat → allow", (("shared_chat", True),)),
    Rule("student-student.3", STUDENT, STUDENT, R, "student → student, rule 3: otherwise → request (a common organisation alone does not free it)"),

    Rule("none-student.1", NONE, STUDENT, C, "none → student, rule 1: via=phone, not trusted → confirm_role (the summary wins over table 2)", (("via", "phone"),)),
    Rule("none-student.2", NONE, STUDENT, C, "none → student, rule 2: via=id, with or without a shared chat → confirm_role", (("via", "id"),)),

    Rule("student-none.1", STUDENT, NONE, R, "student → none, rule 1: anything but trusted → request"),

    Rule("none-none.1a", ADULT, ADULT, A, f"{_S_NN}, rule 1: both adults, via=id → allow", (("via", "id"),)),
    Rule("none-none.1b", ADULT, ADULT, A, f"{_S_NN}, rule 1: both adults, shared_chat → allow", (("shared_chat", True),)),
    Rule("none-none.1c", ADULT, ADULT, R, f"{_S_NN}, rule 1: both adults, via=phone not trusted → request", (("via", "phone"),)),
    Rule("none-none.2a", MINOR, NONE, C, f"{_S_NN}, rule 2: a minor involved, shared_chat → confirm_role", (("shared_chat", True),)),
    Rule("none-none.2a'", ADULT, MINOR, C, f"{_S_NN}, rule 2: a minor involved, shared_chat → confirm_role", (("shared_chat", True),)),
    Rule("none-none.2b", MINOR, NONE, D, f"{_S_NN}, rule 2: a minor involved, no shared chat → deny"),
    Rule("none-none.2b'", ADULT, MINOR, D, f"{_S_NN}, rule 2: a minor involved, no shared chat → deny"),

    Rule("parent-none.1", PARENT, NONE, A, "parent → none, rule 1: shared_chat → allow", (("shared_chat", True),)),
    Rule("parent-none.2", PARENT, ADULT, A, "parent → none, rule 2: via=id, recipient adult → allow", (("via", "id"),)),
    Rule("parent-none.3", PARENT, MINOR, R, "parent → none, rule 3: via=id, recipient minor → request", (("via", "id"),)),
    Rule("parent-none.4", PARENT, NONE, R, "parent → none, rule 4: via=phone, not trusted → request", (("via", "phone"),)),

    Rule("to-adult-role.1a", ANY, STAFF | PARENT, A, f"{_S_ANY}, rule 1: shared_chat → allow", (("shared_chat", True),)),
    Rule("to-adult-role.1b", ANY, STAFF | PARENT, A, f"{_S_ANY}, rule 1: same_org → allow", (("same_org", True),)),
    Rule("to-adult-role.2", MINOR, STAFF | PARENT, R, f"{_S_ANY}, rule 2: sender none and a minor → request"),
    Rule("to-adult-role.3a", ANY, STAFF | PARENT, A, f"{_S_ANY}, rule 3: via=id → allow", (("via", "id"),)),
    Rule("to-adult-role.3b", ANY, STAFF | PARENT, R, f"{_S_ANY}, rule 3: via=phone not trusted → request", (("via", "phone"),)),
)
# fmt: on

_BY_PAIR: dict[tuple[Party, Party], tuple[Rule, ...]] = {
    (s, r): tuple(rule for rule in RULES if s in rule.senders and r in rule.recipients)
    for s in Party
    for r in Party
}


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    rule: Rule


class PolicyGap(Exception):
    """No rule matched: a hole in the table, which the tests prove does not exist."""


@lru_cache(maxsize=4096)
def decide(inputs: Inputs) -> Decision:
    """The outcome for one first message; inputs are few and discrete, so results are cached."""
    for rule in _BY_PAIR[(inputs.sender, inputs.recipient)]:
        if rule.matches(inputs):
            return Decision(rule.outcome, rule)
    raise PolicyGap(f"no communication rule covers {inputs}")
