"""Bots Long Poll: ?act=a_check&key=&ts=&wait= answered with {ts, updates} or {failed}, as VK does.

failed=1: the ts is outside the kept history, continue from the given ts (events are lost);
failed=2: the key expired, get a new key and keep the ts;
failed=3: information was lost, get a new key and ts.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .api_http import dumps, read_params
from .events import KeyState
from .faults import FaultInjector
from .render import event_envelope
from .state import SandboxState

DEFAULT_WAIT = 25


class LongPollService:
    def __init__(self, state: SandboxState, faults: FaultInjector) -> None:
        self.state = state
        self.faults = faults

    async def handle(self, request: web.Request) -> web.Response:
        raw = await read_params(request)
        if raw.get("act") != "a_check":
            raise web.HTTPBadRequest(text="act=a_check is required")
        try:
            group_id = int(request.match_info["group_id"])
        except ValueError:
            raise web.HTTPNotFound() from None
        body = await self.check(group_id, raw.get("key", ""), raw.get("ts", ""), raw.get("wait"))
        return web.Response(body=dumps(body), content_type="application/json")

    async def check(
        self, group_id: int, key: str, ts_text: str, wait_text: str | None
    ) -> dict[str, Any]:
        state = self.state
        config = state.config
        state.stats.longpoll_requests += 1
        community = state.communities.get(group_id)
        if community is None or not community.longpoll_enabled:
            return {"failed": KeyState.EXPIRED}
        log = community.events
        now = state.clock.now().timestamp()
        key_state = log.key_state(key, now, config.longpoll_key_ttl_s)
        if key_state != KeyState.VALID:
            return {"failed": key_state}
        injected = self.faults.longpoll_failure()
        if injected == 2:
            log.expire_key(key)
            return {"failed": 2}
        if injected == 3:
            log.lose_information()
            return {"failed": 3}
        if injected == 1:
            return {"failed": 1, "ts": str(log.next_ts)}
        try:
            ts = int(ts_text)
        except ValueError:
            return {"failed": 1, "ts": str(log.next_ts)}
        try:
            wait = max(0, min(int(wait_text or DEFAULT_WAIT), config.longpoll_max_wait_s))
        except ValueError:
            wait = DEFAULT_WAIT
        if ts < log.oldest_ts or ts > log.next_ts:
            return {"failed": 1, "ts": str(log.next_ts)}
        await log.wait_beyond(ts, wait)
        if ts < log.oldest_ts:
            # A burst pushed this ts out of the kept history while we waited.
            return {"failed": 1, "ts": str(log.next_ts)}
        events = log.since(ts, config.longpoll_max_batch)
        salt = state.salt
        version = log.api_version
        updates = [event_envelope(salt, group_id, n, kind, obj, version) for n, kind, obj in events]
        next_ts = events[-1][0] + 1 if events else ts
        return {"ts": str(next_ts), "updates": updates}
