"""Callback API delivery: handshake, secret, and VK's retries on the injected clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.clock import ManualClock
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.config import SandboxConfig
from sandbox.records import Community

from .conftest import Control
from .receiver import Receiver


async def test_confirmation_handshake(
    control: Control, community: Community, receiver: Receiver
) -> None:
    ok = await control.post(f"/communities/{community.id}/callback", {"url": receiver.url}, 201)
    assert ok["confirmed"] is True and ok["status"] == "ok"
    assert receiver.received[0].body == {"type": "confirmation", "group_id": community.id}
    receiver.confirmation_code = "wrong"
    bad = await control.post(f"/communities/{community.id}/callback", {"url": receiver.url}, 201)
    assert bad["confirmed"] is False and bad["status"] == "failed"


async def test_unconfirmed_servers_get_no_events(
    control: Control, community: Community, receiver: Receiver, sandbox: RunningSandbox
) -> None:
    receiver.confirmation_code = "wrong"
    await control.post(f"/communities/{community.id}/callback", {"url": receiver.url}, 201)
    user = await control.user()
    await control.write(user, -community.id, "Привет")
    await sandbox.runtime.tick()
    assert receiver.events == []


async def test_retries_follow_vks_schedule(
    control: Control,
    community: Community,
    receiver: Receiver,
    sandbox: RunningSandbox,
    clock: ManualClock,
) -> None:
    await control.post(
        f"/communities/{community.id}/callback", {"url": receiver.url, "secret": "tss"}, 201
    )
    receiver.answers = [(200, "not ok", {})] * 6
    user = await control.user()
    await control.write(user, -community.id, "Привет")
    runtime = sandbox.runtime
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
    history = await control.get(f"/communities/{community.id}/callback")
    assert [a["retry"] for a in history["attempts"]] == [0, 1, 2, 3, 4, 5]


async def test_ok_stops_retries_and_retry_after_is_honoured(
    control: Control,
    community: Community,
    receiver: Receiver,
    sandbox: RunningSandbox,
    clock: ManualClock,
) -> None:
    await control.post(f"/communities/{community.id}/callback", {"url": receiver.url}, 201)
    receiver.answers = [(503, "busy", {"Retry-After": "120"})]
    user = await control.user()
    await control.write(user, -community.id, "Привет")
    runtime = sandbox.runtime
    await runtime.tick()
    clock.advance(timedelta(seconds=10))
    assert await runtime.tick() == 0  # not the usual 10 s: the server asked for 120
    clock.advance(timedelta(seconds=110))
    assert await runtime.tick() == 1
    assert receiver.events[-1].headers["X-Retry-Counter"] == "1"
    clock.advance(timedelta(hours=2))
    assert await runtime.tick() == 0  # "ok" ended it
    stats = await control.get("/stats")
    assert stats["callback_attempts"] == 2 and stats["callback_delivered"] == 1


async def test_unreachable_server_is_retried(
    control: Control,
    community: Community,
    receiver: Receiver,
    sandbox: RunningSandbox,
    clock: ManualClock,
) -> None:
    await control.post(f"/communities/{community.id}/callback", {"url": receiver.url}, 201)
    await receiver.stop()
    user = await control.user()
    await control.write(user, -community.id, "Привет")
    await sandbox.runtime.tick()
    await receiver.start()  # comes back on a new port: point the server at it
    server = sandbox.runtime.callback.servers[community.id][0]
    server.url = receiver.url
    clock.advance(timedelta(seconds=10))
    assert await sandbox.runtime.tick() == 1
    assert receiver.events[-1].headers["X-Retry-Counter"] == "1"


async def test_background_delivery_in_production_mode(receiver: Receiver) -> None:
    running = await start_sandbox(SandboxConfig(communities=("Бот",), tick_interval_s=0.05))
    try:
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
    finally:
        await running.stop()
