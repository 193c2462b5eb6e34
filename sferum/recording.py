"""Fast unit tests of handlers: the real routing and middleware, a recording VK, no network.

In the spirit of aiogram's mocked bot: the community is the production one
(core.runtime.community.Community, core's handlers, the plugins' routing and middleware) on
core's services over an in-memory SQLite, but every VK API call is recorded and answered by a
fake that knows a few methods (messages.send, users.get, ...). Events are fed in-process and
each call returns once the bot has handled it::

    from sferum.recording import recording_bot

    async def test_menu() -> None:
        async with recording_bot([plugin]) as bot:
            student = bot.vk("st00")
            await bot.say(student, "меню")
            assert "Тренажёр" in bot.last_text(student)
            assert bot.requests[-1].method == "messages.send"

``bot.vk_api.respond(method, response)`` / ``bot.vk_api.fail(method, code)`` queue the next
answer of a method (VK's errors as VK sends them). Messages the bot sends by itself (the outbox,
broadcasts) are recorded too: each call of VK's ``execute`` is recorded as the messages.send
calls it runs. Time is a ManualClock (``bot.clock``); ``await bot.run_due()`` fires due jobs.

For end-to-end tests over HTTP against the VK sandbox use ``sferum.testing`` instead.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from vkbottle.http import ABCHTTPClient

from core.bot.payload import Payload
from core.clock import ManualClock
from core.config import Settings
from core.demo.calendar import ANCHOR_MONDAY
from core.demo.district import build
from core.plugins.spec import Plugin
from core.runtime.community import Community, CommunityConfig
from core.runtime.services import Services
from core.vk.batch_sender import Batch, BatchSender, PeerResult, VkCallError
from sandbox.render import CLIENT_INFO

from .assembly import assemble, attach
from .demo import DemoPeople, load_harness_demo

__all__ = [
    "DEFAULT_START",
    "ApiRequest",
    "HandlerFailed",
    "RecordingBot",
    "RecordingVK",
    "SentMessage",
    "recording_bot",
]

# The Monday of the demo district, 10:00 in Novosibirsk: the start of sferum.testing too.
DEFAULT_START = datetime.combine(ANCHOR_MONDAY, time(3, 0), tzinfo=UTC)
API_URL = "https://api.vk.recording/method/"
TOKEN = "recording-token"
GROUP_ID = 1
CHAT_PEERS = 2_000_000_000
ERRORS_LOGGER = "sferum.errors"  # core/runtime/errors.py logs every handler failure there

PayloadLike = Mapping[str, Any] | Payload


@dataclass(frozen=True)
class ApiRequest:
    """One call of the VK API: the method and its parameters as VK receives them (text)."""

    method: str
    params: dict[str, str]


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent to one peer (one messages.send may send to several)."""

    peer_id: int
    text: str
    keyboard: dict[str, Any] | None
    attachment: str | None
    message_id: int
    conversation_message_id: int
    random_id: int

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [button for row in (self.keyboard or {}).get("buttons", []) for button in row]

    @property
    def labels(self) -> list[str]:
        return [str(button["action"].get("label", "")) for button in self.buttons]

    @property
    def payloads(self) -> list[dict[str, Any]]:
        """The buttons' payloads, decoded (VK carries them as JSON text)."""
        return [_decoded(button["action"].get("payload")) for button in self.buttons]

    @property
    def inline(self) -> bool:
        return bool((self.keyboard or {}).get("inline"))


class HandlerFailed(AssertionError):
    """A handler raised while the bot handled a test's event (the person got core's apology)."""


def _decoded(payload: Any) -> dict[str, Any]:
    if isinstance(payload, str):
        payload = json.loads(payload) if payload else {}
    return dict(payload) if isinstance(payload, dict) else {}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _ids(value: str | None) -> list[int]:
    return [int(part) for part in (value or "").split(",") if part.strip()]


def _error(code: int, message: str) -> dict[str, Any]:
    return {"error": {"error_code": code, "error_msg": message, "request_params": []}}


class RecordingVK:
    """The VK API of a recording bot: records every call and answers it as VK would.

    Answers, in order: what a test queued for the method (``respond``/``fail``, first in first
    out), else the method's default below, else error 3 naming the method — a handler that
    calls something the fake does not know fails loudly instead of getting a made-up answer."""

    def __init__(self, group_id: int, community_name: str, clock: ManualClock) -> None:
        self.group_id = group_id
        self.community_name = community_name
        self.clock = clock
        self.requests: list[ApiRequest] = []
        self.sent: list[SentMessage] = []
        self.snackbars: list[tuple[int, str]] = []  # (user id, text) of callback answers
        self.users: dict[int, tuple[str, str]] = {}
        self._queued: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        self._message_ids = itertools.count(1)
        self._cmids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))

    # --- what a test sets up ------------------------------------------------------------------
    def add_user(self, vk_id: int, first_name: str, last_name: str) -> None:
        """A VK page users.get answers with (the demo people are there already)."""
        self.users[vk_id] = (first_name, last_name)

    def respond(self, method: str, response: Any) -> None:
        """The next call of ``method`` is answered with ``response`` (VK's "response" value)."""
        self._queued[method].append({"response": response})

    def fail(self, method: str, code: int, message: str = "recorded error") -> None:
        """The next call of ``method`` fails with VK's error ``code`` (901: the person has not
        allowed messages, 9: flood control, ...)."""
        self._queued[method].append(_error(code, message))

    # --- what the bot calls -------------------------------------------------------------------
    def call(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One API call: the whole body VK would answer ({"response": ...} or {"error": ...})."""
        request = ApiRequest(method, {key: _text(value) for key, value in params.items()})
        self.requests.append(request)
        queued = self._queued.get(method)
        if queued:
            body = queued.popleft()
            if "response" in body and method == "messages.send":
                self._record_sent(request.params, body["response"])
            return body
        answer = _DEFAULTS.get(method)
        if answer is None:
            return _error(
                3,
                f"the recording VK has no answer for {method}: queue one with "
                f"bot.vk_api.respond({method!r}, ...)",
            )
        return {"response": answer(self, request.params)}

    def next_message_id(self, peer_id: int) -> tuple[int, int]:
        """(message id, conversation message id) of the next message in this conversation;
        in a chat a community sees message id 0, as on VK."""
        message_id = next(self._message_ids)
        cmid = next(self._cmids[peer_id])
        return (0 if peer_id >= CHAT_PEERS else message_id), cmid

    def _record_sent(self, params: Mapping[str, str], response: Any) -> None:
        """Messages a queued answer of messages.send says were sent (its items without an
        error), so that a custom answer still shows in ``sent_to``."""
        items = response if isinstance(response, list) else []
        for item in items:
            if isinstance(item, dict) and "error" not in item and "peer_id" in item:
                self.sent.append(
                    _message(params, int(item["peer_id"]), item.get("message_id", 0), 0)
                )

    # --- defaults -------------------------------------------------------------------------------
    def _send(self, params: Mapping[str, str]) -> Any:
        many = "peer_ids" in params or "user_ids" in params
        peers = _ids(params.get("peer_ids") or params.get("user_ids"))
        if not many:
            peers = _ids(params.get("peer_id") or params.get("user_id"))
        answers: list[dict[str, int]] = []
        for peer in peers:
            message_id, cmid = self.next_message_id(peer)
            self.sent.append(_message(params, peer, message_id, cmid))
            answers.append(
                {"peer_id": peer, "message_id": message_id, "conversation_message_id": cmid}
            )
        if many:
            return answers
        return answers[0]["message_id"] if answers else 0

    def _users(self, params: Mapping[str, str]) -> list[dict[str, Any]]:
        found = []
        for vk_id in _ids(params.get("user_ids")):
            names = self.users.get(vk_id)
            user: dict[str, Any] = {"id": vk_id, "can_access_closed": True, "is_closed": False}
            if names is None:  # how VK answers for a page that is gone
                user.update(first_name="DELETED", last_name="", deactivated="deleted")
            else:
                user.update(first_name=names[0], last_name=names[1])
            found.append(user)
        return found

    def _groups(self, params: Mapping[str, str]) -> dict[str, Any]:
        group = {
            "id": self.group_id,
            "name": self.community_name,
            "screen_name": f"club{self.group_id}",
            "is_closed": 0,
            "type": "group",
        }
        return {"groups": [group], "profiles": []}

    def _event_answer(self, params: Mapping[str, str]) -> int:
        data = json.loads(params.get("event_data") or "{}")
        if data.get("type") == "show_snackbar":
            self.snackbars.append((int(params.get("user_id", 0)), str(data.get("text", ""))))
        return 1

    def _by_cmid(self, params: Mapping[str, str]) -> dict[str, Any]:
        peer = int(params.get("peer_id", 0))
        wanted = set(_ids(params.get("conversation_message_ids")))
        items = [
            {
                "id": m.message_id,
                "date": int(self.clock.now().timestamp()),
                "from_id": -self.group_id,
                "peer_id": m.peer_id,
                "out": 1,
                "text": m.text,
                "conversation_message_id": m.conversation_message_id,
                "fwd_messages": [],
                "attachments": [],
                "important": False,
                "is_hidden": False,
                "random_id": m.random_id,
            }
            for m in self.sent
            if m.peer_id == peer and m.conversation_message_id in wanted
        ]
        return {"count": len(items), "items": items}


def _message(params: Mapping[str, str], peer: int, message_id: int, cmid: int) -> SentMessage:
    keyboard = params.get("keyboard")
    return SentMessage(
        peer_id=peer,
        text=params.get("message", ""),
        keyboard=json.loads(keyboard) if keyboard else None,
        attachment=params.get("attachment"),
        message_id=int(message_id),
        conversation_message_id=cmid,
        random_id=int(params.get("random_id") or 0),
    )


_DEFAULTS: dict[str, Any] = {
    "messages.send": RecordingVK._send,
    "users.get": RecordingVK._users,
    "groups.getById": RecordingVK._groups,
    "messages.sendMessageEventAnswer": RecordingVK._event_answer,
    "messages.getByConversationMessageId": RecordingVK._by_cmid,
    "messages.edit": lambda vk, params: 1,
    "messages.delete": lambda vk, params: {i: 1 for i in params.get("message_ids", "").split(",")},
    "messages.markAsRead": lambda vk, params: 1,
    "messages.setActivity": lambda vk, params: 1,
    "messages.getConversationMembers": lambda vk, params: {
        "count": 0,
        "items": [],
        "profiles": [],
        "groups": [],
    },
}


class RecordingHttpClient(ABCHTTPClient):
    """vkbottle's HTTP client, answered by the recording VK instead of a network."""

    def __init__(self, vk: RecordingVK) -> None:
        self.vk = vk

    def _answer(self, url: str, data: Mapping[str, Any] | None) -> dict[str, Any]:
        if not url.startswith(API_URL):
            raise AssertionError(f"the recording bot called {url}: only the VK API is recorded")
        return self.vk.call(url.removeprefix(API_URL), data or {})

    async def request_raw(
        self, url: str, method: str = "GET", data: dict[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        return json.dumps(self._answer(url, data), ensure_ascii=False)

    async def request_text(
        self, url: str, method: str = "GET", data: dict[str, Any] | None = None, **kwargs: Any
    ) -> str:
        return json.dumps(self._answer(url, data), ensure_ascii=False)

    async def request_json(
        self, url: str, method: str = "GET", data: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return self._answer(url, data)

    async def request_content(
        self, url: str, method: str = "GET", data: dict[str, Any] | None = None, **kwargs: Any
    ) -> bytes:
        return json.dumps(self._answer(url, data), ensure_ascii=False).encode()

    async def close(self) -> None:
        pass


class RecordingSender(BatchSender):
    """The community's sender (outbox, broadcasts) on the recording VK. It keeps BatchSender's
    retries and its reading of execute's answers; only the call itself is answered here, and an
    execute by running its messages.send calls one by one, as VK does inside it."""

    vk: RecordingVK
    _batches: list[Batch]

    @classmethod
    def recording(cls, services: Services, vk: RecordingVK) -> RecordingSender:
        sender = cls.on(services.vk_channels.channel(API_URL, TOKEN), sleep=_no_pause)
        assert isinstance(sender, RecordingSender)
        sender.vk = vk
        sender._batches = []
        return sender

    async def _execute_once(self, batches: Sequence[Batch]) -> list[PeerResult]:
        self._batches = list(batches)
        return await super()._execute_once(batches)

    async def _call_once(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.stats.api_calls += 1
        if method == "execute":
            return self._execute()
        body = self.vk.call(method, params)
        if "error" in body:
            error = body["error"]
            raise VkCallError(int(error["error_code"]), str(error["error_msg"]))
        return body

    def _execute(self) -> dict[str, Any]:
        answers: list[Any] = []
        errors: list[dict[str, Any]] = []
        for batch in self._batches:
            body = self.vk.call("messages.send", batch.params())
            if "error" in body:
                answers.append(False)
                errors.append({"method": "messages.send", **body["error"]})
            else:
                answers.append(body["response"])
        return {"response": answers, "execute_errors": errors}


async def _no_pause(seconds: float) -> None:
    """Retries of the sender do not sit out their pauses: the fake answers at once."""


class _FailureLog(logging.Handler):
    """Collects the handler failures core's error handler logs (with their exception)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.failures: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.failures.append(record.exc_info[1])


def _payload_dict(payload: PayloadLike) -> dict[str, Any]:
    return payload.pack() if isinstance(payload, Payload) else dict(payload)


@dataclass
class RecordingBot(DemoPeople):
    """The running bot of ``recording_bot``: feed it events, read what it called."""

    services: Services
    community: Community
    clock: ManualClock
    vk_api: RecordingVK
    _failures: _FailureLog
    _seen: dict[int, int] = field(default_factory=dict)
    _event_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def group_id(self) -> int:
        return self.community.group_id

    @property
    def requests(self) -> list[ApiRequest]:
        """Every VK API call so far, in order."""
        return self.vk_api.requests

    def calls(self, method: str) -> list[ApiRequest]:
        return [request for request in self.vk_api.requests if request.method == method]

    # --- events -------------------------------------------------------------------------------
    async def say(
        self,
        vk_id: int,
        text: str = "",
        payload: PayloadLike | None = None,
        *,
        peer_id: int | None = None,
        check: bool = True,
    ) -> int:
        """A person writes (a button's payload with it, if given) to the community, or in a chat
        (``peer_id``); returns once the bot has handled it. Returns the message id. A handler
        that raised fails the test (``HandlerFailed``) unless ``check=False``."""
        if not text.strip():
            # As the sandbox and VK: no message is empty, a pressed button sends its label.
            raise ValueError("a message needs a text: pass the label of the pressed button")
        peer = peer_id or vk_id
        message_id, cmid = self.vk_api.next_message_id(peer)
        message: dict[str, Any] = {
            "date": int(self.clock.now().timestamp()),
            "from_id": vk_id,
            "id": message_id,
            "version": 1,
            "out": 0,
            "fwd_messages": [],
            "important": False,
            "is_hidden": False,
            "attachments": [],
            "conversation_message_id": cmid,
            "peer_id": peer,
            "random_id": 0,
            "text": text,
        }
        if payload is not None:
            message["payload"] = json.dumps(_payload_dict(payload), ensure_ascii=False)
        await self._feed("message_new", {"message": message, "client_info": CLIENT_INFO}, check)
        return message_id

    async def press(
        self, vk_id: int, payload: PayloadLike, *, peer_id: int | None = None, check: bool = True
    ) -> str:
        """A person presses a callback button with this payload (a ``message_event``) on the
        bot's latest message to them; returns the event id once the bot has handled it."""
        peer = peer_id or vk_id
        sent = [m for m in self.vk_api.sent if m.peer_id == peer]
        event_id = f"event{next(self._event_ids)}"
        obj = {
            "user_id": vk_id,
            "peer_id": peer,
            "event_id": event_id,
            "payload": _payload_dict(payload),
            "conversation_message_id": sent[-1].conversation_message_id if sent else 0,
        }
        await self._feed("message_event", obj, check)
        return event_id

    async def tap(self, vk_id: int, label: str) -> None:
        """Press a text button of the keyboard the person sees by (part of) its label."""
        for button in self.buttons(vk_id):
            action = button["action"]
            if label in str(action.get("label", "")):
                payload = _decoded(action.get("payload"))
                if action.get("type") == "callback":
                    await self.press(vk_id, payload)
                else:
                    await self.say(vk_id, str(action["label"]), payload or None)
                return
        raise AssertionError(f"no button {label!r} for {vk_id}; buttons: {self.labels(vk_id)}")

    async def _feed(self, event_type: str, obj: dict[str, Any], check: bool) -> None:
        update = {
            "group_id": self.group_id,
            "type": event_type,
            "event_id": f"update{next(self._event_ids)}",
            "v": "5.199",
            "object": obj,
        }
        before = len(self._failures.failures)
        handled = await (await self.community.handle(update))
        failures = self._failures.failures[before:]
        if check and (failures or not handled):
            error = failures[0] if failures else None
            raise HandlerFailed(f"a handler failed on {event_type}: {error!r}") from error

    async def run_due(self) -> int:
        """Fire the jobs due on the clock (and those they make due at once); how many ran."""
        ran = 0
        for _ in range(10):
            now = await self.services.jobs.run_due()
            ran += now
            if not now:
                break
        return ran

    # --- what the bot sent --------------------------------------------------------------------
    def sent_to(self, vk_id: int, peer_id: int | None = None) -> list[SentMessage]:
        """Every message the bot sent to this person (or into the chat ``peer_id``)."""
        peer = peer_id or vk_id
        return [message for message in self.vk_api.sent if message.peer_id == peer]

    def replies(self, vk_id: int, peer_id: int | None = None) -> list[SentMessage]:
        """Messages to this person (or chat) since the last call of ``replies`` for them."""
        peer = peer_id or vk_id
        items = self.sent_to(vk_id, peer_id)
        new = items[self._seen.get(peer, 0) :]
        self._seen[peer] = len(items)
        return new

    def last_reply(self, vk_id: int, peer_id: int | None = None) -> SentMessage:
        items = self.sent_to(vk_id, peer_id)
        if not items:
            raise AssertionError(f"the bot has not written to {peer_id or vk_id}")
        return items[-1]

    def last_text(self, vk_id: int, peer_id: int | None = None) -> str:
        return self.last_reply(vk_id, peer_id).text

    def buttons(self, vk_id: int, peer_id: int | None = None) -> list[dict[str, Any]]:
        """The buttons the person sees now: the last message's keyboard, else the latest
        keyboard under the input field (a non-inline one stays until another replaces it)."""
        items = self.sent_to(vk_id, peer_id)
        if items and items[-1].keyboard:
            return items[-1].buttons
        steady = [m for m in items if m.keyboard and not m.inline]
        return steady[-1].buttons if steady else []

    def labels(self, vk_id: int, peer_id: int | None = None) -> list[str]:
        return [str(b["action"].get("label", "")) for b in self.buttons(vk_id, peer_id)]

    def last_snackbar(self, vk_id: int) -> str:
        texts = [text for user, text in self.vk_api.snackbars if user == vk_id]
        if not texts:
            raise AssertionError(f"no snackbar was shown to {vk_id}")
        return texts[-1]


async def harness_services(
    settings: Settings,
    plugins: Sequence[Plugin],
    clock: ManualClock,
    *,
    demo: bool,
    environ: Mapping[str, str] | None = None,
) -> Services:
    """The services of a test harness (this one and testing.bot_harness): as `sferum run` builds
    them, with the harness's demo district when ``demo``, and without the federal ranking's
    Monday job: tests count the jobs they fire (run_due)."""
    return await assemble(
        settings,
        plugins,
        clock=clock,
        demo=load_harness_demo if demo else None,
        federal_snapshots=False,
        environ=environ,
    )


@asynccontextmanager
async def recording_bot(
    plugins: Sequence[Plugin],
    *,
    clock: ManualClock | None = None,
    demo: bool = True,
    db_path: Path | str = ":memory:",
    main: str | None = None,
    plugin_settings: Mapping[str, Mapping[str, Any]] | None = None,
    environ: Mapping[str, str] | None = None,
    community_name: str = "Тестовое сообщество",
) -> AsyncIterator[RecordingBot]:
    """The plugins in one community, as ``sferum run`` wires them, on a recording VK.

    ``demo`` loads the demo district (people, schools, classes; their names answer users.get).
    ``plugin_settings`` are the ``[bots.NAME]`` tables of sferum.toml ({"my_bot": {"key": 1}});
    ``environ`` the SFERUM_<NAME>_* variables — the process's own environment is not read, so a
    test sees only what it gives. ``main`` names the plugin for typed text when there are
    several (CommunityConfig.main)."""
    clock = clock or ManualClock(DEFAULT_START)
    settings = Settings(
        db_path=str(db_path),
        vk_api_url=API_URL,
        vk_token=TOKEN,
        vk_group_id=GROUP_ID,
        rate_limit=100_000,  # the fake answers at once: a limit would only slow tests
        plugin_tables={name: dict(table) for name, table in (plugin_settings or {}).items()},
    )
    vk = RecordingVK(GROUP_ID, community_name, clock)
    if demo:
        district = build()
        for key, vk_id in district.vk_ids().items():
            person = district.person(key)
            vk.add_user(vk_id, person.first_name, person.last_name)
    services = await harness_services(
        settings, plugins, clock, demo=demo, environ=environ if environ is not None else {}
    )
    failures = _FailureLog()
    errors_log = logging.getLogger(ERRORS_LOGGER)
    errors_log.addHandler(failures)
    community: Community | None = None
    try:
        config = CommunityConfig(
            GROUP_ID, TOKEN, API_URL, tuple(p.name for p in plugins), main=main
        )
        community = attach(services, plugins, config)
        # The one seam: the community's API and its sender answer from the recording VK.
        community.api.http_client = RecordingHttpClient(vk)
        services.broadcasts.register_sender(GROUP_ID, RecordingSender.recording(services, vk))
        yield RecordingBot(services, community, clock, vk, failures)
    finally:
        errors_log.removeHandler(failures)
        if community is not None:
            await community.close()
        await services.close()
