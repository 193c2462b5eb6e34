"""``sferum new-bot`` makes a project whose tests pass as generated and whose bot, with its job
and its command, runs under ``sferum run`` with nothing edited in core.

The project is made importable without installing it (no network): its folder goes on the path,
and a minimal ``*.dist-info`` with the ``sferum.bots`` entry point beside it, so that
importlib.metadata finds the bot as it would find an installed one.
"""

from __future__ import annotations

import ast
import importlib
import os
import select
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from core.bot import Payload
from core.plugins import command_names, validate
from core.plugins.spec import ScheduledJob
from sferum.cli import main

NAME = "homework_helper"
TITLE = "Помощник по домашке"


@dataclass(frozen=True)
class Project:
    root: Path
    site: Path  # the folder holding the bot's dist-info

    @property
    def pythonpath(self) -> str:
        return os.pathsep.join([str(self.root), str(self.site), os.environ.get("PYTHONPATH", "")])

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": self.pythonpath, **extra}


def write_dist_info(site: Path, name: str) -> None:
    info = site / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[sferum.bots]\n{name} = {name}:plugin\n", encoding="utf-8"
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    where = tmp_path_factory.mktemp("scaffold")
    assert main(["new-bot", NAME, "--title", TITLE, "--dir", str(where)]) == 0
    site = where / "site"
    write_dist_info(site, NAME)
    return Project(where / "homework-helper", site)


@pytest.fixture
def importable(project: Project) -> Iterator[Project]:
    """The generated bot importable and discoverable in this process."""
    added = [str(project.root), str(project.site)]
    sys.path[:0] = added
    try:
        yield project
    finally:
        for path in added:
            sys.path.remove(path)
        for module in [m for m in sys.modules if m == NAME or m.startswith(f"{NAME}.")]:
            del sys.modules[module]


def test_the_project_is_printed_and_declares_its_entry_point(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-bot", NAME, "--title", TITLE, "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"Бот {NAME} создан" in out and "tests/test_homework_helper_sandbox.py" in out
    pyproject = (tmp_path / "homework-helper" / "pyproject.toml").read_text(encoding="utf-8")
    assert f'{NAME} = "{NAME}:plugin"' in pyproject
    # A second time into the same place is refused, not overwritten.
    assert main(["new-bot", NAME, "--dir", str(tmp_path)]) == 2
    assert "уже существует" in capsys.readouterr().err


def test_the_generated_tests_pass_as_generated(project: Project, tmp_path: Path) -> None:
    # As a developer would run them: a fresh interpreter in the project's folder. Output goes to
    # a file (a pipe could fill) and the wait is _exited's, which libfaketime lets pause.
    log = tmp_path / "pytest.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
            cwd=project.root,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=project.env(),
        )
        finished = _exited(process, 180)
        if not finished:
            process.kill()
            process.wait()
    output = log.read_text(encoding="utf-8", errors="replace")
    assert finished, "the generated tests did not finish in 180 s:\n" + output
    assert process.returncode == 0, output
    # Both harnesses: four in-process tests (recording VK, the command) and two on the sandbox.
    assert "6 passed" in output, output


def test_the_bot_uses_a_setting_a_job_a_command_and_a_typed_payload(
    importable: Project,
) -> None:
    # Imported by name: the package exists only in this test's tmp folder.
    bot = importlib.import_module(NAME)
    again = importlib.import_module(f"{NAME}.payloads").Again

    plugin = validate(bot.plugin, NAME)
    assert plugin.title == TITLE
    assert plugin.settings_model is not None
    assert plugin.settings_model().model_dump() == {"greeting": "Здравствуйте"}
    assert [(job.id, job.cron) for job in plugin.jobs] == [("tally", "0 18 * * *")]
    assert all(isinstance(job, ScheduledJob) for job in plugin.jobs)
    assert command_names(plugin) == [NAME]
    assert plugin.payload_keys == (NAME,)
    assert issubclass(again, Payload) and again(n=2).pack() == {NAME: "again", "n": 2}
    assert plugin.menu is not None


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(modules imported at run time, modules imported only for type checking) by ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only |= {
                inner.module
                for inner in ast.walk(node)
                if isinstance(inner, ast.ImportFrom) and inner.module
            }
    everything = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    everything |= {
        alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names
    }
    return everything - typing_only, typing_only


def test_the_bot_imports_only_core_bot_and_core_plugins(project: Project) -> None:
    framework = set()
    typing_only = set()
    for path in (project.root / NAME).rglob("*.py"):
        runtime, types = _imports(path)
        framework |= {m for m in runtime if m.split(".")[0] in ("core", "vkbottle", "sferum")}
        typing_only |= {m for m in types if m.startswith("core")}
    assert framework == {"core.bot", "core.plugins"}
    assert typing_only <= {"core.bot", "core.plugins"}


def test_its_command_is_found_by_sferum_without_being_listed(
    importable: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    # No plugins passed: sferum.cli finds the bot by its entry point, as an installed one.
    assert main([NAME, "hello", "--name", "Ирина"]) == 0
    assert capsys.readouterr().out.startswith("Здравствуйте, Ирина! Сегодня 23.11.2026.")


def _read_until(stream: IO[bytes], marker: str, limit_s: float) -> str:
    """What the process printed up to ``marker`` (or its exit, or the limit). Raw reads of the
    pipe: a buffered reader would hold lines that select() then no longer sees."""
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    deadline = time.monotonic() + limit_s
    seen = b""
    while marker.encode() not in seen and time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        chunk = os.read(stream.fileno(), 65536)
        if not chunk:
            break
        seen += chunk
    selector.close()
    return seen.decode("utf-8", errors="replace")


def _exited(process: subprocess.Popen[bytes], limit_s: float) -> bool:
    """Whether the process ended within the limit. Not ``Popen.wait(timeout=…)``: its pauses are
    time.sleep, whose absolute-deadline clock_nanosleep libfaketime refuses (EINVAL) when
    `make test-clock` moves the clock; select's relative timeout is safe there."""
    deadline = time.monotonic() + limit_s
    while process.poll() is None:
        if time.monotonic() > deadline:
            return False
        select.select([], [], [], 0.05)
    return True


def test_the_new_bot_runs_under_sferum_run(project: Project, tmp_path: Path) -> None:
    db = tmp_path / "sferum.db"
    env = project.env(
        SFERUM_DB_PATH=str(db),
        SFERUM_SANDBOX_PORT="0",
        SFERUM_MINIAPP_PORT="0",
        SFERUM_BOTS=NAME,  # the four bots of the framework are not this test's business
    )
    log = tmp_path / "stderr.txt"
    with log.open("w", encoding="utf-8") as errors:
        process: subprocess.Popen[bytes] = subprocess.Popen(
            [sys.executable, "-m", "sferum.cli", "run"],
            cwd=tmp_path,  # no sferum.toml here: the embedded sandbox
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,  # a file: a chatty log must not fill a pipe and stall the process
        )
    try:
        assert process.stdout is not None
        banner = _read_until(process.stdout, "Остановить", limit_s=60)
        assert "Сферум запущен." in banner, banner + log.read_text(encoding="utf-8")
        assert f"Бот «{TITLE}»: http://127.0.0.1:" in banner
    finally:
        process.send_signal(signal.SIGINT)
        if not _exited(process, 30):
            process.kill()
            process.wait()
    assert process.returncode == 130, log.read_text(encoding="utf-8")
    # Its job is on core's scheduler, under the id install_plugins gives it.
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT kind, status FROM scheduled_jobs WHERE id = ?", (f"plugin:{NAME}:tally",)
        ).fetchall()
    assert rows == [(f"{NAME}.tally", "active")]


@pytest.mark.parametrize("bad", ["Bot", "1bot", "my-bot", "class", "x", "cmd"])
def test_bad_names_are_refused(
    tmp_path: Path, bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-bot", bad, "--dir", str(tmp_path)]) == 2
    assert "Ошибка" in capsys.readouterr().err
