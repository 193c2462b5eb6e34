"""Cross-site requests may not drive the sandbox.

The control API (``/sandbox/api/``) and the web chat's actions (``/chat/…``) create people, send
messages as them and press their buttons. A page on any site the developer opens could POST there
(an HTML form or a ``text/plain`` fetch needs no CORS preflight), so writes must:

* come from no browser page or from the sandbox's own pages: an ``Origin`` header, when present,
  names the same host and port the request was sent to (or the configured ``public_url``);
  anything else, ``null`` included, is 403;
* carry their body as ``Content-Type: application/json`` (415 otherwise), which a cross-site page
  cannot send without a preflight the sandbox never answers.

Clients outside a browser (aiohttp, curl, vkbottle, the tests) send no ``Origin`` and are
unaffected. The VK API (``/method/``) and long poll (``/whp/``) take VK's form posts and stay as
they are: using them needs a token, which a foreign page cannot read.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from yarl import URL

from .api_http import dumps

GUARDED_PREFIXES = ("/sandbox/api/", "/chat/")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON = "application/json"


def _authority(url: URL) -> tuple[str, int | None] | None:
    if url.scheme not in ("http", "https") or not url.host:
        return None
    return url.host.lower(), url.port  # yarl fills in the scheme's default port


def _allowed(origin: str, request: web.Request, public_url: str | None) -> bool:
    try:
        given = _authority(URL(origin))
        scheme = URL(origin).scheme
        # The address the browser sent this request to, read with the origin's scheme (behind a
        # TLS proxy the sandbox itself sees plain HTTP).
        allowed = {_authority(URL.build(scheme=scheme, authority=request.host))}
        if public_url:
            allowed.add(_authority(URL(public_url)))
    except ValueError:
        return False
    return given is not None and given in allowed


def _refuse(status: int, message: str) -> web.Response:
    body = dumps({"error": {"error_msg": message}})
    return web.Response(body=body, status=status, content_type=JSON)


def origin_guard(public_url: str | None) -> Middleware:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method in WRITES and request.path.startswith(GUARDED_PREFIXES):
            origin = request.headers.get("Origin")
            if origin is not None and not _allowed(origin, request, public_url):
                return _refuse(403, "cross-origin requests are not allowed")
            if request.body_exists and request.content_type != JSON:
                return _refuse(415, "the body must be JSON (Content-Type: application/json)")
        return await handler(request)

    return guard
