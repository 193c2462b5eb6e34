"""``sferum policy``: the outcome of a first message, for admins and tests."""

from __future__ import annotations

import argparse

from core.cli.terms import term
from core.policy import Inputs, Party, decide

_ROLES = [party.value for party in Party]
_FLAGS = (
    ("trusted", "доверительный контакт: у каждого есть номер телефона другого"),
    ("shared-chat", "есть общий чат"),
    ("same-group", "ученики одного класса или группы"),
    ("same-org", "оба привязаны к одной организации"),
    ("own-child", "получатель — подтверждённый ребёнок отправителя"),
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "policy",
        help="кто кому может написать: решение по правилам общения",
        description=(
            "Первая строка — итог (allow, request, confirm_role или deny) для скриптов, вторая — "
            "решившее правило (его номер в правилах общения) и что итог значит."
        ),
    )
    parser.add_argument("--sender", required=True, choices=_ROLES, help="роль отправителя")
    parser.add_argument("--recipient", required=True, choices=_ROLES, help="роль получателя")
    parser.add_argument(
        "--via", required=True, choices=["id", "phone"], help="как нашёл: по id или по телефону"
    )
    for flag, help_text in _FLAGS:
        parser.add_argument(f"--{flag}", action="store_true", help=help_text)
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
    # The first line stays the outcome's code: scripts read it.
    print(decision.outcome.value)
    print(f"правило {decision.rule.id}: {term('outcome', decision.outcome.value)}")
    return 0
