"""``sferum policy``: the outcome of a first message, for admins and tests."""

from __future__ import annotations

import argparse

from core.policy import Inputs, Party, decide

_ROLES = [party.value for party in Party]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "policy",
        help="кто кому может написать: решение по правилам общения",
        description="Prints the outcome alone on the first line, then the rule that decided.",
    )
    parser.add_argument("--sender", required=True, choices=_ROLES)
    parser.add_argument("--recipient", required=True, choices=_ROLES)
    parser.add_argument("--via", required=True, choices=["id", "phone"])
    for flag in ("trusted", "shared-chat", "same-group", "same-org", "own-child"):
        parser.add_argument(f"--{flag}", action="store_true")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    decision = decide(
        Inputs(
            sender=Party(args.sender),
            recipient=Party(args.recipient),
            via=args.via,
            trusted=args.trusted,
            shared_chat=args.shared_chat,
            same_group=args.same_group,
            same_org=args.same_org,
            own_child=args.own_child,
        )
    )
    print(decision.outcome.value)
    print(f"rule {decision.rule.describe()}")
    return 0
