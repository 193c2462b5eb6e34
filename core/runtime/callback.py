"""Callback API: VK POSTs events to ``/callback/<group_id>``.

VK wants ``ok`` within seconds and retries for up to hours when it does not get it, so the event is
recorded (by event_id, persistently) and queued before ``ok`` is returned; handling runs behind.
A retry of an event already recorded is answered ``ok`` and dropped.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from .community import Community

log = logging.getLogger("sferum.callback")

COMMUNITIES = web.AppKey("communities", dict[int, Community])
MAX_BODY = 256 * 1024


async def _is_new(community: Community, event_id: str) -> bool:
    inserted = await community.services.db.execute(
        "INSERT OR IGNORE INTO processed_events (event_id, group_id, received_at) VALUES (?, ?, ?)",
        (event_id, community.group_id, community.services.clock.now().isoformat()),
    )
    return bool(inserted)


async def handle_callback(request: web.Request) -> web.Response:
    try:
        group_id = int(request.match_info["group_id"])
    except ValueError:
        return web.Response(status=404, text="unknown community")
    community = request.app[COMMUNITIES].get(group_id)
    if community is None:
        return web.Response(status=404, text="unknown community")
    if request.content_length is not None and request.content_length > MAX_BODY:
        return web.Response(status=413, text="payload too large")
    try:
        body = json.loads(await request.text())
    except ValueError:
        return web.Response(status=400, text="malformed JSON")
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return web.Response(status=400, text="not a VK event")
    if body.get("group_id") not in (None, group_id):
        return web.Response(status=400, text="group_id does not match the URL")
    config = community.config
    if body["type"] == "confirmation":
        return web.Response(text=config.confirmation_code or "")
    if config.callback_secret and not hmac.compare_digest(
        str(body.get("secret", "")), config.callback_secret
    ):
        log.warning("callback for %s with a wrong secret refused", group_id)
        return web.Response(status=403, text="bad secret")
    event_id = body.get("event_id")
    if isinstance(event_id, str) and event_id and not await _is_new(community, event_id):
        return web.Response(text="ok")  # VK's retry of an event we already have
    await community.handle(body)
    return web.Response(text="ok")


def add_callback_routes(app: web.Application, communities: dict[int, Community]) -> None:
    app[COMMUNITIES] = communities
    app.router.add_post("/callback/{group_id}", handle_callback)
