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
            "Проверяет в настроенном VK (или песочнице) токен и его сообщество, право на "
            "сообщения, Bots Long Poll или сервер Callback API, сообщения сообщества, настройки "
            "мини-приложения и базу данных; ничего не меняет."
        ),
    )
    parser.add_argument("--api-url", help="адрес API VK вместо настройки vk_api_url")
    parser.add_argument("--token", help="токен сообщества вместо настройки vk_token")
    parser.add_argument("--group-id", type=int, help="id сообщества вместо настройки vk_group_id")
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
