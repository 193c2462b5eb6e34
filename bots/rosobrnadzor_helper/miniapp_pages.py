"""The operators' desk in the mini-app: the queue (``/appeals``), one appeal with its history
(``/appeals/{id}``) and the forms «Взять в работу» and «Ответить».

The pages call exactly what the handlers of the operators' chat call (``AppealStore.take`` plus
``Desk.announce_taken``; ``Desk.answer``, which relays the answer to the teacher through the
community's sender), so an answer given here reaches the teacher like one given in VK.

Who sees what: operators only (staff with the operator position), anyone else gets 403. An operator
sees new appeals and those they took; an appeal taken by another operator answers 404, exactly like
an id that does not exist, so ids reveal nothing. Forms are POST with the session's CSRF token and
end in a redirect (POST/redirect/GET); bad input re-renders the page with a Russian error.

Wired through the plugin's ``miniapp_routes`` and ``home_links`` (``HOME``):
``create_app(extra_routes=extension_routes([plugin]))``.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from core.plugins.extensions import HomeLink
from core.runtime.services import Services
from miniapp.keys import PAGES, SERVICES
from miniapp.security import CSRF_FIELD
from miniapp.viewer import Viewer, check_csrf, current_viewer

from .appeals import (
    MAX_ANSWER,
    Appeal,
    AppealError,
    Status,
    is_operator,
    list_queue,
    visible_to,
)
from .desk import Desk, desk_of
from .ui import T

log = logging.getLogger("sferum.rosobrnadzor_helper")

PREFIX = "/appeals"
# Ids are row ids: a bounded run of ASCII digits (anything else, Arabic-Indic digits included,
# which \d matches, is 404 before the database is asked).
APPEAL_PATH = PREFIX + r"/{id:[0-9]{1,12}}"
TEMPLATES = Path(str(resources.files(__package__).joinpath("templates", "miniapp")))
STATIC = Path(str(resources.files(__package__).joinpath("static")))
# The plugin's own templates are named "rb/<file>"; everything else ("base.html", "_back.html")
# comes from the mini-app's loader, so the pages extend the mini-app's layout.
ENV = web.AppKey("rosobrnadzor_helper_pages", jinja2.Environment)
DONE_NOTICES = frozenset({"taken", "answered"})
# Errors that mean the appeal changed under the operator's feet, not that the input was bad.
CONFLICTS = frozenset({"taken", "not_open"})
HISTORY_LIMIT = 50
ANSWERED_SHOWN = 20
# The answer form's body may be larger than the mini-app's other forms (miniapp/app.py's
# client_max_size, 16 KiB): urlencoded, a Cyrillic letter takes 6 bytes («%D0%AF») and any other
# letter at most 9, so MAX_ANSWER (4,000) of them take up to 36 KB — and an answer somewhat too
# long must still reach the page that says so and keeps the text, rather than a bare 413.
ANSWER_FORM_BYTES = 64 * 1024


# The queue's link on the mini-app's home page, for operators (``Plugin.home_links``).
HOME = HomeLink(T.label("miniapp_link"), PREFIX, is_operator)


def setup(app: web.Application) -> None:
    base = app[PAGES].texts.env
    own = jinja2.PrefixLoader({"rb": jinja2.FileSystemLoader(TEMPLATES)})
    env = base.overlay(
        loader=jinja2.ChoiceLoader([own] if base.loader is None else [own, base.loader])
    )
    # The pages show what teachers typed: autoescape is inherited from the mini-app and must stay.
    assert env.autoescape is True
    app[ENV] = env
    r = app.router
    r.add_get(PREFIX, queue, name="rb_appeals")
    r.add_get(APPEAL_PATH, card, name="rb_appeal")
    r.add_post(APPEAL_PATH + "/take", take, name="rb_appeal_take")
    r.add_post(APPEAL_PATH + "/answer", answer, name="rb_appeal_answer")
    r.add_static("/rb/static", STATIC, name="rb_static", append_version=False)
    app.on_startup.append(_connect_sender)


async def _connect_sender(app: web.Application) -> None:
    """``sferum miniapp`` runs without the bot's communities: answers still have to reach the
    teacher, so the configured community gets its sender (``sferum run`` registered it already)."""
    app[SERVICES].broadcasts.connect_configured()


# --- who, what ----------------------------------------------------------------------------------
def _desk(request: web.Request) -> Desk:
    return desk_of(request.app[SERVICES], T)


async def _operator(request: web.Request) -> Viewer:
    """The viewer, who must be an operator (other staff, parents, students: 403)."""
    viewer = await current_viewer(request)
    if not is_operator(viewer.identity):
        raise web.HTTPForbidden()
    return viewer


async def _appeal(request: web.Request, viewer: Viewer) -> Appeal:
    """The appeal of the URL, or 404 when it does not exist or is not this operator's to see."""
    appeal = await _desk(request).visible(int(request.match_info["id"]), viewer.identity)
    if appeal is None:
        raise web.HTTPNotFound()
    return appeal


def _field(data: Any, name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def _render(request: web.Request, name: str, *, status: int = 200, **values: Any) -> web.Response:
    text = request.app[ENV].get_template(f"rb/{name}").render(**values)
    return web.Response(text=text, status=status, content_type="text/html")


# --- view models --------------------------------------------------------------------------------
async def _history(services: Services, helper: Desk, appeal: Appeal) -> list[dict[str, Any]]:
    rows = (await helper.store.history(appeal.id))[-HISTORY_LIMIT:]
    names = await services.people.persons(
        {int(row["actor_id"]) for row in rows if row["actor_id"] is not None}
    )
    zone = await helper.zone(appeal)
    items = []
    for row in rows:
        actor = names.get(row["actor_id"]) if row["actor_id"] is not None else None
        try:
            details = json.loads(row["details"] or "{}")
        except ValueError:
            details = {}
        items.append(
            {
                "at": datetime.fromisoformat(row["at"]).astimezone(zone).strftime("%d.%m.%Y %H:%M"),
                "kind": row["kind"],
                "actor": actor.full_name if actor is not None else "",
                "details": details if isinstance(details, dict) else {},
            }
        )
    return items


async def _card_page(
    request: web.Request,
    viewer: Viewer,
    appeal: Appeal,
    *,
    error: str = "",
    answer_text: str = "",
    status: int = 200,
) -> web.Response:
    helper = _desk(request)
    done = request.query.get("done", "")
    return _render(
        request,
        "appeal.html",
        status=status,
        viewer=viewer,
        csrf_field=CSRF_FIELD,
        item=await helper.describe(appeal),
        history=await _history(request.app[SERVICES], helper, appeal),
        can_take=appeal.status == Status.NEW,
        can_answer=appeal.is_open and visible_to(appeal, viewer.identity),
        max_answer=MAX_ANSWER,
        answer_text=answer_text,
        error=T.label(f"err_{error}") if error else "",
        done=done if done in DONE_NOTICES and not error else "",
    )


# --- handlers -----------------------------------------------------------------------------------
async def queue(request: web.Request) -> web.Response:
    viewer = await _operator(request)
    helper = _desk(request)
    person = viewer.identity.person
    assert person is not None  # an operator is a person
    open_items = await helper.queue_for(viewer.identity)
    answered = await list_queue(
        helper.services.db,
        statuses=(Status.ANSWERED, Status.CLOSED),
        operator_id=person.id,
        limit=ANSWERED_SHOWN,
    )
    answered.sort(key=lambda a: a.answered_at or a.created_at, reverse=True)
    return _render(
        request,
        "queue.html",
        viewer=viewer,
        open_items=[await helper.describe(a) for a in open_items],
        answered=[await helper.describe(a) for a in answered],
    )


async def card(request: web.Request) -> web.Response:
    viewer = await _operator(request)
    return await _card_page(request, viewer, await _appeal(request, viewer))


async def take(request: web.Request) -> web.Response:
    viewer = await _operator(request)
    data = await request.post()
    check_csrf(request, viewer, data)
    appeal = await _appeal(request, viewer)
    helper = _desk(request)
    try:
        taken = await helper.store.take(appeal.id, viewer.identity)
    except AppealError as exc:
        return await _card_page(request, viewer, appeal, error=exc.reason, status=409)
    # As after «Взять в работу» in the operators' chat: the chat learns who took it.
    await helper.announce_taken(taken, taken.group_id)
    raise web.HTTPSeeOther(f"{PREFIX}/{appeal.id}?done=taken")


async def answer(request: web.Request) -> web.Response:
    viewer = await _operator(request)
    data = await request.clone(client_max_size=ANSWER_FORM_BYTES).post()
    check_csrf(request, viewer, data)
    appeal = await _appeal(request, viewer)
    text = _field(data, "answer")
    helper = _desk(request)
    try:
        # The same call as «Отправить» in the bot: records the answer, moves the jobs and relays
        # it to the teacher as the operator (the policy decides; a refused relay stays in the bot).
        await helper.answer(appeal.id, viewer.identity, text)
    except AppealError as exc:
        current = await helper.store.get(appeal.id) or appeal
        return await _card_page(
            request,
            viewer,
            current,
            error=exc.reason,
            answer_text=text[: MAX_ANSWER * 2],
            status=409 if exc.reason in CONFLICTS else 400,
        )
    raise web.HTTPSeeOther(f"{PREFIX}/{appeal.id}?done=answered")
