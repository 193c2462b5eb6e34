"""Rendering a cabinet page and answering a change: every section uses these two.

A change answers with a redirect (303) back to its page with ``?done=<key>``; the page then shows
that key's Russian notice (cabinet/_notices.html), so a reload never repeats the change. A change
refused for a reason the admin can fix (an empty name, an expired date) answers the page itself
with status 400 and the problem as ``notice`` with ``notice_kind="bad"``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from ..keys import PAGES
from .place import CabinetPlace
from .sections import visible_sections

# ?done= keys a page may show (cabinet/_notices.html has their texts); anything else is ignored.
NOTICE_TEMPLATE = "cabinet/_notices.html"


def _notice(request: web.Request, key: str | None) -> str:
    if not key or len(key) > 40:
        return ""
    rendered = request.app[PAGES].render(NOTICE_TEMPLATE, key=key)
    return rendered.strip()


def cabinet_page(
    request: web.Request,
    place: CabinetPlace,
    template: str,
    section: str,
    *,
    status: int = 200,
    notice: str | None = None,
    notice_kind: str = "good",
    **values: Any,
) -> web.Response:
    """A cabinet page: the frame's values (place, viewer, sections, the notice) and the page's."""
    shown = notice if notice is not None else _notice(request, request.query.get("done"))
    return request.app[PAGES].response(
        template,
        status=status,
        place=place,
        viewer=place.viewer,
        section=section,
        sections=visible_sections(place),
        notice=shown,
        notice_kind=notice_kind if notice is not None else "good",
        **values,
    )


def refused(request: web.Request, problems: str, key: str | None, **values: Any) -> dict[str, Any]:
    """cabinet_page's values for a change refused for ``key``: status 400 and the problem's
    Russian text (``key`` rendered by the ``problems`` partial) as a bad notice; none for None."""
    if key is None:
        return {}
    notice = request.app[PAGES].render(problems, key=str(key), **values).strip()
    return {"status": 400, "notice": notice, "notice_kind": "bad"}


def done(place: CabinetPlace, path: str, key: str, **query: str) -> web.HTTPSeeOther:
    """The redirect after a change: back to ``/admin/org/{org}{path}`` with its notice."""
    params = urlencode({"done": key, **query})
    return web.HTTPSeeOther(f"/admin/org/{place.org.id}{path}?{params}")
