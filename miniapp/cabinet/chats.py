"""«Чаты сообщества» (/admin/org/{org}/chats): the group chats of the organisation's subtree, the
most active first (messages in the last seven days, the latest activity), filtered by class; a
chat's card (/chats/{chat}) lists its members with their roles. Read-only: nothing here changes
state, so there is no form and no audit entry (core/cabinet/chats.py does the reading)."""

from __future__ import annotations

from aiohttp import web

from core.cabinet.chats import WINDOW, CommunityChats
from core.integers import ascii_id

from ..keys import SERVICES
from .place import cabinet_place
from .render import cabinet_page

PATH = "/chats"


async def page(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    services = request.app[SERVICES]
    chats = CommunityChats(services.db)
    orgs = place.subtree()
    classes = await chats.classes(orgs)
    chosen = ascii_id(request.query.get("class"))
    if chosen is not None and chosen not in {c.group_id for c in classes}:
        chosen = None  # a class of another tree, or one without chats: the whole list
    found = await chats.chats(orgs, services.clock.now(), group_id=chosen)
    return cabinet_page(
        request,
        place,
        "cabinet/chats.html",
        "chats",
        chats=found,
        classes=classes,
        chosen=chosen,
        window_days=WINDOW.days,
    )


async def card(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    chat_id = ascii_id(request.match_info["chat"])
    services = request.app[SERVICES]
    found = None
    if chat_id is not None:
        found = await CommunityChats(services.db).card(
            place.subtree(), chat_id, services.clock.now()
        )
    if found is None:
        raise web.HTTPNotFound()  # another tree's chat is not told apart from none
    return cabinet_page(
        request,
        place,
        "cabinet/chat.html",
        "chats",
        card=found,
        window_days=WINDOW.days,
    )
