"""Opening the mini-app from VK: verify the launch parameters, start a session, go home."""

from __future__ import annotations

import logging

from aiohttp import web

from core.vk.launch_params import InvalidLaunchParams

from ..keys import CONFIG, PAGES, SERVICES, SESSIONS
from ..security import SESSION_COOKIE, is_https, set_session_cookie, single_values, verify_launch

log = logging.getLogger("sferum.miniapp")


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


async def launch(request: web.Request) -> web.StreamResponse:
    """VK opens the app's URL with ``vk_*`` parameters and ``sign``; anything else is refused
    with a page explaining how to open the journal."""
    services = request.app[SERVICES]
    sessions = request.app[SESSIONS]
    config = request.app[CONFIG]
    now = services.clock.now()
    query = single_values(request.query.items())
    launching = query is None or "sign" in query or any(k.startswith("vk_") for k in query)
    if not launching:
        if sessions.read(request.cookies.get(SESSION_COOKIE), now) is not None:
            return see_other("/home")
        return request.app[PAGES].response("launch_error.html", status=401, reason="no_launch")
    try:
        if query is None:
            raise InvalidLaunchParams("a launch parameter is repeated")
        params = verify_launch(query, config.secret, config.launch_max_age_s, now, config.app_id)
    except InvalidLaunchParams as exc:
        log.info("mini-app launch refused: %s", exc)
        stale = "old" in str(exc) or "future" in str(exc)
        return request.app[PAGES].response(
            "launch_error.html", status=401, reason="stale" if stale else "invalid"
        )
    # Redirect so the signed query leaves the address bar and history at once.
    response = see_other("/home")
    set_session_cookie(
        response,
        sessions.issue(params.user_id, now),
        secure=is_https(request, config.trust_forwarded_proto),
        max_age=config.session_ttl_s,
    )
    return response


async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})
