"""Callback API delivery: events POSTed to a community's server, with VK's handshake and retries.

Retries follow VK: after an answer other than "ok" (or none), the event is sent again after
10 s, 3 min, 10 min, 30 min and 1 h, with X-Retry-Counter; a Retry-After header replaces the next
delay. Time is the injected clock: tests advance a ManualClock and call process_due().
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import aiohttp

from core.clock import Clock

from .api_version import LATEST_TEXT
from .config import SandboxConfig
from .messaging import Messenger
from .records import Community
from .render import event_envelope
from .state import SandboxState

log = logging.getLogger(__name__)
# A server that does not confirm is asked again every few seconds for a minute, then left failed.
CONFIRM_RETRY_S = 2.0
CONFIRM_ATTEMPTS = 30


@dataclass(slots=True)
class CallbackServer:
    id: int
    group_id: int
    url: str
    title: str
    secret: str
    status: str = "unconfigured"  # unconfigured | ok | failed | wait, as groups.getCallbackServers
    event_types: set[str] | None = None  # None: every event the community publishes
    # groups.setCallbackSettings' api_version: the shape this server's events are sent in.
    api_version: str = LATEST_TEXT
    # When to try the confirmation handshake (again); None once confirmed or given up.
    confirm_due: float | None = None
    confirm_attempts: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "creator_id": 0,
            "url": self.url,
            "secret_key": self.secret,
            "status": self.status,
        }


@dataclass(slots=True)
class Delivery:
    server: CallbackServer
    number: int
    event_type: str
    obj: object
    due: float
    attempt: int = 0  # 0 for the first try; then the X-Retry-Counter value


@dataclass(slots=True)
class AttemptLog:
    """What each attempt got back; tests and the control API read it."""

    server_id: int
    event_type: str
    attempt: int
    at: float
    outcome: str


@dataclass
class CallbackDelivery:
    state: SandboxState
    messenger: Messenger
    config: SandboxConfig
    clock: Clock
    servers: dict[int, list[CallbackServer]] = field(default_factory=dict)
    queue: list[Delivery] = field(default_factory=list)
    history: list[AttemptLog] = field(default_factory=list)
    session: aiohttp.ClientSession | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _next_id: int = 1

    def __post_init__(self) -> None:
        self.messenger.listeners.append(self.on_event)

    # -- configuration ---------------------------------------------------------------------------

    def add_server(
        self, community: Community, url: str, title: str = "sandbox", secret: str = ""
    ) -> CallbackServer:
        """A new server; the handshake runs on the next tick (as VK checks it shortly after)."""
        server = CallbackServer(self._next_id, community.id, url, title, secret)
        self._next_id += 1
        self.servers.setdefault(community.id, []).append(server)
        self.reconfirm(server)
        return server

    def reconfirm(self, server: CallbackServer) -> None:
        server.status = "unconfigured"
        server.confirm_due = self.clock.now().timestamp()
        server.confirm_attempts = 0
        self._wake.set()

    def server(self, community: Community, server_id: int) -> CallbackServer | None:
        return next((s for s in self.servers.get(community.id, []) if s.id == server_id), None)

    def remove_server(self, community: Community, server_id: int) -> bool:
        found = self.server(community, server_id)
        if found is None:
            return False
        self.servers[community.id].remove(found)
        self.queue = [d for d in self.queue if d.server is not found]
        return True

    def _http(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.config.callback_timeout_s)
            )
        return self.session

    async def confirm(self, server: CallbackServer) -> bool:
        """VK's handshake: POST {"type": "confirmation"}; the body must be the community's code."""
        community = self.state.communities[server.group_id]
        body: dict[str, object] = {"type": "confirmation", "group_id": community.id}
        if server.secret:
            body["secret"] = server.secret
        server.status = "wait"
        try:
            async with self._http().post(server.url, json=body) as response:
                text = (await response.text()).strip()
                ok = response.status == 200 and text == community.confirmation_code
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("callback confirmation to %s failed: %s", server.url, exc)
            ok = False
        server.status = "ok" if ok else "failed"
        server.confirm_attempts += 1
        if ok or server.confirm_attempts >= CONFIRM_ATTEMPTS:
            server.confirm_due = None
        else:
            server.confirm_due = self.clock.now().timestamp() + CONFIRM_RETRY_S
        return ok

    async def _confirm_due(self, now: float) -> int:
        due = [
            server
            for servers in self.servers.values()
            for server in servers
            if server.confirm_due is not None and server.confirm_due <= now
        ]
        for server in due:
            await self.confirm(server)
        return len(due)

    # -- delivery --------------------------------------------------------------------------------

    def on_event(self, community: Community, number: int, event_type: str, obj: object) -> None:
        servers = self.servers.get(community.id)
        if not servers:
            return
        now = self.clock.now().timestamp()
        for server in servers:
            if server.status != "ok":
                continue
            if server.event_types is not None and event_type not in server.event_types:
                continue
            self.queue.append(Delivery(server, number, event_type, obj, now))
        self._wake.set()

    async def process_due(self) -> int:
        """Attempt every delivery that is due on the clock now; returns how many were tried."""
        now = self.clock.now().timestamp()
        await self._confirm_due(now)
        due = [d for d in self.queue if d.due <= now]
        if not due:
            return 0
        due_ids = {id(d) for d in due}
        self.queue = [d for d in self.queue if id(d) not in due_ids]
        for delivery in due:
            await self._attempt(delivery)
        return len(due)

    async def _attempt(self, delivery: Delivery) -> None:
        server = delivery.server
        body = event_envelope(
            self.state.salt,
            server.group_id,
            delivery.number,
            delivery.event_type,
            delivery.obj,
            server.api_version,
        )
        if server.secret:
            body["secret"] = server.secret
        headers = {"Content-Type": "application/json"}
        if delivery.attempt:
            headers["X-Retry-Counter"] = str(delivery.attempt)
        retry_after: float | None = None
        self.state.stats.callback_attempts += 1
        try:
            data = json.dumps(body, ensure_ascii=False).encode()
            async with self._http().post(server.url, data=data, headers=headers) as response:
                text = (await response.text()).strip()
                ok = response.status == 200 and text == "ok"
                outcome = "ok" if ok else f"http {response.status}: {text[:60]}"
                retry_after = _retry_after(response.headers.get("Retry-After"), self.clock)
        except (aiohttp.ClientError, TimeoutError) as exc:
            ok, outcome = False, f"error: {type(exc).__name__}"
        now = self.clock.now().timestamp()
        self.history.append(
            AttemptLog(server.id, delivery.event_type, delivery.attempt, now, outcome)
        )
        if ok:
            self.state.stats.callback_delivered += 1
            return
        delays = self.config.callback_retry_delays_s
        if delivery.attempt >= len(delays):
            log.info(
                "callback event %s to %s dropped after %d retries",
                delivery.event_type,
                server.url,
                delivery.attempt,
            )
            return
        delay = delays[delivery.attempt] if retry_after is None else retry_after
        delivery.due = now + min(delay, self.config.callback_max_retry_after_s)
        delivery.attempt += 1
        self.queue.append(delivery)

    async def run(self, interval: float) -> None:
        """Background delivery in production: wake on new events or every interval seconds."""
        while True:
            try:
                await self.process_due()
            except Exception:  # a bad server must never stop delivery to the others
                log.exception("callback delivery failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()


def _retry_after(value: str | None, clock: Clock) -> float | None:
    """Seconds from a Retry-After header given as seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - clock.now()).total_seconds())
