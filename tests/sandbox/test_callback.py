"""Callback API delivery: handshake, secret, and VK's retries on the injected clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from core.clock import ManualClock
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.config import SandboxConfig
from sandbox.records import Community
from sandbox.runtime import SandboxRuntime

from .conftest import Control
from .receiver import Receiver


@dataclass
class Delivery:
    """A community, the Callback API server it delivers to, and the clock that server's retries
    wait on: what each test here drives."""

    control: Control
    community: Community
    receiver: Receiver
    runtime: SandboxRuntime
    clock: ManualClock

    async def subscribe(self, **settings: str) -> dict[str, Any]:
        """groups.addCallbackServer through the control API, the handshake included."""
        path = f"/communities/{self.community.id}/callback"
        return await self.control.post(path, {"url": self.receiver.url, **settings}, 201)

    async def person_writes(self) -> None:
        """A new person writes to the community: one message_new to deliver."""
        user = await self.control.user()
        await self.control.write(user, -self.community.id, "Привет")


@pytest.fixture
def delivery(
    control: Control,
    community: Community,
    receiver: Receiver,
    sandbox: RunningSandbox,
    clock: ManualClock,
) -> Delivery:
    return Delivery(control, community, receiver, sandbox.runtime, clock)


async def test_confirmation_handshake(delivery: Delivery) -> None:
    receiver = delivery.receiver
    ok = await delivery.subscribe()
    assert ok["confirmed"] is True and ok["status"] == "ok"
    assert receiver.received[0].body == {"type": "confirmation", "group_id": delivery.community.id}
    receiver.confirmation_code = "wrong"
    bad = await delivery.subscribe()
    assert bad["confirmed"] is False and bad["status"] == "failed"


async def test_unconfirmed_servers_get_no_events(delivery: Delivery) -> None:
    delivery.receiver.confirmation_code = "wrong"
    await delivery.subscribe()
    await delivery.person_writes()
    await delivery.runtime.tick()
    assert delivery.receiver.events == []


async def test_retries_follow_vks_schedule(delivery: Delivery) -> None:
    receiver, runtime, clock = delivery.receiver, delivery.runtime, delivery.clock
    await delivery.subscribe(secret="tss")
    receiver.answers = [(200, "not ok", {})] * 6
    await delivery.person_writes()
    assert await runtime.tick() == 1
    first = receiver.events[0]
    assert first.body["secret"] == "tss" and "X-Retry-Counter" not in first.headers
    # 10 s, 3 min, 10 min, 30 min, 1 h: nothing before each moment, a retry at it.
    for counter, delay in enumerate([10, 180, 600, 1800, 3600], start=1):
        clock.advance(timedelta(seconds=delay - 1))
        assert await runtime.tick() == 0
        clock.advance(timedelta(seconds=1))
        assert await runtime.tick() == 1
        retry = receiver.events[-1]
        assert retry.headers["X-Retry-Counter"] == str(counter)
        assert retry.body["event_id"] == first.body["event_id"]
    # After the fifth retry VK gives up.
    clock.advance(timedelta(hours=5))
    assert await runtime.tick() == 0
    assert len(receiver.events) == 6
    history = await delivery.control.get(f"/communities/{delivery.community.id}/callback")
    assert [a["retry"] for a in history["attempts"]] == [0, 1, 2, 3, 4, 5]


async def test_ok_stops_retries_and_retry_after_is_honoured(delivery: Delivery) -> None:
    receiver, runtime, clock = delivery.receiver, delivery.runtime, delivery.clock
    await delivery.subscribe()
    receiver.answers = [(503, "busy", {"Retry-After": "120"})]
    await delivery.person_writes()
    await runtime.tick()
    clock.advance(timedelta(seconds=10))
    assert await runtime.tick() == 0  # not the usual 10 s: the server asked for 120
    clock.advance(timedelta(seconds=110))
    assert await runtime.tick() == 1
    assert receiver.events[-1].headers["X-Retry-Counter"] == "1"
    clock.advance(timedelta(hours=2))
    assert await runtime.tick() == 0  # "ok" ended it
    stats = await delivery.control.get("/stats")
    assert stats["callback_attempts"] == 2 and stats["callback_delivered"] == 1


async def test_unreachable_server_is_retried(delivery: Delivery) -> None:
    receiver, runtime = delivery.receiver, delivery.runtime
    await delivery.subscribe()
    await receiver.stop()
    await delivery.person_writes()
    await runtime.tick()
    await receiver.start()  # comes back on a new port: point the server at it
    server = runtime.callback.servers[delivery.community.id][0]
    server.url = receiver.url
    delivery.clock.advance(timedelta(seconds=10))
    assert await runtime.tick() == 1
    assert receiver.events[-1].headers["X-Retry-Counter"] == "1"


async def test_background_delivery_in_production_mode(receiver: Receiver) -> None:
    config = SandboxConfig(communities=("Бот",), tick_interval_s=0.05)
    async with await start_sandbox(config) as running:
        runtime = running.runtime
        community = next(iter(runtime.state.communities.values()))
        receiver.confirmation_code = community.confirmation_code
        server = runtime.callback.add_server(community, receiver.url)
        assert await runtime.callback.confirm(server)
        user = runtime.state.create_user("Ира", "Котова")
        runtime.messenger.send_from_user(user, -community.id, "Привет")
        for _ in range(100):
            if receiver.events:
                break
            await asyncio.sleep(0.02)
        assert receiver.events[0].body["type"] == "message_new"
