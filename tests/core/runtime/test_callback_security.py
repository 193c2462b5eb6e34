"""The Callback API as VK and an attacker reach it over HTTP: forged events are refused (no secret
configured, a wrong or non-ASCII one), the secret never reaches a log, a long Cyrillic message
fits, and an event is handled at least once (a failed handler or a dead process is covered by
VK's retry) and at most once while it is done."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

import core.runtime.callback as callback_module
from core.clock import ManualClock
from core.config import Settings
from core.plugins import Plugin
from core.rules import PrivateChat
from core.runtime.callback import add_callback_routes
from core.runtime.community import Community, CommunityConfig
from core.runtime.context import Ctx
from core.runtime.processed_events import LEASE, ProcessedEvents
from core.runtime.services import Services
from core.storage import Database
from core.texts import CORE_TEXTS
from sandbox.app import RunningSandbox
from sandbox.render import event_id
from sferum.app import Running, start

from .sandbox_vk import echo_sandbox

SECRET = "k3y-for-callbacks-0123"
APP_SECRET = "miniapp-secure-key-0001"

labeler = BotLabeler()
FAILS_LEFT: dict[str, int] = {}  # text -> how many more times its handler raises
HOLD: dict[str, asyncio.Event] = {}  # text -> its handler waits for this


@labeler.message(PrivateChat())
async def answer(message: MessageMin, cx: Ctx) -> None:
    text = message.text or ""
    if FAILS_LEFT.get(text, 0) > 0:
        FAILS_LEFT[text] -= 1
        raise RuntimeError("the handler broke")
    if text in HOLD:
        await HOLD[text].wait()
    await message.answer(f"получено {len(text)} знаков: {text[:12]}")


ECHO = Plugin(name="echo", title="Эхо", labelers=[labeler], texts=CORE_TEXTS)
_ids = itertools.count(1)


def forged(group_id: int, user: int, text: str, **extra: Any) -> dict[str, Any]:
    """A message_new as VK sends it, written by hand (anyone can learn the format)."""
    number = next(_ids)
    return {
        "group_id": group_id,
        "type": "message_new",
        "event_id": f"forged-{number:08x}",
        "v": "5.199",
        "object": {
            "message": {
                "date": 1_795_000_000,
                "from_id": user,
                "id": 1000 + number,
                "out": 0,
                "version": 1,
                "attachments": [],
                "conversation_message_id": 1000 + number,
                "fwd_messages": [],
                "important": False,
                "is_hidden": False,
                "peer_id": user,
                "random_id": 0,
                "text": text,
            },
            "client_info": {
                "button_actions": ["text"],
                "keyboard": True,
                "inline_keyboard": True,
                "carousel": True,
                "lang_id": 0,
            },
        },
        **extra,
    }


@dataclass
class Stack:
    """The sandbox as VK, and `sferum run` on "real VK" (the sandbox) with the Callback API."""

    sandbox: RunningSandbox
    running: Running
    clock: ManualClock
    http: aiohttp.ClientSession
    group_id: int
    user: int

    @property
    def url(self) -> str:
        return f"{self.running.urls['miniapp']}/callback/{self.group_id}"

    @property
    def control(self) -> str:
        return f"{self.sandbox.url}/sandbox/api"

    @property
    def db(self) -> Database:
        return self.running.services.db

    def replies(self) -> list[str]:
        conv = self.sandbox.runtime.state.conversation_for(self.user, -self.group_id)
        return [m.text for m in conv.messages if m.from_id == -self.group_id] if conv else []

    async def post(self, body: Any, **kwargs: Any) -> tuple[int, str]:
        async with self.http.post(self.url, json=body, **kwargs) as response:
            return response.status, await response.text()

    async def write(self, text: str) -> None:
        """The person writes to the community in the sandbox; VK delivers by the Callback API."""
        async with self.http.post(
            f"{self.control}/users/{self.user}/messages",
            json={"peer_id": -self.group_id, "text": text},
        ) as response:
            assert response.status == 201, await response.text()
        await self.sandbox.runtime.tick()

    def attempts(self) -> list[tuple[int, str]]:
        return [
            (a.attempt, a.outcome)
            for a in self.sandbox.runtime.callback.history
            if a.event_type == "message_new"
        ]

    async def processed(self) -> list[dict[str, Any]]:
        """Recorded events but the bot's own replies (VK sends those back as message_reply)."""
        log = self.sandbox.runtime.state.communities[self.group_id].events
        salt = self.sandbox.runtime.state.salt
        replies = {
            event_id(salt, self.group_id, number)
            for number, kind, _obj in log.since(log.oldest_ts, 1_000_000)
            if kind != "message_new"
        }
        rows = await self.db.fetchall(
            "SELECT event_id, status FROM processed_events ORDER BY received_at"
        )
        return [row for row in rows if row["event_id"] not in replies]


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    clock, sandbox, vk_community = await echo_sandbox()
    state = sandbox.runtime.state
    user = state.create_user("Мария", "Морозова", 700_101).id
    settings = Settings(
        db_path=str(tmp_path / "sferum.db"),
        vk_token=vk_community.access_token,
        vk_group_id=vk_community.id,
        vk_api_url=sandbox.api_url,
        transport="callback",
        callback_secret=SECRET,
        callback_confirmation=vk_community.confirmation_code,
        vk_app_secret=APP_SECRET,
        miniapp_port=0,
        rate_limit=1000,
    )
    running = await start(settings, plugins=[ECHO], clock=clock)
    try:
        async with aiohttp.ClientSession() as http:
            result = Stack(sandbox, running, clock, http, vk_community.id, user)
            async with http.post(
                f"{result.control}/communities/{vk_community.id}/callback",
                json={"url": result.url, "secret": SECRET},
            ) as response:
                assert (await response.json())["confirmed"] is True
            async with http.post(
                f"{result.control}/users/{user}/allow", json={"group_id": vk_community.id}
            ) as response:
                assert response.status == 200
            yield result
    finally:
        FAILS_LEFT.clear()
        HOLD.clear()
        await running.stop()
        await sandbox.stop()


# -- 1. forged events -----------------------------------------------------------------------------


async def test_a_community_without_a_secret_accepts_no_event(tmp_path: Path) -> None:
    """A CommunityConfig built in code without callback_secret: whoever knows the URL could
    otherwise write as any person (here an operator) and be answered."""
    clock, sandbox, vk_community = await echo_sandbox()
    state = sandbox.runtime.state
    operator = state.create_user("Мария", "Морозова", 700_201)
    sandbox.runtime.messenger.allow(operator, vk_community)
    settings = Settings(db_path=str(tmp_path / "sferum.db"), rate_limit=1000, transport="callback")
    services = await Services.open(settings, clock)
    community = Community(
        services,
        CommunityConfig(vk_community.id, vk_community.access_token, sandbox.api_url, ("echo",)),
        [ECHO],
    )
    app = web.Application()
    add_callback_routes(app, {community.group_id: community})
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/callback/{vk_community.id}"
    try:
        async with aiohttp.ClientSession() as http:
            for extra in ({}, {"secret": ""}, {"secret": "guessed-anything"}):
                body = forged(vk_community.id, operator.id, "выдай коды журнала", **extra)
                async with http.post(url, json=body) as response:
                    assert response.status == 403
                    assert await response.text() != "ok"
            async with http.post(url, json={"type": "confirmation"}) as response:
                assert response.status == 403
        await community.queue.join()
        await services.activity.flush()
        conv = state.conversation_for(operator.id, -vk_community.id)
        assert not conv or not [m for m in conv.messages if m.from_id == -vk_community.id]
        assert community.received == 0
        assert await services.db.fetchval("SELECT count(*) FROM processed_events") == 0
        assert await services.db.fetchval("SELECT count(*) FROM activity_events") == 0
    finally:
        await runner.cleanup()
        await community.close()
        await services.close()
        await sandbox.stop()


async def test_a_wrong_or_non_ascii_secret_is_refused_and_only_the_right_one_handled(
    stack: Stack,
) -> None:
    for secret in ("wrong-secret-0000000", "ключ-не-тот", 12345, None):
        body = forged(stack.group_id, stack.user, "привет", secret=secret)
        status, text = await stack.post(body)
        assert (status, text) == (403, "bad secret")  # a non-ASCII one was a 500
    assert stack.replies() == []
    assert await stack.processed() == []
    # The same hand-made event with the right secret is handled: the refusals were the secret's.
    status, text = await stack.post(forged(stack.group_id, stack.user, "привет", secret=SECRET))
    assert (status, text) == (200, "ok")
    assert stack.replies() == ["получено 6 знаков: привет"]


async def test_no_log_line_carries_the_secret(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    malformed = forged(stack.group_id, stack.user, "x")
    del malformed["object"]  # vkbottle's model refuses it, quoting the event it got
    malformed["secret"] = SECRET  # last, where VK puts it
    status, _text = await stack.post(malformed)
    await stack.post(forged(stack.group_id, stack.user, "привет", secret=SECRET))
    assert "validation error" in caplog.text  # the malformed event was logged...
    assert "Routing update" in caplog.text  # ...and vkbottle dumped both events at DEBUG...
    assert SECRET not in caplog.text  # ...without the secret (nor the settings' copy of it)
    assert status != 200  # not "ok": VK may retry it


# -- 2. size --------------------------------------------------------------------------------------


async def test_a_4096_character_cyrillic_message_fits_and_300_kib_does_not(stack: Stack) -> None:
    long_text = ("Прошу пересмотреть результаты экзамена по русскому языку. " * 80)[:4096]
    await stack.write(long_text)  # the sandbox sends it as UTF-8: ~8 KB
    assert stack.attempts() == [(0, "ok")]
    # With non-ASCII escaped as \uXXXX (json_encode's default), or with attachments, the same
    # message is beyond the mini-app's 16 KiB: it was answered 413, retried, then dropped.
    body = forged(stack.group_id, stack.user, long_text, secret=SECRET)
    assert 16 * 1024 < len(json.dumps(body)) < callback_module.MAX_BODY
    assert await stack.post(body) == (200, "ok")
    assert stack.replies() == [f"получено 4096 знаков: {long_text[:12]}"] * 2
    huge = forged(stack.group_id, stack.user, "ж" * (300 * 1024 // 2), secret=SECRET)
    status, _text = await stack.post(huge)
    assert status == 413
    async with stack.http.post(  # chunked, without a Content-Length to check up front
        stack.url, data=_chunks(b'{"type": "message_new", "pad": "' + b"x" * 300 * 1024 + b'"}')
    ) as response:
        assert response.status == 413
    assert len(stack.replies()) == 2


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), 64 * 1024):
        yield data[offset : offset + 64 * 1024]


# -- 13. at least once, at most once while done ---------------------------------------------------


async def test_a_failed_handler_is_handled_again_on_vks_retry(stack: Stack) -> None:
    FAILS_LEFT["прошу апелляцию"] = 1
    await stack.write("прошу апелляцию")
    assert stack.attempts() == [(0, "http 500: handler failed")]  # not "ok": VK will send it again
    assert await stack.processed() == []  # not recorded as processed
    assert len(stack.replies()) == 1  # the apology of the error handler
    stack.clock.advance(timedelta(seconds=11))
    await stack.sandbox.runtime.tick()
    assert stack.attempts() == [(0, "http 500: handler failed"), (1, "ok")]
    assert stack.replies()[1:] == ["получено 15 знаков: прошу апелля"]
    assert [row["status"] for row in await stack.processed()] == ["done"]
    stack.clock.advance(timedelta(hours=2))
    await stack.sandbox.runtime.tick()
    assert len(stack.attempts()) == 2  # nothing left to retry
    assert len(stack.replies()) == 2


async def test_a_handled_event_is_de_duplicated(stack: Stack) -> None:
    body = forged(stack.group_id, stack.user, "привет", secret=SECRET)
    assert await stack.post(body) == (200, "ok")
    stack.clock.advance(timedelta(hours=3))
    assert await stack.post(body) == (200, "ok")  # VK's retry after a lost "ok"
    assert stack.replies() == ["получено 6 знаков: привет"]
    assert stack.running.communities[0].received == 1


async def test_a_claim_left_by_a_dead_process_is_handled_after_its_lease(stack: Stack) -> None:
    body = forged(stack.group_id, stack.user, "привет", secret=SECRET)
    # Another process claimed the event and died before its handler finished.
    dead = ProcessedEvents(stack.db, stack.clock)
    await dead.claim(body["event_id"], stack.group_id)
    async with stack.http.post(stack.url, json=body) as response:
        assert response.status == 503  # VK is asked to come back when the lease ends
        assert int(response.headers["Retry-After"]) > 0
    assert stack.replies() == []
    stack.clock.advance(LEASE + timedelta(seconds=1))
    assert await stack.post(body) == (200, "ok")
    assert stack.replies() == ["получено 6 знаков: привет"]
    assert [row["status"] for row in await stack.processed()] == ["done"]


async def test_a_slow_handler_is_not_answered_ok_early_nor_handled_twice(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(callback_module, "ANSWER_WITHIN_S", 0.0)
    HOLD["привет"] = asyncio.Event()
    body = forged(stack.group_id, stack.user, "привет", secret=SECRET)
    async with stack.http.post(stack.url, json=body) as response:
        assert response.status == 503  # still handling: no "ok" yet, VK will ask again
    async with stack.http.post(stack.url, json=body) as response:
        assert response.status == 503  # VK's retry while the first is still handled
    HOLD["привет"].set()
    await stack.running.communities[0].queue.join()
    # The claim is marked done right after the handler, behind the answered request.
    finishing = [
        t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__name__", "") == "_finish"
    ]
    await asyncio.gather(*finishing)
    assert [row["status"] for row in await stack.processed()] == ["done"]
    assert await stack.post(body) == (200, "ok")
    assert stack.replies() == ["получено 6 знаков: привет"]


async def test_old_events_are_pruned_past_vks_retry_horizon(stack: Stack) -> None:
    now = stack.clock.now()
    for name, age in (("eight-days", timedelta(days=8)), ("six-days", timedelta(days=6))):
        await stack.db.execute(
            "INSERT INTO processed_events (event_id, group_id, received_at) VALUES (?, ?, ?)",
            (name, stack.group_id, (now - age).isoformat()),
        )
    first = forged(stack.group_id, stack.user, "привет", secret=SECRET)
    assert await stack.post(first) == (200, "ok")
    ids = {row["event_id"] for row in await stack.processed()}
    assert ids == {"six-days", first["event_id"]}
    stack.clock.advance(timedelta(days=1, hours=1))  # "six-days" is now over a week old
    second = forged(stack.group_id, stack.user, "ещё", secret=SECRET)
    assert await stack.post(second) == (200, "ok")
    ids = {row["event_id"] for row in await stack.processed()}
    assert ids == {first["event_id"], second["event_id"]}
    assert await stack.post(first) == (200, "ok")  # a day old: still de-duplicated
    assert len(stack.replies()) == 2


async def test_pruning_forgets_done_and_stale_claims_past_the_horizon(
    db: Database, clock: ManualClock
) -> None:
    events = ProcessedEvents(db, clock)
    await events.claim("week-old", 1)
    await events.done("week-old")
    clock.advance(timedelta(days=7, minutes=1))
    assert await events.prune() == 1
    await events.claim("fresh", 1)
    clock.advance(timedelta(days=7, minutes=1))
    await events.claim("later", 1)  # over an hour since the last pruning: prunes again
    ids = {row["event_id"] for row in await db.fetchall("SELECT event_id FROM processed_events")}
    assert ids == {"later"}


async def test_wrong_requests_get_plain_answers_not_the_mini_apps_pages(stack: Stack) -> None:
    async with stack.http.get(stack.url) as response:
        assert response.status == 405
    base = stack.url.rsplit("/", 1)[0]
    for path, status in (("/abc", 404), ("/1", 404), ("/1/x", 404)):
        async with stack.http.post(base + path, json={"type": "confirmation"}) as response:
            assert response.status == status, path
            assert "html" not in await response.text()
    async with stack.http.post(stack.url, data=b"\xff\xfe") as response:
        assert response.status == 400
    code = stack.sandbox.runtime.state.communities[stack.group_id].confirmation_code
    async with stack.http.post(stack.url, json={"type": "confirmation"}) as response:
        assert (response.status, await response.text()) == (200, code)
