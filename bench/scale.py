"""Events/s through 1, 2 and 4 workers of ``sferum run --workers N`` (Callback API). Prints JSON.

    .venv/bin/python -m bench.scale [--events 2000] [--communities 8] [--rate-limit 20]
        [--db-url postgresql://127.0.0.1:5432/test] [--redis-url redis://127.0.0.1:6379/0]

One run measures every worker count side by side (``--rounds`` times each, interleaved; the
median is reported). Each round: a fresh sandbox VK in this process with ``--communities``
communities (one token each, VK's ``--rate-limit`` per token), a fresh database (a SQLite file in
a temporary folder, or with ``--db-url`` a fresh schema of that PostgreSQL), ``sferum run
--workers N`` as real processes with a bot that answers every message with its text, the Callback
API registered for every community at the workers' one address. ``--events`` messages from
``--users`` people are injected at once and delivered with ``--inflight`` requests in flight, as
VK does (the sandbox's own loop tries one event at a time); each on its own connection, so the
kernel spreads them over the workers (SO_REUSEPORT). events_per_s runs from the first event to
the last answer seen by the sandbox; every message must be answered exactly once.

Per-token calls/s are counted where VK counts them (the sandbox's limiter): peak_calls_1s is the
most calls of one token in any one second, which must stay within the rate limit; error6 counts
calls VK refused for the limit. Without ``--redis-url`` each worker keeps its own limiter, so the
supervisor gives each ``rate_limit / N``; with Redis they share one window per token.

The module also serves tests/sferum/test_workers.py: the echo bot (``write_echo_plugin``), the
settings file (``write_settings``) and the supervised processes (``WorkerProcesses``).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import os
import re
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from bench.cli import print_result
from core.clock import SystemClock
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.callback_api import CallbackDelivery, Delivery
from sandbox.config import SandboxConfig
from sandbox.records import Community, User
from sandbox.runtime import SandboxRuntime
from sferum.testing import scratch_database

T = TypeVar("T")
ECHO = "echo_worker"
APP_SECRET = "bench-mini-app-secure-key-0001"  # 20+ characters, not one of the sandbox's
CALLBACK_SECRET = "bench-callback-secret-0001"  # 16+ characters
WORKER_COUNTS = (1, 2, 4)

_ECHO_SOURCE = '''"""Answers every private message with its text and the number of its worker."""

import os
from pathlib import Path

from core.bot import Ctx, Message, Plugin, PrivateChat, Router, Texts

TEXTS = Texts(Path(__file__).parent / "templates")
router = Router()


@router.message(PrivateChat())
async def answer(message: Message, cx: Ctx) -> None:
    worker = os.environ.get("SFERUM_WORKER", "")
    await message.answer(TEXTS.render("echo.j2", text=message.text, worker=worker))


plugin = Plugin(name="echo_worker", title="Эхо", labelers=[router], texts=TEXTS)
'''
_ECHO_TEMPLATE = "получено: {{ text }} · обработчик {{ worker }}\n"
# The worker's number is empty in a plain `sferum run` (one process, no supervisor).
REPLY = re.compile(r"^получено: (?P<text>.*) · обработчик ?(?P<worker>\d*)$")


def write_echo_plugin(site: Path) -> None:
    """The echo bot as an installed plugin: its package and a ``*.dist-info`` with its
    ``sferum.bots`` entry point in ``site``, which must be on the workers' PYTHONPATH."""
    package = site / ECHO
    (package / "templates").mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(_ECHO_SOURCE, encoding="utf-8")
    (package / "templates" / "echo.j2").write_text(_ECHO_TEMPLATE, encoding="utf-8")
    info = site / f"{ECHO}-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {ECHO}\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[sferum.bots]\n{ECHO} = {ECHO}:plugin\n", encoding="utf-8"
    )


def _toml(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def write_settings(
    folder: Path,
    api_url: str,
    communities: Sequence[Community],
    *,
    database: str,
    redis_url: str | None = None,
    rate_limit: float = 20.0,
    log_level: str = "INFO",
) -> Path:
    """sferum.toml for real-VK mode against ``api_url``: the Callback API, each community with the
    echo bot, the mini-app's server (which serves /callback/<id>) on 127.0.0.1 with a free port."""
    top: dict[str, object] = {
        "vk_api_url": api_url,
        "transport": "callback",
        "vk_app_secret": APP_SECRET,
        "miniapp_host": "127.0.0.1",
        "miniapp_port": 0,
        "rate_limit": rate_limit,
        "log_level": log_level,
    }
    top["db_url" if database.startswith(("postgres://", "postgresql://")) else "db_path"] = database
    if redis_url:
        top["redis_url"] = redis_url
        top["redis_prefix"] = f"bench:{uuid.uuid4().hex}:"
    lines = [f"{key} = {_toml(value)}" for key, value in top.items()]
    for index, community in enumerate(communities, 1):
        lines += [
            "",
            f"[communities.c{index}]",
            f"token = {_toml(community.access_token)}",
            f"group_id = {community.id}",
            f'plugins = ["{ECHO}"]',
            f"callback_secret = {_toml(CALLBACK_SECRET)}",
            f"callback_confirmation = {_toml(community.confirmation_code)}",
        ]
    path = folder / "sferum.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# The supervisor's banner, or with one worker sferum run's own line of the mini-app's address.
_BANNER = re.compile(
    r"Сферум запущен: \d+ \S+ на http://[^:]+:(\d+)|Мини-приложение: +http://[^:]+:(\d+)"
)
_STARTED = re.compile(r"worker (\d+) started, pid (\d+)")
# Each worker prints sferum run's own banner once it serves.
_WORKER_READY = "Сферум запущен."


@dataclass
class WorkerProcesses:
    """``sferum run --workers N`` as a real process; its output (and its workers') read as it
    comes, so the waits below see each line without sleeping on a timer."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None

    @classmethod
    async def start(
        cls, folder: Path, count: int, env: Mapping[str, str] | None = None
    ) -> WorkerProcesses:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "sferum.cli",
            "run",
            "--workers",
            str(count),
            cwd=folder,
            env=dict(os.environ if env is None else env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        running = cls(process)
        running._reader = asyncio.create_task(running._read())
        return running

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.lines.append(line.decode("utf-8", errors="replace").rstrip("\n"))
            self._changed.set()
        self._changed.set()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def wait_for(self, found: Callable[[], T | None], limit_s: float = 120.0) -> T:
        """What ``found`` returns once it is not None (it is asked after every line of output);
        an AssertionError with the output when the process ends or the limit passes first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_s
        while True:
            value = found()
            if value is not None:
                return value
            if self._reader is not None and self._reader.done():
                raise AssertionError(f"sferum run ended:\n{self.output}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), max(0.0, deadline - loop.time()))
            if loop.time() >= deadline:
                raise AssertionError(f"not seen within {limit_s} s:\n{self.output}")

    def port(self) -> int | None:
        for line in self.lines:
            if match := _BANNER.search(line):
                return int(match.group(1) or match.group(2))
        return None

    def ready(self) -> int:
        """How many times a worker has come up (restarts included)."""
        return sum(1 for line in self.lines if line.strip() == _WORKER_READY)

    def pids(self) -> dict[int, int]:
        """Each worker's latest process id, from the supervisor's log."""
        found: dict[int, int] = {}
        for line in self.lines:
            if match := _STARTED.search(line):
                found[int(match.group(1))] = int(match.group(2))
        return found

    async def until_ready(self, count: int, limit_s: float = 120.0) -> int:
        """Wait until ``count`` worker starts in all have served; returns the shared port."""
        await self.wait_for(lambda: True if self.ready() >= count else None, limit_s)
        return await self.wait_for(self.port, limit_s)

    async def stop(self, limit_s: float = 60.0) -> int | None:
        """SIGTERM, as systemd stops a service; SIGKILL if it is still there after the limit."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), limit_s)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, limit_s)
        return self.process.returncode


def worker_env(site: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of ``sferum run`` with the echo bot importable from ``site``."""
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SFERUM_")}
    return {**env, "PYTHONPATH": path, **(extra or {})}


async def register_callbacks(
    http: aiohttp.ClientSession, sandbox_url: str, communities: Sequence[Community], port: int
) -> None:
    """Each community's Callback API server at the workers' address, confirmed as VK does."""
    for community in communities:
        async with http.post(
            f"{sandbox_url}/sandbox/api/communities/{community.id}/callback",
            json={
                "url": f"http://127.0.0.1:{port}/callback/{community.id}",
                "secret": CALLBACK_SECRET,
            },
        ) as response:
            body = await response.json()
            if not body.get("confirmed"):
                raise AssertionError(f"community {community.id} not confirmed: {body}")


async def one_connection_per_event(callback: CallbackDelivery, timeout_s: float = 30.0) -> None:
    """The sandbox's deliveries each on a new connection: the kernel picks a worker per
    connection, and one kept-alive connection would take every event to the same worker."""
    if callback.session is not None:
        await callback.session.close()  # the handshake's
    callback.session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(force_close=True, limit=0),
        timeout=aiohttp.ClientTimeout(total=timeout_s),
    )


async def _deliver_in_parallel(callback: CallbackDelivery, inflight: int) -> None:
    """VK delivers a community's events in parallel; the sandbox's own loop tries one at a time.
    Its attempts (retries after a failure included) with ``inflight`` in flight, until cancelled."""
    slots = asyncio.Semaphore(inflight)
    tasks: set[asyncio.Task[None]] = set()

    async def attempt(delivery: Delivery) -> None:
        try:
            await callback._attempt(delivery)
        finally:
            slots.release()

    try:
        while True:
            now = callback.clock.now().timestamp()
            due = [d for d in callback.queue if d.due <= now]
            if not due:
                await asyncio.sleep(0.002)
                continue
            taken = {id(d) for d in due}
            callback.queue = [d for d in callback.queue if id(d) not in taken]
            for delivery in due:
                await slots.acquire()
                task = asyncio.create_task(attempt(delivery))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def replies_of(runtime: SandboxRuntime, user: User, community: Community) -> list[str]:
    conv = runtime.state.conversation_for(user.id, -community.id)
    if conv is None:
        return []
    return [m.text for m in conv.messages if m.from_id == -community.id]


class Answers:
    """The communities' messages as the sandbox publishes them (message_reply), counted."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.all = asyncio.Event()

    def on_event(self, community: Community, number: int, event_type: str, obj: object) -> None:
        if event_type == "message_reply":
            self.count += 1
            if self.count >= self.expected:
                self.all.set()


class CallCounter:
    """Every API call of each token, as the sandbox's limiter sees it (monotonic seconds)."""

    def __init__(self, runtime: SandboxRuntime) -> None:
        self.calls: dict[str, list[float]] = {}
        allow = runtime.limiter.allow

        def counted(token: str, *args: Any) -> bool:
            self.calls.setdefault(token, []).append(time.monotonic())
            return allow(token, *args)

        setattr(runtime.limiter, "allow", counted)  # noqa: B010 - an instance's method replaced

    def peak_1s(self, token: str) -> int:
        """The most calls of ``token`` within any one second."""
        times = self.calls.get(token, [])
        return max(
            (bisect.bisect_right(times, t + 1.0) - i for i, t in enumerate(times)), default=0
        )


async def one_round(
    count: int,
    *,
    events: int,
    users: int,
    communities: int,
    inflight: int,
    rate_limit: float,
    db_url: str,
    redis_url: str,
    folder: Path,
) -> dict[str, Any]:
    site = folder / "site"
    write_echo_plugin(site)  # makes the round's folder too
    sandbox: RunningSandbox = await start_sandbox(
        SandboxConfig(background_tasks=False, rate_limit=rate_limit), clock=SystemClock()
    )
    runtime = sandbox.runtime
    groups = [runtime.state.create_community(f"Бенч {i}") for i in range(1, communities + 1)]
    people = [runtime.state.create_user("Ученик", f"№{i}") for i in range(1, users + 1)]
    counter = CallCounter(runtime)
    workers: WorkerProcesses | None = None
    delivery: asyncio.Task[None] | None = None
    try:
        async with scratch_database(folder, db_url) as database:
            write_settings(
                folder,
                sandbox.api_url,
                groups,
                database=database,
                redis_url=redis_url or None,
                rate_limit=rate_limit,
            )
            workers = await WorkerProcesses.start(folder, count, worker_env(site))
            port = await workers.until_ready(count)
            async with aiohttp.ClientSession() as http:
                await register_callbacks(http, sandbox.url, groups, port)
            await one_connection_per_event(runtime.callback)
            delivery = asyncio.create_task(_deliver_in_parallel(runtime.callback, inflight))
            sent: dict[tuple[int, int], list[str]] = {}
            answers = Answers(events)
            runtime.messenger.listeners.append(answers.on_event)
            started = time.perf_counter()
            for i in range(events):
                # Interleaved: the events in flight at any moment are of every community.
                user, group = people[(i // communities) % users], groups[i % communities]
                text = f"сообщение {i}"
                runtime.messenger.send_from_user(user, -group.id, text)
                sent.setdefault((user.id, group.id), []).append(text)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(answers.all.wait(), max(120.0, events / 2))
            answered = answers.count
            wall = time.perf_counter() - started
            by_worker: dict[str, int] = {}
            once = True
            for user in people:
                for group in groups:
                    texts = replies_of(runtime, user, group)
                    got = [m.group("text") for t in texts if (m := REPLY.match(t))]
                    once &= sorted(got) == sorted(sent.get((user.id, group.id), []))
                    for t in texts:
                        if m := REPLY.match(t):
                            worker = m.group("worker") or "1"
                            by_worker[worker] = by_worker.get(worker, 0) + 1
            return {
                "workers": count,
                "events": events,
                "answered": answered,
                "answered_once": once,
                "wall_s": round(wall, 3),
                "events_per_s": round(answered / wall, 1),
                "answers_by_worker": dict(sorted(by_worker.items())),
                "peak_calls_1s_per_token": max(counter.peak_1s(g.access_token) for g in groups),
                "error6": runtime.state.stats.rate_limited,
                # message_new and the message_reply of each answer, retries included.
                "callback_attempts": runtime.state.stats.callback_attempts,
                "callback_posts_per_s": round(runtime.state.stats.callback_attempts / wall, 1),
            }
    finally:
        if delivery is not None:
            delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await delivery
        if workers is not None:
            await workers.stop()
        await runtime.callback.close()
        await sandbox.stop()


async def main(
    events: int,
    users: int,
    communities: int,
    inflight: int,
    rate_limit: float,
    rounds: int,
    db_url: str,
    redis_url: str,
) -> dict[str, Any]:
    results: dict[int, list[dict[str, Any]]] = {n: [] for n in WORKER_COUNTS}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for repeat in range(rounds):
            for count in WORKER_COUNTS:
                results[count].append(
                    await one_round(
                        count,
                        events=events,
                        users=users,
                        communities=communities,
                        inflight=inflight,
                        rate_limit=rate_limit,
                        db_url=db_url,
                        redis_url=redis_url,
                        folder=Path(tmp) / f"r{repeat}-w{count}",
                    )
                )

    def median_round(rows: list[dict[str, Any]]) -> dict[str, Any]:
        middle = statistics.median_low([r["events_per_s"] for r in rows])
        return next(r for r in rows if r["events_per_s"] == middle)

    chosen = {n: median_round(rows) for n, rows in results.items()}
    one = chosen[1]["events_per_s"] or 1.0
    return {
        "engine": "postgresql" if db_url else "sqlite",
        "redis": bool(redis_url),
        "rate_limit_per_token": rate_limit,
        "communities": communities,
        "events": events,
        "inflight": inflight,
        "cpus": os.cpu_count(),
        "by_workers": {str(n): row for n, row in chosen.items()},
        "speedup_2_vs_1": round(chosen[2]["events_per_s"] / one, 2),
        "speedup_4_vs_1": round(chosen[4]["events_per_s"] / one, 2),
        "per_token_within_limit": all(
            row["peak_calls_1s_per_token"] <= rate_limit
            for rows in results.values()
            for row in rows
        ),
        "all_answered_once": all(
            row["answered_once"] and row["answered"] == events
            for rows in results.values()
            for row in rows
        ),
        "rounds": {str(n): [r["events_per_s"] for r in rows] for n, rows in results.items()},
    }


if __name__ == "__main__":
    options: dict[str, Any] = {  # print_result takes each default's type: str for the URLs
        "events": 2000,
        "users": 200,
        "communities": 8,
        "inflight": 32,
        "rate-limit": 20.0,
        "rounds": 1,
        "db-url": "",
        "redis-url": "",
    }
    print_result(main, options, description=(__doc__ or "").split("\n\n")[0], indent=2)
