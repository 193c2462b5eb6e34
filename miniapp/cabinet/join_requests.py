"""«Заявки» (/admin/org/{org}/requests): the join requests of the organisation's schools, pending
first, with approve and reject — the bot's own decision (core/cabinet/join_requests.py). A
request decided by someone else in the meantime answers «request_already» and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from core.cabinet.join_requests import JoinRequests, Outcome, RequestRow
from core.integers import ascii_id

from ..keys import PAGES, SERVICES
from .place import CabinetPlace, cabinet_place, posted_form
from .render import cabinet_page, done

PATH = "/requests"
TARGET = "cabinet/request_target.txt"


def _requests(request: web.Request, place: CabinetPlace) -> JoinRequests:
    return JoinRequests(request.app[SERVICES], place.audit)


def _target(request: web.Request) -> Callable[[RequestRow], str]:
    def say(row: RequestRow) -> str:
        return request.app[PAGES].render(TARGET, r=row).strip()

    return say


async def page(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    pending, decided = await _requests(request, place).queue(place.schools())
    return cabinet_page(
        request, place, "cabinet/requests.html", "requests", pending=pending, decided=decided
    )


async def decide(request: web.Request) -> web.StreamResponse:
    """``/requests/{request}/approve`` or ``…/reject``."""
    place = await cabinet_place(request)
    request_id = ascii_id(request.match_info["request"])
    await posted_form(request, place)
    if request_id is None:
        raise web.HTTPNotFound()
    approve = request.match_info["action"] == "approve"
    outcome, _ = await _requests(request, place).decide(
        place.person_id,
        request_id,
        approve,
        allowed=lambda org_id: org_id in place.tree and place.tree.within(org_id, place.org.id),
        target=_target(request),
    )
    if outcome == Outcome.NOT_FOUND:
        raise web.HTTPNotFound()
    if outcome == Outcome.ALREADY:
        raise done(place, PATH, "request_already")
    raise done(place, PATH, "request_approved" if approve else "request_rejected")
