"""Opening the mini-app from VK: verify the launch parameters, start a session, go home; when
another VK user's session is live in this browser, ask before switching (views/switch.py)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

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
    current = sessions.read(request.cookies.get(SESSION_COOKIE), now)
    if current is not None and current.vk_user_id != params.user_id:
        # Someone else is signed in here. VK's own clients launch as whoever uses them, so this
        # is an account switch on a shared device, or a launch link someone else made (login
        # CSRF: the victim would then link her child to the attacker's account). Ask first.
        token = sessions.switch_token(current, params.user_id, now)
        return see_other("/switch?" + urlencode({"to": token}))
    # No session, or this person's own: a normal launch refreshes it. Redirect so the signed
    # query leaves the address bar and history at once.
    return start_session(request, params.user_id)


def start_session(request: web.Request, vk_user_id: int) -> web.Response:
    """A fresh session cookie for ``vk_user_id`` and the way home."""
    config = request.app[CONFIG]
    response = see_other("/home")
    set_session_cookie(
        response,
        request.app[SESSIONS].issue(vk_user_id, request.app[SERVICES].clock.now()),
        secure=is_https(request, config.trust_forwarded_proto),
        max_age=config.session_ttl_s,
    )
    return response


async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})
