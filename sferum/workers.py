"""``sferum run --workers N``: N stateless processes of ``sferum run`` behind one address.

Only for the Callback API on VK (real VK or any VK API URL): VK POSTs each event to one URL, and
the kernel spreads those connections over every process listening on the same host:port with
SO_REUSEPORT. Long poll cannot be shared (every process would get every event), nor can the
embedded sandbox (it lives inside its one process); both are refused in Russian.

The parent (``Supervisor``) serves nothing itself. It reserves the port (a bound, not listening
SO_REUSEPORT socket: a port of 0 is picked once for all, and nobody else can take it while a
worker restarts), starts N children of ``sferum run`` with the same settings and ``workers = 1``,
restarts a child that dies (doubling back-off, reset once it stayed up), and on SIGTERM/SIGINT
stops every child with SIGINT (the clean stop of ``sferum run``: handlers cut off release their
event claims, VK's retry takes them) and SIGKILL after a grace period.

Children are stateless: what must hold across them lives in the database (``db_url``: PostgreSQL
for a region; a SQLite file in WAL mode works across processes too: the Callback API's retries are
de-duplicated there, core/runtime/processed_events.py) and in Redis (``redis_url``: dialog state,
per-conversation ordering, one VK rate limit per token). Without Redis each child keeps its own
per-token limiter, so the parent gives each ``rate_limit / N``: together they stay within VK's.

A child knows it is one by ``SFERUM_WORKER`` (its number, in every log line) and watches a pipe
from the parent (``SFERUM_WORKER_PIPE``): when the parent dies, even by SIGKILL, the pipe reaches
end-of-file and the child stops itself instead of holding the port as an orphan.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import TypeAdapter, ValidationError

from core.config import ConfigError, Settings
from core.config_errors import describe_error
from core.texts import CORE_TEXTS, Texts

log = logging.getLogger("sferum.workers")

TEXTS = Texts.for_package("sferum")
WORKER_VARIABLE = "SFERUM_WORKER"
PIPE_VARIABLE = "SFERUM_WORKER_PIPE"
# A child that dies is started again after BACKOFF_START_S, doubling up to BACKOFF_MAX_S while it
# keeps dying; one that stayed up HEALTHY_S counts as healthy again (the next death waits little).
BACKOFF_START_S = 0.5
BACKOFF_MAX_S = 30.0
HEALTHY_S = 60.0
# How often the port is tried while the first worker starts.
PROBE_S = 0.05
# How long a child has to stop after SIGINT (its handlers finish or release their claims).
STOP_GRACE_S = 15.0
# ``sferum run``'s exit code for a settings error: the same settings would fail every restart.
CONFIG_ERROR_EXIT = 2


def worker_number(environ: Mapping[str, str] | None = None) -> int | None:
    """This process's number among the workers, None when it is not one of them."""
    value = (os.environ if environ is None else environ).get(WORKER_VARIABLE)
    return int(value) if value and value.isdigit() else None


def _where(from_option: bool) -> str:
    return "--workers" if from_option else CORE_TEXTS.render("config_key.j2", key="workers")


def with_workers(settings: Settings, count: int | None) -> Settings:
    """The settings with ``--workers`` applied (checked against the setting's own bounds)."""
    if count is None:
        return settings
    info = Settings.model_fields["workers"]
    try:
        TypeAdapter(Annotated[int, *info.metadata]).validate_python(count)
    except ValidationError as exc:
        error = {**exc.errors()[0], "loc": ("workers",)}
        raise ConfigError(describe_error(error, _where(True), Settings)) from None
    return settings.model_copy(update={"workers": count})


def check_workers(settings: Settings, *, from_option: bool = False) -> None:
    """Refuse N > 1 workers where they cannot share the work (one Russian line)."""
    if settings.workers <= 1:
        return
    kind = None
    if settings.uses_sandbox:
        kind = "sandbox"
    elif settings.transport != "callback":
        kind = "longpoll"
    if kind is not None:
        raise ConfigError(
            TEXTS.render("workers.j2", kind=kind, where=_where(from_option), count=settings.workers)
        )


def reserve_port(host: str, port: int) -> socket.socket:
    """A bound SO_REUSEPORT socket on host:port that never listens: it holds the port (and picks
    it when ``port`` is 0) for the workers, which bind the same address with SO_REUSEPORT."""
    family, kind, proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


@dataclass
class Supervisor:
    """Starts ``count`` workers on ``host``:``port`` and keeps them running until ``stop()``."""

    settings: Settings
    count: int
    host: str
    port: int
    command: Sequence[str] = field(
        default_factory=lambda: (sys.executable, "-m", "sferum.cli", "run", "--workers", "1")
    )
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    backoff_start_s: float = BACKOFF_START_S
    stop_grace_s: float = STOP_GRACE_S
    restarts: int = 0
    _children: dict[int, asyncio.subprocess.Process] = field(default_factory=dict)
    _pipes: dict[int, int] = field(default_factory=dict)  # worker number -> our end of its pipe
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _first_up: asyncio.Event = field(default_factory=asyncio.Event)
    _exit_code: int = 0

    @property
    def shared_limit(self) -> bool:
        """Whether the workers share VK's per-token limit (in Redis) rather than split it."""
        return self.settings.redis_url is not None

    @property
    def child_rate_limit(self) -> float:
        rate = self.settings.rate_limit
        return rate if self.shared_limit else rate / self.count

    def child_environment(self, number: int, pipe: int) -> dict[str, str]:
        env = dict(self.environ)
        env[WORKER_VARIABLE] = str(number)
        env[PIPE_VARIABLE] = str(pipe)
        env["SFERUM_WORKERS"] = "1"
        env["SFERUM_MINIAPP_HOST"] = self.host
        env["SFERUM_MINIAPP_PORT"] = str(self.port)
        env["SFERUM_RATE_LIMIT"] = repr(self.child_rate_limit)
        settings_file = self.settings.settings_file
        if settings_file is not None and settings_file.exists():
            # The same file whatever the child's working directory.
            env["SFERUM_CONFIG"] = str(Path(settings_file).resolve())
        return env

    def pids(self) -> dict[int, int]:
        """The running children: worker number -> pid."""
        return {n: p.pid for n, p in self._children.items() if p.returncode is None}

    async def _spawn(self, number: int) -> asyncio.subprocess.Process:
        read_end, write_end = os.pipe()
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command,
                env=self.child_environment(number, read_end),
                pass_fds=(read_end,),
                # Its own process group: a Ctrl+C in the terminal reaches the parent only, which
                # stops each child once (a second SIGINT would cut a child's clean stop short).
                process_group=0,
            )
        except BaseException:
            os.close(write_end)
            raise
        finally:
            os.close(read_end)
        # The write end stays open here for the child's life: its end-of-file tells the child
        # the parent is gone (os.pipe's ends are not inherited by the other children).
        self._close_pipe(number)
        self._pipes[number] = write_end
        self._children[number] = process
        log.info("worker %d started, pid %d", number, process.pid)
        return process

    def _close_pipe(self, number: int) -> None:
        pipe = self._pipes.pop(number, None)
        if pipe is not None:
            with contextlib.suppress(OSError):
                os.close(pipe)

    async def _accepting(self, process: asyncio.subprocess.Process) -> bool:
        """Whether the port accepts connections before ``process`` ends: the first worker has
        started (our reserved socket never listens, so nobody else answers here)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        while process.returncode is None:
            try:
                _reader, writer = await asyncio.open_connection(host, self.port)
            except OSError:
                await asyncio.sleep(PROBE_S)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return True
        return False

    async def _keep(self, number: int) -> None:
        """One worker's slot: start it, and start it again whenever it dies. The first worker
        starts alone: it applies the database's migrations, which several processes starting
        on a new database together would race on; the others start once it serves."""
        loop = asyncio.get_running_loop()
        delay = self.backoff_start_s
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            if number > 1:
                first = asyncio.create_task(self._first_up.wait())
                await asyncio.wait({first, stopping}, return_when=asyncio.FIRST_COMPLETED)
                first.cancel()
            while not self._stopping.is_set():
                started = loop.time()
                process = await self._spawn(number)
                exited = asyncio.create_task(process.wait())
                probe = None
                if not self._first_up.is_set():
                    probe = asyncio.create_task(self._accepting(process))
                    probe.add_done_callback(self._first_served)
                await asyncio.wait({exited, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if probe is not None:
                    probe.cancel()
                if not exited.done():
                    exited.cancel()
                    return  # stop() ends the child
                self._close_pipe(number)
                code = exited.result()
                if self._stopping.is_set():
                    return
                if code == CONFIG_ERROR_EXIT:
                    log.error("worker %d refused its settings (exit %d): stopping", number, code)
                    self._exit_code = CONFIG_ERROR_EXIT
                    self._stopping.set()
                    return
                if loop.time() - started >= HEALTHY_S:
                    delay = self.backoff_start_s
                log.warning(
                    "worker %d (pid %d) exited with %s; starting it again in %.1f s",
                    number,
                    process.pid,
                    code,
                    delay,
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(stopping), delay)
                delay = min(delay * 2, BACKOFF_MAX_S)
                self.restarts += 1
        finally:
            stopping.cancel()

    def _first_served(self, probe: asyncio.Task[bool]) -> None:
        if not probe.cancelled() and probe.exception() is None and probe.result():
            self._first_up.set()

    def stop(self, code: int = 0) -> None:
        if not self._stopping.is_set():
            self._exit_code = self._exit_code or code
            self._stopping.set()

    async def _stop_children(self) -> None:
        running = [p for p in self._children.values() if p.returncode is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGINT)
        if running:
            waits = [asyncio.create_task(p.wait()) for p in running]
            _done, late = await asyncio.wait(waits, timeout=self.stop_grace_s)
            for process in running:
                if process.returncode is None:
                    log.warning("worker pid %d did not stop in time: killed", process.pid)
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
            await asyncio.gather(*late, return_exceptions=True)
        for number in list(self._pipes):
            self._close_pipe(number)

    async def run(self) -> int:
        """Run until stop() (or a child refusing its settings); returns the exit code."""
        slots = [asyncio.create_task(self._keep(n)) for n in range(1, self.count + 1)]
        for slot in slots:
            slot.add_done_callback(self._slot_ended)
        try:
            await self._stopping.wait()
        finally:
            self._stopping.set()
            # The slots first: one in the middle of starting a child must finish starting it,
            # or that child would escape the stop below.
            await asyncio.gather(*slots, return_exceptions=True)
            await self._stop_children()
        return self._exit_code

    def _slot_ended(self, slot: asyncio.Task[None]) -> None:
        if not slot.cancelled() and slot.exception() is not None:
            log.error("starting a worker failed: stopping", exc_info=slot.exception())
            self.stop(1)


def _banner(supervisor: Supervisor) -> str:
    host = f"[{supervisor.host}]" if ":" in supervisor.host else supervisor.host
    return TEXTS.render(
        "workers.j2",
        kind="started",
        count=supervisor.count,
        url=f"http://{host}:{supervisor.port}",
        shared=supervisor.shared_limit,
        rate=f"{supervisor.child_rate_limit:g}",
    )


async def supervise(settings: Settings) -> int:
    """``sferum run`` with workers > 1: the parent process, until SIGTERM or SIGINT."""
    check_workers(settings)
    host = settings.miniapp_host
    try:
        reserved = reserve_port(host, settings.miniapp_port)
    except OSError as exc:
        where = CORE_TEXTS.render("config_key.j2", key="miniapp_port")
        raise ConfigError(
            TEXTS.render(
                "workers.j2",
                kind="port",
                where=where,
                host=host,
                port=settings.miniapp_port,
                problem=exc.strerror or str(exc),
            )
        ) from None
    with reserved:
        supervisor = Supervisor(settings, settings.workers, host, reserved.getsockname()[1])
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, supervisor.stop, 0)
        loop.add_signal_handler(signal.SIGINT, supervisor.stop, 130)
        try:
            task = asyncio.create_task(supervisor.run())
            print(_banner(supervisor), flush=True)
            return await task
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
            loop.remove_signal_handler(signal.SIGINT)


def watch_parent(environ: Mapping[str, str] | None = None) -> None:
    """In a worker: stop cleanly (as on Ctrl+C) once the supervisor's pipe closes."""
    value = (os.environ if environ is None else environ).get(PIPE_VARIABLE)
    if not value or not value.isdigit():
        return
    fd = int(value)

    def wait() -> None:
        with contextlib.suppress(OSError):
            while os.read(fd, 1):
                pass
        log.warning("the supervisor is gone: this worker stops")
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=wait, name="sferum-supervisor-pipe", daemon=True).start()


def configure_worker_logging(settings: Settings, number: int | None) -> None:
    """Every log line of a worker (or of the supervisor) says which one wrote it; ``serve()``'s
    own basicConfig then finds the root logger configured and leaves it."""
    who = "supervisor" if number is None else f"worker {number}"
    logging.basicConfig(
        level=settings.log_level,
        format=f"%(asctime)s %(levelname)s [{who}] %(name)s: %(message)s",
    )
