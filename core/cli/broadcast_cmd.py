"""``sferum broadcast create|list|status|cancel|send``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, time

from core.broadcast import Audience, BroadcastError, BroadcastSpec, BroadcastStatus
from core.broadcast.reads import ReadMarks, look
from core.broadcast.render import TemplateError
from core.cli.session import with_services
from core.cli.terms import term
from core.clock import is_zone
from core.config import Settings, load_settings
from core.runtime.services import Services
from core.scheduling import Weekly
from core.scheduling.triggers import DAY_NAMES
from core.texts import CORE_TEXTS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("broadcast", help="рассылки: создать, список, статус, отмена, отправка")
    commands = parser.add_subparsers(dest="broadcast_command", metavar="ДЕЙСТВИЕ", required=True)

    create = commands.add_parser("create", help="создать рассылку")
    create.add_argument("--author", type=int, required=True, help="VK id автора (сотрудник)")
    create.add_argument("--text", required=True, help="текст (шаблон jinja2: {{ first_name }}…)")
    create.add_argument("--title", default="", help="название (по умолчанию начало текста)")
    who = create.add_mutually_exclusive_group(required=True)
    who.add_argument("--org", type=int, help="вся организация")
    who.add_argument("--groups", help="id классов через запятую")
    who.add_argument("--persons", help="id людей через запятую")
    create.add_argument(
        "--only",
        choices=["staff", "students", "parents", "group_parents"],
        help="с --org: только сотрудники/ученики/родители; с --groups: group_parents",
    )
    when = create.add_mutually_exclusive_group()
    when.add_argument("--at", help="дата и время ISO с поясом: 2026-11-25T18:00+07:00")
    when.add_argument("--weekly", help='дни и время: "пн,чт 18:00" или "mon,thu 18:00"')
    create.add_argument("--tz", default=None, help="пояс для --weekly (по умолчанию — школы)")
    create.add_argument(
        "--community",
        default=None,
        help="сообщество из [communities], от имени которого идёт рассылка "
        "(по умолчанию — то, где работает бот рассылок, или единственное)",
    )
    create.set_defaults(handler=run_create)

    listing = commands.add_parser("list", help="список рассылок")
    listing.add_argument("--author", type=int, help="VK id автора")
    listing.set_defaults(handler=run_list)

    status = commands.add_parser("status", help="статус рассылки")
    status.add_argument("id", type=int, help="номер рассылки")
    status.add_argument("--follow", action="store_true", help="показывать прогресс до завершения")
    status.set_defaults(handler=run_status)

    cancel = commands.add_parser("cancel", help="отменить рассылку")
    cancel.add_argument("id", type=int, help="номер рассылки")
    cancel.add_argument("--by", type=int, required=True, help="VK id автора или администратора")
    cancel.set_defaults(handler=run_cancel)

    send = commands.add_parser("send", help="отправить рассылку сейчас в этом процессе")
    send.add_argument("id", type=int, help="номер рассылки")
    send.set_defaults(handler=run_send)


def bar(status: BroadcastStatus, width: int = 30) -> str:
    done = status.sent + status.failed + status.skipped
    filled = width if status.total == 0 else int(width * done / status.total)
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {done}/{status.total} "
        f"доставлено {status.sent}, пропущено {status.skipped}, ошибок {status.failed}, "
        f"отложено {status.deferred} — {term('broadcast', status.status)}"
    )


def _print_status(status: BroadcastStatus) -> None:
    print(f"№ {status.id} «{status.title}» (источник: {term('source', status.source)})")
    print(bar(status))
    if status.stop_reason:
        print("  " + CORE_TEXTS.render("broadcast_stopped.j2", reason=status.stop_reason))
    for reason, count in sorted(status.reasons.items()):
        # In Russian for the author, with the code for whoever reads the delivery log.
        label = CORE_TEXTS.render("broadcast_reason.j2", reason=reason)
        print(f"  {label}: {count}" + ("" if label == reason else f" ({reason})"))


async def _print_groups(services: Services, status: BroadcastStatus) -> None:
    """Delivered / read / failed per audience group, the read marks asked of VK first when the
    configured community is the broadcast's."""
    asked = bool(status.sent) and await look(services.broadcasts, status.id, force=True)
    lines = await ReadMarks(services.db, services.clock).groups(status.id)
    if lines:
        print(CORE_TEXTS.render("broadcast_groups.j2", lines=lines, asked=asked or not status.sent))


async def _person(services: Services, vk_id: int) -> int:
    person = await services.people.person_by_vk(vk_id)
    if person is None:
        raise BroadcastError(f"человек с VK id {vk_id} не найден")
    return person.id


# Russian day names beside the English ones --weekly always took.
_DAYS_RU = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def _ids(text: str, flag: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValueError(
            f"в {flag} нужны числа через запятую, например 12,15, а не «{text}»"
        ) from None


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"не понял дату и время «{text}» в --at: пишите 2026-11-25T18:00+07:00"
        ) from None
    if moment.tzinfo is None:
        raise ValueError("укажите пояс в --at, например 2026-11-25T18:00+07:00")
    return moment


def _weekly(text: str) -> tuple[tuple[int, ...], time]:
    """ "пн,чт 18:00" or "mon,thu 18:00" as ISO weekdays and a time."""
    days_text, _, clock_text = text.strip().partition(" ")
    days: list[int] = []
    for word in days_text.split(","):
        name = word.strip().lower()[:3]
        if name in DAY_NAMES:
            days.append(DAY_NAMES.index(name) + 1)
        elif name[:2] in _DAYS_RU:
            days.append(_DAYS_RU.index(name[:2]) + 1)
        else:
            raise ValueError(
                f"не понял день «{word.strip()}» в --weekly: пишите пн,вт,ср,чт,пт,сб,вс"
            )
    try:
        hours, minutes = (int(x) for x in clock_text.strip().split(":"))
        return tuple(days), time(hours, minutes)
    except ValueError:
        raise ValueError(
            f'не понял время «{clock_text.strip()}» в --weekly: пишите, например, "пн,чт 18:00"'
        ) from None


def _run(coro_factory: object) -> int:
    try:
        return asyncio.run(coro_factory)  # type: ignore[arg-type]
    except (BroadcastError, TemplateError, ValueError) as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 1


def run_create(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        settings = services.settings
        author = await _person(services, args.author)
        if args.org is not None:
            kind = args.only or "organisation"
            audience = {
                "organisation": Audience.organisation,
                "staff": Audience.staff,
                "students": Audience.students,
                "parents": Audience.parents,
            }[kind](args.org)
        elif args.groups:
            ids = _ids(args.groups, "--groups")
            audience = (
                Audience.group_parents(*ids)
                if args.only == "group_parents"
                else Audience.groups(*ids)
            )
        else:
            audience = Audience.persons(*_ids(args.persons, "--persons"))
        schedule: datetime | Weekly | None = None
        if args.at:
            schedule = _moment(args.at)
        elif args.weekly:
            days, at = _weekly(args.weekly)
            roles = await services.people.active_roles(author)
            org = await services.people.organisation(roles[0].org_id) if roles else None
            tz = args.tz or (org.timezone if org else settings.timezone)
            if not is_zone(tz):
                raise ValueError(f"часовой пояс «{tz}» неизвестен: например, Asia/Novosibirsk")
            schedule = Weekly(days, at, tz)
        group_id = _sending_group(settings, args.community)
        broadcast_id = await services.broadcasts.create(
            BroadcastSpec(
                author,
                group_id,
                audience,
                args.text,
                title=args.title or args.text[:60],
                schedule=schedule,
                source="cli",
            )
        )
        print(f"Рассылка № {broadcast_id} создана.")
        return 0

    return _run(with_services(args, work, broadcasts=True))


def _sending_group(settings: Settings, name: str | None) -> int:
    """The community a CLI broadcast goes out from: the one named, the counsellor bot's, or the
    only one; 0 on the sandbox, where the bot's own community takes it."""
    communities = settings.vk_communities()
    if name is not None:
        for community in communities:
            if community.name == name:
                return community.group_id
        known = ", ".join(c.name for c in communities) or "нет ни одного"
        raise BroadcastError(f"сообщества «{name}» нет в [communities] (есть: {known})")
    if len(communities) == 1:
        return communities[0].group_id
    for community in communities:
        if community.plugins is not None and "advisor_broadcast" in community.plugins:
            return community.group_id
    if communities:
        raise BroadcastError("сообществ несколько: укажите, от какого слать, ключом --community")
    return 0


def run_list(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        author = await _person(services, args.author) if args.author else None
        items = await services.broadcasts.recent(author)
        if not items:
            print("Рассылок нет.")
        for status in items:
            state = term("broadcast", status.status)
            print(f"{status.id:>5}  {state:<14} {status.progress:>13}  {status.title}")
        return 0

    return _run(with_services(args, work, broadcasts=True))


def run_status(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        status = await services.broadcasts.status(args.id)
        while args.follow and not status.finished and status.pending > status.deferred:
            print("\r" + bar(status), end="", flush=True)
            await asyncio.sleep(0.5)
            status = await services.broadcasts.status(args.id)
        if args.follow:
            print()
        _print_status(status)
        await _print_groups(services, status)
        return 0

    return _run(with_services(args, work, broadcasts=True))


def run_cancel(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        done = await services.broadcasts.cancel(args.id, await _person(services, args.by))
        print(f"Рассылка № {args.id} отменена." if done else "Рассылка уже завершена или отменена.")
        return 0

    return _run(with_services(args, work, broadcasts=True))


def run_send(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        interactive = sys.stdout.isatty()

        def show(status: BroadcastStatus) -> None:
            print(
                ("\r" if interactive else "") + bar(status),
                end="" if interactive else "\n",
                flush=True,
            )

        status = await services.broadcasts.run(args.id, progress=show)
        if interactive:
            print()
        _print_status(status)
        return 0

    async def go() -> int:
        settings = load_settings()
        if not settings.vk_communities():
            raise BroadcastError(
                "для отправки нужно сообщество: таблица [communities] в sferum.toml "
                "или SFERUM_VK_TOKEN и SFERUM_VK_GROUP_ID"
            )
        return await with_services(args, work, settings=settings, broadcasts=True)

    return _run(go())
