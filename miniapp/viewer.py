"""Who is looking: the session cookie (or, for the JSON API, signed launch parameters sent in
the Authorization header) turned into the person's current identity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from aiohttp import web

from core.people import Identity
from core.vk.launch_params import InvalidLaunchParams

from .access import is_admin
from .keys import CONFIG, SERVICES, SESSIONS
from .security import CSRF_FIELD, SESSION_COOKIE, Session, single_values, verify_launch

# Bots and mini-app front-ends may send the launch query string instead of a cookie:
# ``Authorization: VK vk_user_id=...&vk_ts=...&sign=...``.
AUTH_SCHEME = "VK "


@dataclass(frozen=True, slots=True)
class Viewer:
    identity: Identity
    session: Session | None
    csrf: str


VIEWER = web.RequestKey("miniapp_viewer", Viewer)


def _from_header(request: web.Request, header: str) -> int:
    config = request.app[CONFIG]
    query = single_values(parse_qsl(header[len(AUTH_SCHEME) :].strip(), keep_blank_values=True))
    if query is None:
        raise web.HTTPUnauthorized()
    try:
        params = verify_launch(
            query,
            config.secret,
            config.launch_max_age_s,
            request.app[SERVICES].clock.now(),
            config.app_id,
        )
    except InvalidLaunchParams:
        raise web.HTTPUnauthorized() from None
    return params.user_id


async def current_viewer(request: web.Request) -> Viewer:
    """The viewer of this request, or 401 (rendered as a human page) when there is none."""
    cached: Viewer | None = request.get(VIEWER)
    if cached is not None:
        return cached
    services = request.app[SERVICES]
    header = request.headers.get("Authorization", "")
    session: Session | None = None
    csrf = ""
    if header.startswith(AUTH_SCHEME):
        vk_user_id = _from_header(request, header)
    else:
        sessions = request.app[SESSIONS]
        session = sessions.read(request.cookies.get(SESSION_COOKIE), services.clock.now())
        if session is None:
            raise web.HTTPUnauthorized()
        vk_user_id = session.vk_user_id
        csrf = sessions.csrf_token(session)
    viewer = Viewer(await services.identities.get(vk_user_id), session, csrf)
    request[VIEWER] = viewer
    return viewer


async def require_admin(request: web.Request, org_id: int | None = None) -> Viewer:
    """For extension pages (activity monitoring): staff admins only, else 403."""
    viewer = await current_viewer(request)
    if not is_admin(viewer.identity, org_id):
        raise web.HTTPForbidden()
    return viewer


def check_csrf(request: web.Request, viewer: Viewer, form: Mapping[str, object]) -> None:
    """Refuse a state-changing request whose posted ``form`` does not carry its session's CSRF
    token (in the ``CSRF_FIELD`` every form of the app and its extensions has)."""
    token = form.get(CSRF_FIELD)
    if viewer.session is None or not request.app[SESSIONS].csrf_ok(
        viewer.session, token if isinstance(token, str) else None
    ):
        raise web.HTTPForbidden(reason="CSRF token missing or wrong")
