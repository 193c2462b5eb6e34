"""``sferum monitoring federal-admin add|remove|list [VK_ID]``: who reads the ranking of all
regions (core/activity/federal_admins.py). Registered under ``sferum monitoring`` by
monitoring_cmd.py. Exit code 0 on success, 2 on unusable input (the reason on stderr)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from core.activity.federal_admins import FederalAdmins
from core.activity.texts import T
from core.config import load_settings
from core.integers import ascii_id
from core.people import PeopleRepository
from core.storage import open_core_database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "federal-admin", help="федеральные администраторы: кому виден рейтинг всех регионов"
    )
    parser.add_argument(
        "action",
        choices=["add", "remove", "list"],
        help="назначить, снять или показать всех",
    )
    parser.add_argument(
        "vk_id", nargs="?", metavar="VK_ID", help="VK ID человека (для назначения и снятия)"
    )
    parser.set_defaults(handler=run)


def _say(kind: str, *, error: bool = False, **values: Any) -> int:
    print(T.render("federal_admin.j2", kind=kind, **values), file=sys.stderr if error else None)
    return 2 if error else 0


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return asyncio.run(_list(args))
    if args.vk_id is None:
        return _say("need_vk", error=True, action=args.action)
    vk_id = ascii_id(args.vk_id.strip())
    if vk_id is None or vk_id <= 0:
        return _say("bad_vk", error=True, vk=args.vk_id)
    return asyncio.run(_change(args, vk_id))


async def _list(args: argparse.Namespace) -> int:
    db = await open_core_database(load_settings().database)
    try:
        admins = await FederalAdmins(db, args.clock).list()
    finally:
        await db.close()
    shown = [
        {
            "full_name": a.full_name,
            "vk_user_id": a.vk_user_id,
            "granted_at": a.granted_at.strftime("%d.%m.%Y"),
        }
        for a in admins
    ]
    return _say("list", admins=shown)


async def _change(args: argparse.Namespace, vk_id: int) -> int:
    db = await open_core_database(load_settings().database)
    try:
        person = await PeopleRepository(db, args.clock).person_by_vk(vk_id)
        if person is None:
            return _say("no_person", error=True, vk=vk_id)
        admins = FederalAdmins(db, args.clock)
        shown = {"full_name": person.full_name, "vk_user_id": vk_id}
        if args.action == "add":
            return _say("added" if await admins.add(person.id) else "already", person=shown)
        return _say("removed" if await admins.remove(person.id) else "absent", person=shown)
    finally:
        await db.close()
