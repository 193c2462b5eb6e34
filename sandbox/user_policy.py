"""Person-to-person first messages judged by core.policy from the two Sferum profiles."""

from __future__ import annotations

from datetime import date

from core.people.models import RECIPIENT_PRECEDENCE, SENDER_PRECEDENCE
from core.policy import Decision, Inputs, Party, decide
from core.policy.rules import Via

from .records import Profile, User

_EMPTY = Profile()


def _role(profile: Profile, precedence: tuple[object, ...]) -> str:
    # Several roles: the strongest speaks as a sender, the most protected is protected.
    held = set(profile.roles)
    return next((str(kind) for kind in precedence if str(kind) in held), "none")


def policy_inputs(sender: User, recipient: User, via: Via, today: date) -> Inputs:
    s = sender.profile or _EMPTY
    r = recipient.profile or _EMPTY
    sender_role = _role(s, SENDER_PRECEDENCE)
    recipient_role = _role(r, RECIPIENT_PRECEDENCE)
    shared = bool(
        sender.chat_peers and recipient.chat_peers and sender.chat_peers & recipient.chat_peers
    )
    return Inputs(
        sender=Party.of(sender_role, s.adult_on(today)),
        recipient=Party.of(recipient_role, r.adult_on(today)),
        via=via,
        trusted=recipient.id in s.contacts and sender.id in r.contacts,
        shared_chat=shared,
        same_group=(
            sender_role == "student"
            and recipient_role == "student"
            and bool(s.group_ids & r.group_ids)
        ),
        same_org=bool(s.org_ids & r.org_ids),
        own_child=recipient.id in s.children,
    )


def judge(sender: User, recipient: User, via: Via, today: date) -> Decision:
    return decide(policy_inputs(sender, recipient, via, today))
