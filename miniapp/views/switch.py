"""«Вы вошли как … Продолжить как …?»: a launch for another VK user than the live session's.

The launch (views/launch.py) leaves the session as it is and sends the browser here with a switch
token bound to that session. Only a POST with the session's CSRF token and that token switches;
a page someone else's site loads or posts cannot, as it can read neither.
"""

from __future__ import annotations

from aiohttp import web

from ..keys import PAGES, SERVICES, SESSIONS
from ..viewer import Viewer, check_csrf, current_viewer
from .launch import see_other, start_session


def _switch_to(request: web.Request, viewer: Viewer, token: object) -> int | None:
    if viewer.session is None:  # the JSON API's header sessions never switch
        raise web.HTTPUnauthorized()
    now = request.app[SERVICES].clock.now()
    return request.app[SESSIONS].read_switch(
        viewer.session, token if isinstance(token, str) else None, now
    )


def _expired(request: web.Request) -> web.Response:
    return request.app[PAGES].response("launch_error.html", status=400, reason="switch")


async def confirm(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    token = request.query.get("to")
    other = _switch_to(request, viewer, token)
    if other is None:
        return _expired(request)
    if other == viewer.identity.vk_user_id:
        return see_other("/home")
    identity = await request.app[SERVICES].identities.get(other)
    return request.app[PAGES].response("switch.html", viewer=viewer, other=identity, token=token)


async def switch(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    data = await request.post()
    check_csrf(request, viewer, data)
    other = _switch_to(request, viewer, data.get("to"))
    if other is None:
        return _expired(request)
    return start_session(request, other)
