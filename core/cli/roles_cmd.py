"""``sferum roles show|revoke|invite|code``: role verification for admins."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import timedelta

from core.cli.session import with_services
from core.cli.terms import term
from core.people import Position, RoleKind
from core.runtime.services import Services

ROLE_NAMES = {"staff": "сотрудник", "parent": "родитель", "student": "ученик"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("roles", help="роли: история, отзыв, приглашения, коды журнала")
    commands = parser.add_subparsers(dest="roles_command", metavar="ДЕЙСТВИЕ", required=True)

    show = commands.add_parser("show", help="роли и их история у человека")
    show.add_argument("vk_id", type=int, help="VK id человека")
    show.set_defaults(handler=run_show)

    revoke = commands.add_parser("revoke", help="отозвать роль (номер из sferum roles show)")
    revoke.add_argument("role_id", type=int, help="номер роли")
    revoke.add_argument("--by", type=int, required=True, help="VK id администратора")
    revoke.add_argument("--reason", required=True, help="причина (её увидят в истории)")
    revoke.set_defaults(handler=run_revoke)

    invite = commands.add_parser("invite", help="ссылка-приглашение для роли и класса")
    invite.add_argument("--org", type=int, required=True, help="организация (id)")
    invite.add_argument("--role", choices=sorted(ROLE_NAMES), required=True, help="роль")
    invite.add_argument("--group", type=int, help="класс (для учеников)")
    invite.add_argument(
        "--position", choices=[p.value for p in Position], default=None, help="должность сотрудника"
    )
    invite.add_argument("--days", type=int, default=7, help="срок действия, дней")
    invite.add_argument("--uses", type=int, default=30, help="сколько раз можно использовать")
    invite.add_argument("--by", type=int, required=True, help="VK id администратора")
    invite.add_argument("--group-id", type=int, help="сообщество, в которое ведёт ссылка")
    invite.set_defaults(handler=run_invite)

    code = commands.add_parser("code", help="одноразовый код журнала для человека")
    code.add_argument("person_id", type=int, help="номер человека в базе")
    code.add_argument("--role", choices=sorted(ROLE_NAMES), required=True, help="роль")
    code.add_argument("--org", type=int, required=True, help="организация (id)")
    code.add_argument(
        "--position", choices=[p.value for p in Position], default=None, help="должность сотрудника"
    )
    code.add_argument("--days", type=int, default=30, help="срок действия, дней")
    code.set_defaults(handler=run_code)


def _fail(message: str) -> int:
    print(f"Ошибка: {message}", file=sys.stderr)
    return 1


async def _admin(services: Services, vk_id: int, org_id: int | None = None) -> int | None:
    identity = await services.identities.get(vk_id)
    admin_orgs = {r.org_id for r in identity.roles if r.position == Position.ADMIN}
    if (
        identity.person is None
        or not admin_orgs
        or (org_id is not None and org_id not in admin_orgs)
    ):
        return None
    return identity.person.id


def run_show(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        person = await services.people.person_by_vk(args.vk_id)
        if person is None:
            return _fail(f"человек с VK id {args.vk_id} не найден (роль: без роли)")
        print(f"{person.full_name} (человек № {person.id}, VK {args.vk_id})")
        roles = await services.people.active_roles(person.id)
        if not roles:
            print("  действующих ролей нет")
        for role in roles:
            org = await services.people.organisation(role.org_id)
            position = f", {term('position', role.position.value)}" if role.position else ""
            print(
                f"  роль № {role.id}: {ROLE_NAMES[role.role.value]}{position} — "
                f"{org.name if org else role.org_id} (способ: {term('method', role.method)})"
            )
        print("История:")
        for change in await services.people.role_history(person.id):
            details = json.loads(change["details"] or "{}")
            who = change["by_person_id"] or "—"
            details_text = "; ".join(f"{term('detail', k)}: {v}" for k, v in details.items())
            action, role_name = term("action", change["action"]), term("role", change["role"])
            print(
                f"  {change['at']}  {action:<8} {role_name:<10} "
                f"способ: {term('method', change['method'])}, кем: {who}"
                + (f"; {details_text}" if details_text else "")
            )
        return 0

    return asyncio.run(with_services(args, work))


def run_revoke(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        row = await services.db.fetchone("SELECT org_id FROM roles WHERE id = ?", (args.role_id,))
        if row is None:
            return _fail(f"роли № {args.role_id} нет")
        admin = await _admin(services, args.by, row["org_id"])
        if admin is None:
            return _fail("отзывать роли может только администратор этой организации")
        done = await services.people.revoke_role(
            args.role_id, by_person_id=admin, reason=args.reason
        )
        print("Роль отозвана." if done else "Роль уже была отозвана.")
        return 0

    return asyncio.run(with_services(args, work))


def run_invite(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        admin = await _admin(services, args.by, args.org)
        if admin is None:
            return _fail("создавать приглашения может только администратор этой организации")
        if args.role == "staff" and args.position is None:
            return _fail("для сотрудника укажите --position")
        token = await services.verification.create_invite(
            args.org,
            RoleKind(args.role),
            created_by=admin,
            group_id=args.group,
            position=Position(args.position) if args.position else None,
            ttl=timedelta(days=args.days),
            max_uses=args.uses,
        )
        community = args.group_id or services.settings.vk_group_id
        link = (
            f"https://vk.me/club{community}?ref=invite-{token}" if community else f"invite-{token}"
        )
        print(f"Приглашение: {link}")
        print(
            f"Действует {args.days} дн., до {args.uses} человек. Человек открывает ссылку или "
            f"присылает боту «invite-{token}»."
        )
        return 0

    return asyncio.run(with_services(args, work))


def run_code(args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        if await services.people.person(args.person_id) is None:
            return _fail(f"человека {args.person_id} нет")
        code = await services.verification.issue_code(
            args.person_id,
            RoleKind(args.role),
            args.org,
            position=Position(args.position) if args.position else None,
            ttl=timedelta(days=args.days),
        )
        print(f"Код журнала: {code} (одноразовый, действует {args.days} дн.)")
        return 0

    return asyncio.run(with_services(args, work))
