"""The upload server and the file server: where upload_url and a file's url point (uploads.py).

The upload POST is read as a stream and cut off at the kind's size limit, so a file larger than
the application's request limit (16 MB) is taken, and one larger than VK takes is refused without
being read whole.
"""

from __future__ import annotations

from aiohttp import BodyPartReader, web

from .api_http import dumps
from .runtime import RUNTIME
from .uploads import DOC, PHOTO

FIELDS = {DOC: "file", PHOTO: "photo"}
CHUNK = 256 * 1024


def _json(body: dict[str, object], status: int = 200) -> web.Response:
    return web.Response(body=dumps(body), status=status, content_type="application/json")


async def receive(request: web.Request) -> web.Response:
    store = request.app[RUNTIME].state.uploads
    kind = request.match_info["kind"]
    ticket = store.tickets.get(request.match_info["ticket"])
    if ticket is None or ticket.kind != kind:
        return _json({"error": "invalid upload url"}, 404)
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError):
        return _json({"error": "multipart/form-data expected"}, 400)
    limit = store.limit(kind)
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name != FIELDS[kind]:
            continue
        data = bytearray()
        while chunk := await part.read_chunk(CHUNK):
            data.extend(chunk)
            if len(data) > limit:
                megabytes = limit // (1024 * 1024)
                return _json({"error": f"file is too big: at most {megabytes} MB ({limit} bytes)"})
        if not data:
            return _json({"error": "file is empty"})
        return _json(store.receive(ticket, part.filename or "", bytes(data)))
    return _json({"error": f"no file in the {FIELDS[kind]!r} field"})


async def serve(request: web.Request) -> web.Response:
    """GET /files/{kind}/{owner}_{id}_{key}/{name}: the file, to whoever has its url (as VK)."""
    store = request.app[RUNTIME].state.uploads
    try:
        owner, media, key = request.match_info["ref"].split("_")
        stored = store.find(request.match_info["kind"], int(owner), int(media))
    except ValueError:
        stored = None
    if stored is None or stored.access_key != key:
        raise web.HTTPNotFound()
    headers = {"Cache-Control": "private, max-age=3600"}
    if stored.kind == DOC:
        headers["Content-Disposition"] = "attachment"
    return web.Response(body=stored.data, content_type=stored.content_type, headers=headers)
