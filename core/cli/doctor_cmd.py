"""``sferum doctor``: is the community ready? One line per check, a verdict, and an exit code
(0 all pass, 1 something fails, 2 the settings themselves are unusable)."""

from __future__ import annotations

import argparse
import asyncio

from core.config import load_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "doctor",
        help="проверить, готово ли сообщество VK к работе ботов",
        description=(
            "Checks, against the configured VK (or a sandbox), the token and its community, "
            "the messages right, Bots Long Poll or the Callback API server, the community's "
            "messages, the mini-app settings and the database; changes nothing."
        ),
    )
    parser.add_argument("--api-url", help="VK API base URL instead of vk_api_url")
    parser.add_argument("--token", help="community token instead of vk_token")
    parser.add_argument("--group-id", type=int, help="community id instead of vk_group_id")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from core.doctor import override_settings, run_doctor

    # Every missing secret is a line of the report, not a stop at the first one.
    settings = override_settings(
        load_settings(require_secrets=False),
        api_url=args.api_url,
        token=args.token,
        group_id=args.group_id,
    )
    report = asyncio.run(run_doctor(settings))
    print(report.render())
    return report.exit_code
