"""«Приглашения по ссылке» (/admin/org/{org}/invites): a school's invite links — create one for
a role and a class (valid through a date, for a number of people), see it as a link and a QR
code, who used it, revoke it. The rules are core/cabinet/invites.py's.

The link is VK's «write to the community» link with the invite as ``ref``
(``https://vk.me/club<id>?ref=invite-<token>``, as `sferum roles invite` prints): VK opens the
dialog with the bot and hands it the ref; the bot's handler (core/verification/handlers.py)
also finds the invite in a message that quotes the link or just ``invite-<token>``, which is how
a person follows it in the sandbox's web chat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from markupsafe import Markup

from core.cabinet.community import home_community, invite_code, invite_link
from core.cabinet.invites import (
    MAX_DAYS,
    MAX_USES,
    POSITIONS,
    ROLES,
    Invite,
    InviteError,
    Invites,
    State,
    default_until,
)
from core.integers import ascii_id

from ..keys import PAGES, SERVICES
from .place import CabinetPlace, path_id, posted_form, school_place
from .qr import qr_file, qr_inline
from .render import cabinet_page, done, refused

PATH = "/invites"
PROBLEMS = "cabinet/_invite_problems.html"
TARGET = "cabinet/invite_target.txt"


@dataclass(frozen=True, slots=True)
class Shown:
    """An invite as the page shows it: its link (None when no community is known), the code a
    person may send the bot instead, and the QR code of the link while it works."""

    invite: Invite
    link: str | None
    code: str
    qr: Markup | None


def _invites(request: web.Request, place: CabinetPlace) -> Invites:
    services = request.app[SERVICES]
    return Invites(services.db, services.clock, services.people, services.verification, place.audit)


def _target(request: web.Request) -> Callable[[Invite], str]:
    def say(invite: Invite) -> str:
        return request.app[PAGES].render(TARGET, invite=invite).strip()

    return say


def _shown(request: web.Request, invite: Invite) -> Shown:
    link = invite_link(home_community(request.app[SERVICES]), invite.token)
    qr = qr_inline(link) if link and invite.state == State.ACTIVE else None
    return Shown(invite, link, invite_code(invite.token), qr)


async def _page(
    request: web.Request,
    place: CabinetPlace,
    *,
    problem: InviteError | None = None,
    form: dict[str, str] | None = None,
) -> web.Response:
    services = request.app[SERVICES]
    invites = await _invites(request, place).of_org(place.org.id)
    now = services.clock.now()
    today = now.astimezone(place.zone).date()
    return cabinet_page(
        request,
        place,
        "cabinet/invites.html",
        "invites",
        invites=[_shown(request, i) for i in invites],
        opened=ascii_id(request.query.get("new")),
        groups=await services.people.groups_of_org(place.org.id),
        roles=[r.value for r in ROLES],
        positions=[p.value for p in POSITIONS],
        form=form or {},
        default_until=default_until(now, place.zone).isoformat(),
        min_until=today.isoformat(),
        max_until=(today + timedelta(days=MAX_DAYS)).isoformat(),
        max_uses=MAX_USES,
        sandbox=services.settings.uses_sandbox,
        community=home_community(services),
        **refused(request, PROBLEMS, problem.problem.value if problem else None),
    )


async def page(request: web.Request) -> web.StreamResponse:
    return await _page(request, await school_place(request))


async def create(request: web.Request) -> web.StreamResponse:
    place = await school_place(request)
    form = await posted_form(request, place)
    invites = _invites(request, place)
    try:
        new = await invites.check(
            place.org.id,
            place.zone,
            role=form.get("role", ""),
            position=form.get("position", ""),
            group=form.get("group", ""),
            until=form.get("until", ""),
            uses=form.get("uses", ""),
        )
    except InviteError as problem:
        return await _page(request, place, problem=problem, form=form)
    invite = await invites.create(place.person_id, place.org.id, place.zone, new, _target(request))
    raise done(place, PATH, "invite_created", new=str(invite.id))


async def revoke(request: web.Request) -> web.StreamResponse:
    place = await school_place(request)
    await posted_form(request, place)
    revoked = await _invites(request, place).revoke(
        place.person_id,
        place.org.id,
        path_id(request, "invite"),
        _target(request),
    )
    if revoked is None:
        raise web.HTTPNotFound()
    raise done(place, PATH, "invite_revoked")


async def qr_svg(request: web.Request) -> web.StreamResponse:
    """The QR code as a file, to save or print."""
    place = await school_place(request)
    invite = await _invites(request, place).get(place.org.id, path_id(request, "invite"))
    if invite is None:
        raise web.HTTPNotFound()
    link = invite_link(home_community(request.app[SERVICES]), invite.token)
    if link is None:
        raise web.HTTPNotFound()
    return web.Response(
        text=qr_file(link),
        content_type="image/svg+xml",
        headers={"Content-Disposition": f'inline; filename="invite-{invite.id}.svg"'},
    )
