"""``sferum broadcast create|list|status|cancel|send``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, time

from core.broadcast import Audience, BroadcastError, BroadcastSpec, BroadcastStatus
from core.broadcast.render import TemplateError
from core.config import Settings, load_settings
from core.runtime.services import Services
from core.scheduling import Weekly
from core.scheduling.triggers import DAY_NAMES
from core.texts import CORE_TEXTS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("broadcast", help="рассылки: создать, список, статус, отмена, отправка")
    commands = parser.add_subparsers(dest="broadcast_command", metavar="ACTION", required=True)

    create = commands.add_parser("create", help="создать рассылку")
    create.add_argument("--author", type=int, required=True, help="VK id автора (сотрудник)")
    create.add_argument("--text", required=True, help="текст (шаблон jinja2: {{ first_name }}…)")
    create.add_argument("--title", default="")
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
    when.add_argument("--weekly", help='дни и время: "mon,thu 18:00"')
    create.add_argument("--tz", default=None, help="пояс для --weekly (по умолчанию — школы)")
    create.set_defaults(handler=run_create)

    listing = commands.add_parser("list", help="список рассылок")
    listing.add_argument("--author", type=int, help="VK id автора")
    listing.set_defaults(handler=run_list)

    status = commands.add_parser("status", help="статус рассылки")
    status.add_argument("id", type=int)
    status.add_argument("--follow", action="store_true", help="показывать прогресс до завершения")
    status.set_defaults(handler=run_status)

    cancel = commands.add_parser("cancel", help="отменить рассылку")
    cancel.add_argument("id", type=int)
    cancel.add_argument("--by", type=int, required=True, help="VK id автора или администратора")
    cancel.set_defaults(handler=run_cancel)

    send = commands.add_parser("send", help="отправить рассылку сейчас в этом процессе")
    send.add_argument("id", type=int)
    send.set_defaults(handler=run_send)


def bar(status: BroadcastStatus, width: int = 30) -> str:
    done = status.sent + status.failed + status.skipped
    filled = width if status.total == 0 else int(width * done / status.total)
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {done}/{status.total} "
        f"доставлено {status.sent}, пропущено {status.skipped}, ошибок {status.failed}, "
        f"отложено {status.deferred} — {status.status}"
    )


def _print_status(status: BroadcastStatus) -> None:
    print(f"№ {status.id} «{status.title}» ({status.source})")
    print(bar(status))
    if status.stop_reason:
        print("  " + CORE_TEXTS.render("broadcast_stopped.j2", reason=status.stop_reason))
    for reason, count in sorted(status.reasons.items()):
        # In Russian for the author, with the code for whoever reads the delivery log.
        label = CORE_TEXTS.render("broadcast_reason.j2", reason=reason)
        print(f"  {label}: {count}" + ("" if label == reason else f" ({reason})"))


async def _services(settings: Settings, args: argparse.Namespace) -> Services:
    services = await Services.open(settings, clock=args.clock)
    services.broadcasts.connect_configured()
    return services


async def _person(services: Services, vk_id: int) -> int:
    person = await services.people.person_by_vk(vk_id)
    if person is None:
        raise BroadcastError(f"человек с VK id {vk_id} не найден")
    return person.id


def _run(coro_factory: object) -> int:
    try:
        return asyncio.run(coro_factory)  # type: ignore[arg-type]
    except (BroadcastError, TemplateError, ValueError) as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 1


def run_create(args: argparse.Namespace) -> int:
    async def go() -> int:
        settings = load_settings()
        services = await _services(settings, args)
        try:
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
                ids = [int(x) for x in args.groups.split(",")]
                audience = (
                    Audience.group_parents(*ids)
                    if args.only == "group_parents"
                    else Audience.groups(*ids)
                )
            else:
                audience = Audience.persons(*(int(x) for x in args.persons.split(",")))
            schedule: datetime | Weekly | None = None
            if args.at:
                schedule = datetime.fromisoformat(args.at)
                if schedule.tzinfo is None:
                    raise ValueError("укажите пояс в --at, например 2026-11-25T18:00+07:00")
            elif args.weekly:
                days_text, _, clock_text = args.weekly.partition(" ")
                days = tuple(
                    DAY_NAMES.index(d.strip()[:3].lower()) + 1 for d in days_text.split(",")
                )
                hours, minutes = (int(x) for x in clock_text.strip().split(":"))
                roles = await services.people.active_roles(author)
                org = await services.people.organisation(roles[0].org_id) if roles else None
                tz = args.tz or (org.timezone if org else settings.timezone)
                schedule = Weekly(days, time(hours, minutes), tz)
            group_id = settings.vk_group_id or 0
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
        finally:
            await services.close()

    return _run(go())


def run_list(args: argparse.Namespace) -> int:
    async def go() -> int:
        services = await _services(load_settings(), args)
        try:
            author = await _person(services, args.author) if args.author else None
            items = await services.broadcasts.recent(author)
            if not items:
                print("Рассылок нет.")
            for status in items:
                print(f"{status.id:>5}  {status.status:<10} {status.progress:>13}  {status.title}")
            return 0
        finally:
            await services.close()

    return _run(go())


def run_status(args: argparse.Namespace) -> int:
    async def go() -> int:
        services = await _services(load_settings(), args)
        try:
            status = await services.broadcasts.status(args.id)
            while args.follow and not status.finished and status.pending > status.deferred:
                print("\r" + bar(status), end="", flush=True)
                await asyncio.sleep(0.5)
                status = await services.broadcasts.status(args.id)
            if args.follow:
                print()
            _print_status(status)
            return 0
        finally:
            await services.close()

    return _run(go())


def run_cancel(args: argparse.Namespace) -> int:
    async def go() -> int:
        services = await _services(load_settings(), args)
        try:
            done = await services.broadcasts.cancel(args.id, await _person(services, args.by))
            print(
                f"Рассылка № {args.id} отменена."
                if done
                else "Рассылка уже завершена или отменена."
            )
            return 0
        finally:
            await services.close()

    return _run(go())


def run_send(args: argparse.Namespace) -> int:
    async def go() -> int:
        settings = load_settings()
        if not settings.vk_token or not settings.vk_group_id:
            raise BroadcastError("для отправки нужны SFERUM_VK_TOKEN и SFERUM_VK_GROUP_ID")
        services = await _services(settings, args)
        try:
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
        finally:
            await services.close()

    return _run(go())
