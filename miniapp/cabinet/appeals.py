"""«Обращения в организацию» (/admin/org/{org}/appeals): what people wrote to the organisation's
community («Написать в школу», core/org_appeals), new ones first, and an appeal's card with the
answer form. The answer (POST with the CSRF token, audit «appeal.answer») goes to the person
from the community through the outbox: at night it waits for their morning
(core/org_appeals/answers.py)."""

from __future__ import annotations

from aiohttp import web

from core.integers import ascii_id
from core.org_appeals.answers import AnswerProblem, answer_appeal
from core.org_appeals.store import MAX_ANSWER, OrgAppeal, OrgAppealStore
from core.outbox import State

from ..keys import SERVICES
from .place import CabinetPlace, cabinet_place, posted_form
from .render import cabinet_page, done, refused

PATH = "/appeals"
PROBLEMS = "cabinet/_appeal_problems.html"
STATUSES = ("new", "answered")


def _store(request: web.Request) -> OrgAppealStore:
    services = request.app[SERVICES]
    return OrgAppealStore(services.db, services.clock)


async def page(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    status = request.query.get("status")
    status = status if status in STATUSES else None
    store = _store(request)
    orgs = place.subtree()
    appeals = await store.appeals(orgs, status=status)
    new, answered = await store.counts(orgs)
    return cabinet_page(
        request,
        place,
        "cabinet/appeals.html",
        "appeals",
        appeals=appeals,
        shown=status,
        new=new,
        answered=answered,
    )


async def _appeal(request: web.Request, place: CabinetPlace) -> OrgAppeal:
    appeal_id = ascii_id(request.match_info["appeal"])
    appeal = None if appeal_id is None else await _store(request).get(appeal_id)
    if appeal is None or appeal.org_id not in place.subtree():
        raise web.HTTPNotFound()  # another tree's appeal is not told apart from none
    return appeal


def _card(
    request: web.Request,
    place: CabinetPlace,
    appeal: OrgAppeal,
    *,
    problem: str | None = None,
    draft: str = "",
) -> web.Response:
    return cabinet_page(
        request,
        place,
        "cabinet/appeal.html",
        "appeals",
        appeal=appeal,
        draft=draft,
        limit=MAX_ANSWER,
        **refused(request, PROBLEMS, problem, limit=MAX_ANSWER),
    )


async def card(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    return _card(request, place, await _appeal(request, place))


async def answer(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    form = await posted_form(request, place)
    appeal = await _appeal(request, place)
    path = f"{PATH}/{appeal.id}"
    if not appeal.is_new:
        raise done(place, path, "appeal_already")
    text = form.get("answer", "")
    try:
        answered = await answer_appeal(
            request.app[SERVICES], place.audit, appeal, place.person_id, text
        )
    except AnswerProblem as problem:
        return _card(request, place, appeal, problem=problem.reason, draft=text[: MAX_ANSWER * 2])
    if answered.message is None:
        raise done(place, path, "appeal_already")
    held = answered.message.state == State.PENDING and answered.message.deferred
    raise done(place, path, "appeal_held" if held else "appeal_answered")
