"""``python -m sferum.cli run --workers 2`` as real processes behind one address, the sandbox as
VK delivering the Callback API: every message answered exactly once, by both workers; a worker
SIGKILLed is started again by the supervisor and the messages after it are answered once too.

The sandbox runs here on a ManualClock without background tasks: ``tick()`` makes VK deliver
what is due, and moving the clock brings VK's retries. Waits are on the processes' output and on
the sandbox's answers (asyncio, never time.sleep: under `make test-clock` libfaketime refuses
time.sleep's clock_nanosleep). The workers run on the system clock, so `make test-clock` runs
this file again with the clock moved.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bench.scale import (
    REPLY,
    WorkerProcesses,
    one_connection_per_event,
    register_callbacks,
    replies_of,
    worker_env,
    write_echo_plugin,
    write_settings,
)
from core.clock import ManualClock
from core.config import ConfigError, load_settings
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.config import SandboxConfig
from sandbox.records import Community, User
from sferum.testing import DEFAULT_START, TEST_DB_VARIABLE, TEST_REDIS_VARIABLE, scratch_database
from sferum.workers import check_workers, with_workers

ANSWER_LIMIT_S = 60.0


@dataclass
class Region:
    sandbox: RunningSandbox
    clock: ManualClock
    community: Community
    people: list[User]
    workers: WorkerProcesses
    http: aiohttp.ClientSession
    sent: dict[int, list[str]]

    async def say(self, user: User, text: str) -> None:
        async with self.http.post(
            f"{self.sandbox.url}/sandbox/api/users/{user.id}/messages",
            json={"peer_id": -self.community.id, "text": text},
        ) as response:
            assert response.status == 201
        self.sent.setdefault(user.id, []).append(text)

    def answers(self, user: User) -> list[tuple[str, str]]:
        """(text answered, worker) of each answer the community wrote to ``user``."""
        found = []
        for text in replies_of(self.sandbox.runtime, user, self.community):
            match = REPLY.match(text)
            assert match is not None, text
            found.append((match.group("text"), match.group("worker")))
        return found

    def all_answered(self) -> bool:
        return sum(len(self.answers(u)) for u in self.people) >= sum(
            len(v) for v in self.sent.values()
        )

    async def deliver(self) -> None:
        """VK delivers what is due (and, 11 s later on its clock, retries what failed) until
        every message sent has its answer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ANSWER_LIMIT_S
        runtime = self.sandbox.runtime
        while not self.all_answered():
            assert loop.time() < deadline, f"not all answered:\n{self.workers.output}"
            if not await runtime.tick():
                if runtime.callback.queue:
                    self.clock.advance(timedelta(seconds=11))  # VK's retry of a failed try
                else:
                    await asyncio.sleep(0.01)  # an answer still on its way to the sandbox

    def exactly_once(self) -> dict[str, int]:
        """Each message answered once, none twice or lost; answers per worker."""
        by_worker: dict[str, int] = {}
        for user in self.people:
            answers = self.answers(user)
            assert sorted(text for text, _ in answers) == sorted(self.sent.get(user.id, []))
            for _, worker in answers:
                by_worker[worker] = by_worker.get(worker, 0) + 1
        return by_worker


@pytest.fixture(params=["sqlite", "postgresql"])
async def region(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Region]:
    on_postgres = bool(os.environ.get(TEST_DB_VARIABLE))
    if request.param == "postgresql" and not on_postgres:
        pytest.skip(f"{TEST_DB_VARIABLE} is not set (make test-region sets it)")
    if request.param == "sqlite" and on_postgres:
        pytest.skip("make test's first pass runs it on SQLite")
    clock = ManualClock(DEFAULT_START)
    async with contextlib.AsyncExitStack() as stack:
        sandbox = await start_sandbox(
            SandboxConfig(background_tasks=False, rate_limit=None), clock=clock
        )
        stack.push_async_callback(sandbox.stop)
        stack.push_async_callback(sandbox.runtime.callback.close)
        state = sandbox.runtime.state
        community = state.create_community("Эхо")
        people = [state.create_user("Ученик", f"№{i}", 710_000 + i) for i in range(1, 6)]
        site = tmp_path / "site"
        write_echo_plugin(site)
        # SQLite: a file in WAL mode, shared by both processes; PostgreSQL: a fresh schema.
        database = (
            await stack.enter_async_context(scratch_database(tmp_path))
            if on_postgres
            else str(tmp_path / "sferum.db")
        )
        # The region's Redis too when make test-region gives one (a key prefix of this test's).
        redis_url = os.environ.get(TEST_REDIS_VARIABLE)
        write_settings(
            tmp_path, sandbox.api_url, [community], database=database, redis_url=redis_url
        )
        workers = await WorkerProcesses.start(tmp_path, 2, worker_env(site))
        stopped: list[int | None] = []

        async def stop_workers() -> None:
            stopped.append(await workers.stop())

        stack.push_async_callback(stop_workers)
        port = await workers.until_ready(2)
        http = await stack.enter_async_context(aiohttp.ClientSession())
        await register_callbacks(http, sandbox.url, [community], port)
        await one_connection_per_event(sandbox.runtime.callback)
        yield Region(sandbox, clock, community, people, workers, http, {})
    assert stopped == [0], workers.output  # SIGTERM: every worker stopped cleanly


async def test_two_workers_answer_each_message_once_and_survive_a_killed_one(
    region: Region,
) -> None:
    for i in range(20):
        await region.say(region.people[i % len(region.people)], f"вопрос {i}")
    await region.deliver()
    before = region.exactly_once()
    # The kernel spread VK's connections over both processes (one each of 20 connections).
    assert set(before) == {"1", "2"} and sum(before.values()) == 20

    pids = region.workers.pids()
    assert set(pids) == {1, 2}
    os.kill(pids[1], signal.SIGKILL)
    # While it is down, the other one takes every event.
    for i in range(20, 30):
        await region.say(region.people[i % len(region.people)], f"вопрос {i}")
    await region.deliver()
    region.exactly_once()

    # The supervisor starts worker 1 again; the messages after that are answered once too.
    await region.workers.wait_for(
        lambda: True if region.workers.pids()[1] != pids[1] else None, ANSWER_LIMIT_S
    )
    await region.workers.until_ready(3, ANSWER_LIMIT_S)
    for i in range(30, 60):
        await region.say(region.people[i % len(region.people)], f"вопрос {i}")
    await region.deliver()
    after = region.exactly_once()
    assert sum(after.values()) == 60
    assert after["1"] > before["1"]  # the new worker 1 serves
    assert "worker 1 (pid" in region.workers.output and "starting it again" in region.workers.output


def test_several_workers_need_the_callback_api_on_vk(tmp_path: Path) -> None:
    # The embedded sandbox is one process.
    settings = load_settings({}, tmp_path / "none.toml")
    with pytest.raises(ConfigError, match="встроенная песочница"):
        check_workers(with_workers(settings, 2), from_option=True)
    # Long poll: every process would get every event.
    env = {
        "SFERUM_VK_TOKEN": "t" * 40,
        "SFERUM_VK_GROUP_ID": "1",
        "SFERUM_VK_APP_SECRET": "a" * 20,
        "SFERUM_WORKERS": "3",
    }
    with pytest.raises(ConfigError, match="Long Poll") as refused:
        check_workers(load_settings(env, tmp_path / "none.toml"))
    assert str(refused.value).startswith("workers (SFERUM_WORKERS")
    # Out of the setting's bounds, named as the option was typed.
    with pytest.raises(ConfigError, match="--workers: ожидается целое число от 1 до 64"):
        with_workers(settings, 65)
    # One worker is the ordinary sferum run, whatever the transport.
    check_workers(with_workers(settings, 1))


async def test_a_worker_refusing_its_settings_stops_the_supervisor(tmp_path: Path) -> None:
    # The same settings would fail every restart: no restart loop, the settings' exit code.
    clock = ManualClock(DEFAULT_START)
    async with await start_sandbox(
        SandboxConfig(background_tasks=False, rate_limit=None), clock=clock
    ) as sandbox:
        community = sandbox.runtime.state.create_community("Эхо")
        path = write_settings(
            tmp_path, sandbox.api_url, [community], database=str(tmp_path / "sferum.db")
        )
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('plugins = ["echo_worker"]', 'plugins = ["nope"]'), "utf-8")
        workers = await WorkerProcesses.start(tmp_path, 2, worker_env(tmp_path / "site"))
        try:
            code = await asyncio.wait_for(workers.process.wait(), ANSWER_LIMIT_S)
        finally:
            await workers.stop()
    assert code == 2, workers.output
    assert "бот «nope» не установлен" in workers.output
    # Worker 1 starts alone (it would apply the migrations); it failed, so 2 never started.
    assert set(workers.pids()) == {1}
    assert "starting it again" not in workers.output
