"""Linking a VK account to the journal with a one-time journal code (role verification).

The form shows which VK account is signed in and asks to confirm it is the submitter's own: the
code binds the journal record (a parent's, with her children) to that account for good."""

from __future__ import annotations

from aiohttp import web

from core.verification import looks_like_code

from ..keys import PAGES, SERVICES
from ..viewer import check_csrf, current_viewer

MAX_CODE_LENGTH = 40


async def form(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    return request.app[PAGES].response("link.html", viewer=viewer, result=None, code="")


async def submit(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    data = await request.post()
    check_csrf(request, viewer, data)
    raw = data.get("code")
    code = raw.strip()[:MAX_CODE_LENGTH] if isinstance(raw, str) else ""
    pages = request.app[PAGES]
    if data.get("confirm") != "1":
        # The page names the account the code will be bound to; whoever submits must say it is
        # theirs (a session started from someone else's launch link would otherwise take it).
        return pages.response(
            "link.html", status=400, viewer=viewer, result="unconfirmed", code=code
        )
    if not looks_like_code(code):
        # Not shaped like a code at all: say so without spending one of the person's attempts.
        return pages.response("link.html", status=400, viewer=viewer, result="malformed", code=code)
    services = request.app[SERVICES]
    result = await services.verification.redeem_code(viewer.identity.vk_user_id, code)
    status = 200 if result.status.value == "ok" else 400
    return pages.response(
        "link.html", status=status, viewer=viewer, result=result.status.value, code=code
    )
