"""Callback API: VK POSTs events to ``/callback/<group_id>``.

Served by its own aiohttp application mounted at ``/callback`` (``add_callback_routes``), so the
URL stays ``https://<host>/callback/<group_id>`` on whatever server mounts it (the mini-app's, in
``sferum run``).

Trust: an event is accepted only with the community's ``secret``, compared as bytes in constant
time. A community without a configured secret accepts nothing (settings refuse that already;
this holds for a ``CommunityConfig`` built in code too): anyone can POST to this URL. The secret is
taken out of the event before anything else sees it, so no log line (ours, vkbottle's debug dump,
a validation error quoting the event) can carry it.

Delivery: ``ok`` is answered only once the event's handlers finished without an error, so that
VK's retries (same ``event_id``) cover a handler that failed or a process that died; retries of
an event already handled are dropped. The guarantee and its limits are explained in
core/runtime/processed_events.py.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from vkbottle_types.events import GroupEventType

from .community import Community
from .processed_events import ClaimState, ProcessedEvents

log = logging.getLogger("sferum.callback")

COMMUNITIES = web.AppKey("communities", dict[int, Community])
PROCESSED = web.AppKey("processed_events", dict[int, ProcessedEvents])
Finishing = set[asyncio.Task[bool]]  # handlers VK's request stopped waiting for
FINISHING = web.AppKey("finishing", Finishing)
# VK's events are small, but a 4,096-character Cyrillic message with its envelope is ~17 KB and
# attachments add more; far beyond this is not VK.
MAX_BODY = 256 * 1024
# How long VK's request waits for the handlers. VK gives up on an answer after a few seconds and
# retries; when the handlers take longer, VK is asked to come back when the claim's lease ends
# (they go on meanwhile and mark the event done).
ANSWER_WITHIN_S = 4.0
_UNPROTECTED: set[int] = set()  # communities whose missing secret was logged


class _TooLarge(Exception):
    pass


def _text(status: int, text: str, **headers: str) -> web.Response:
    return web.Response(status=status, text=text, headers=headers)


async def _read_body(request: web.Request) -> bytes:
    """The body, up to MAX_BODY whatever the limit of the application serving the request.

    aiohttp builds the request in the application the server runs (the mini-app, 16 KiB for its
    forms) and applies that application's ``client_max_size``, not the mounted sub-application's;
    ``clone(client_max_size=...)`` reads the same stream under our own limit."""
    try:
        if request.client_max_size >= MAX_BODY or not request.can_read_body:
            raw = await request.read()  # within the server's own limit, or read before us
        else:
            raw = await request.clone(client_max_size=MAX_BODY).read()
    except web.HTTPRequestEntityTooLarge:
        raise _TooLarge from None
    if len(raw) > MAX_BODY:
        raise _TooLarge
    return raw


def _secret_matches(given: object, expected: str) -> bool:
    if not isinstance(given, str):
        return False
    # Bytes, not str: compare_digest refuses non-ASCII str (a TypeError, i.e. a 500).
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _retry_after(until: datetime | None, now: datetime) -> str:
    seconds = (until - now).total_seconds() if until is not None else 0.0
    return str(max(1, math.ceil(seconds) + 1))


async def _finish(
    processed: ProcessedEvents | None,
    event_id: str | None,
    lease_until: datetime | None,
    outcome: asyncio.Future[bool],
) -> bool:
    """Wait for the handlers; mark the event done, or release it for VK's retry."""
    handled = False
    try:
        handled = await outcome
    finally:
        if processed is not None and event_id is not None and lease_until is not None:
            if handled:
                await processed.done(event_id)
            else:
                await processed.release(event_id, lease_until)
    return handled


def _forget(tasks: Finishing, task: asyncio.Task[bool]) -> None:
    tasks.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("recording a callback event failed", exc_info=task.exception())


async def handle_callback(request: web.Request) -> web.Response:
    try:
        group_id = int(request.match_info["group_id"])
    except ValueError:
        return _text(404, "unknown community")
    community = request.app[COMMUNITIES].get(group_id)
    if community is None:
        return _text(404, "unknown community")
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _text(413, "payload too large")
    try:
        body: Any = json.loads(await _read_body(request))
    except _TooLarge:
        return _text(413, "payload too large")
    except ValueError:  # also UnicodeDecodeError
        return _text(400, "malformed JSON")
    if not isinstance(body, dict):
        return _text(400, "not a VK event")
    # Out before anything can log the event.
    given_secret = body.pop("secret", None)
    if not isinstance(body.get("type"), str):
        return _text(400, "not a VK event")
    if body.get("group_id") not in (None, group_id):
        return _text(400, "group_id does not match the URL")
    config = community.config
    if not config.callback_secret:
        # Logged once: whoever floods the URL must not flood the log too.
        if group_id not in _UNPROTECTED:
            _UNPROTECTED.add(group_id)
            log.error(
                "Callback API events for community %s are refused: it has no callback_secret, "
                "so anyone could forge them; set it here and in the community's settings",
                group_id,
            )
        return _text(403, "callback secret not configured")
    if body["type"] == "confirmation":
        return _text(200, config.confirmation_code or "")
    if not _secret_matches(given_secret, config.callback_secret):
        log.warning("callback for %s with a wrong secret refused", group_id)
        return _text(403, "bad secret")
    try:
        GroupEventType(body["type"])
    except ValueError:
        log.info("callback event of an unknown type %.40r ignored", body["type"])
        return _text(200, "ok")  # nothing here handles it: a retry would not change that

    processed = request.app[PROCESSED][group_id]
    event_id = body.get("event_id")
    lease_until: datetime | None = None
    if isinstance(event_id, str) and event_id:
        claim = await processed.claim(event_id, group_id)
        if claim.state is ClaimState.DONE:
            return _text(200, "ok")  # VK's retry of an event we handled
        if claim.state is ClaimState.BUSY:
            # Being handled (here, or by a worker that may have died): come back after its lease.
            now = community.services.clock.now()
            return _text(
                503, "in progress", **{"Retry-After": _retry_after(claim.lease_until, now)}
            )
        lease_until = claim.lease_until
    else:
        event_id = None  # VK always sends one; without it there is nothing to de-duplicate by

    try:
        outcome = await community.handle(body)
    except BaseException:
        if event_id is not None and lease_until is not None:
            await processed.release(event_id, lease_until)
        raise
    finishing = asyncio.create_task(_finish(processed, event_id, lease_until, outcome))
    tasks = request.app[FINISHING]
    tasks.add(finishing)
    finishing.add_done_callback(lambda task: _forget(tasks, task))
    done, _pending = await asyncio.wait({finishing}, timeout=ANSWER_WITHIN_S)
    if not done:
        if lease_until is None:
            return _text(200, "ok")  # no event_id: a retry could not tell it was handled
        now = community.services.clock.now()
        return _text(503, "in progress", **{"Retry-After": _retry_after(lease_until, now)})
    if finishing.cancelled() or finishing.exception() is not None or not finishing.result():
        # Not "ok": VK sends the event again (10 s later, then on its schedule).
        return _text(500, "handler failed")
    return _text(200, "ok")


@web.middleware
async def _plain_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Errors in plain text for VK (the mounting app's error pages are for people)."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _text(exc.status, exc.reason)


def callback_app(communities: dict[int, Community]) -> web.Application:
    """The Callback API as an application of its own (``/<group_id>``), to mount at /callback.

    Its ``client_max_size`` is set for when it is served on its own; mounted, the limit is the
    parent's and ``_read_body`` applies MAX_BODY itself."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_plain_errors])
    app[COMMUNITIES] = communities
    app[PROCESSED] = {
        group_id: ProcessedEvents(community.services.db, community.services.clock)
        for group_id, community in communities.items()
    }
    app[FINISHING] = set()

    async def finish_on_shutdown(app: web.Application) -> None:
        # Handlers cut off at shutdown release their claims (or, if that fails, leave them to
        # run out): VK's retry handles those events again.
        tasks: Finishing = app[FINISHING]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    app.on_shutdown.append(finish_on_shutdown)
    app.router.add_post("/{group_id}", handle_callback)
    return app


def add_callback_routes(app: web.Application, communities: dict[int, Community]) -> None:
    """Serve ``/callback/<group_id>`` from ``app`` (a sub-application with its own limits)."""
    app.add_subapp("/callback", callback_app(communities))
