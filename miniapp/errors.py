"""Every failure answers with a human page in Russian (or JSON under /api/), never a trace."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from .access import AccessDenied
from .keys import PAGES

log = logging.getLogger("sferum.miniapp")

# Error codes the JSON API answers with, by HTTP status.
API_ERRORS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    500: "internal_error",
}


def error_response(request: web.Request, status: int) -> web.Response:
    if request.path.startswith("/api/"):
        return web.json_response(
            {"error": API_ERRORS.get(status, "error"), "status": status}, status=status
        )
    return request.app[PAGES].response("error.html", status=status, status_code=status)


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error_response(request, exc.status)
        if exc.status == 405 and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except AccessDenied:
        return error_response(request, 403)
    except Exception:
        log.exception("mini-app request failed: %s %s", request.method, request.path)
        return error_response(request, 500)
