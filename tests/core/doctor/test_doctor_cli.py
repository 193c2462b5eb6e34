"""``sferum doctor`` through the command line (``sferum.cli.main``), in process, against a
sandbox served by its own event loop in a thread (main() runs its own loop with asyncio.run)."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.clock import NOW_VARIABLE, ManualClock
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.config import SandboxConfig
from sferum.cli import main

from .conftest import APP_ID, APP_SECRET

# The guard on waiting for the sandbox thread; a healthy start or stop takes milliseconds.
THREAD_GUARD_S = 60


@pytest.fixture
def threaded_sandbox(clock: ManualClock) -> Iterator[RunningSandbox]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    config = SandboxConfig(background_tasks=False, communities=("Школа № 2",), rate_limit=None)
    started = asyncio.run_coroutine_threadsafe(start_sandbox(config, clock=clock), loop)
    running = started.result(THREAD_GUARD_S)
    try:
        yield running
    finally:
        asyncio.run_coroutine_threadsafe(running.stop(), loop).result(THREAD_GUARD_S)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(THREAD_GUARD_S)
        loop.close()


@pytest.fixture
def school(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, migrated_template: Path) -> Path:
    """A clean working directory and environment: only what each test sets is configured."""
    for key in list(os.environ):
        if (key.startswith("SFERUM_") and key != NOW_VARIABLE) or key == "VK_APP_SECRET":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    shutil.copy(migrated_template, tmp_path / "sferum.db")
    monkeypatch.setenv("SFERUM_DB_PATH", str(tmp_path / "sferum.db"))
    return tmp_path


def _args(sandbox: RunningSandbox) -> list[str]:
    community = sandbox.runtime.created[0]
    return [
        "doctor",
        "--api-url",
        sandbox.api_url.rstrip("/"),  # doctor adds the slash people forget
        "--token",
        community.access_token,
        "--group-id",
        str(community.id),
    ]


def test_ready_community_exits_0(
    threaded_sandbox: RunningSandbox,
    school: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SFERUM_VK_APP_ID", str(APP_ID))
    monkeypatch.setenv("VK_APP_SECRET", APP_SECRET)
    code = main(_args(threaded_sandbox))
    out, err = capsys.readouterr()
    assert code == 0, out
    lines = out.strip().splitlines()
    assert lines[-1] == "Сообщество готово к работе"
    checks = [line for line in lines if line.startswith(("✅", "❌", "⚠"))]
    assert len(checks) == 8 and all(line.startswith("✅ ") for line in checks), out
    assert err == ""


def test_real_vk_without_the_app_secret_fails_on_its_line(
    threaded_sandbox: RunningSandbox,
    school: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    community = threaded_sandbox.runtime.created[0]
    (school / "sferum.toml").write_text(
        "[sferum]\n"
        f'vk_token = "{community.access_token}"\n'
        f"vk_group_id = {community.id}\n"
        f'vk_api_url = "{threaded_sandbox.api_url}"\n'
        f"vk_app_id = {APP_ID}\n",
        encoding="utf-8",
    )
    code = main(["doctor"])
    out, err = capsys.readouterr()
    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("❌ ")]
    assert len(failed) == 1 and "vk_app_secret" in failed[0] and "не задан" in failed[0]
    assert "Traceback" not in out + err and err == ""
    assert out.strip().splitlines()[-1].startswith("Найдено проблем: 1")


def test_unusable_options_exit_2(school: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["doctor", "--api-url", "ftp://vk.example/method/", "--token", "vk1.a.x"])
    _out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("Ошибка настройки: --api-url: ожидается адрес http://")
    code = main(["doctor", "--group-id", "0", "--token", "vk1.a.doctor-secret"])
    _out, err = capsys.readouterr()
    assert code == 2
    assert (
        err.strip() == "Ошибка настройки: --group-id: ожидается целое число не меньше 1, задано 0"
    )
    assert "vk1.a.doctor-secret" not in err


def test_sandbox_mode_without_a_token_exits_0(
    school: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["doctor"])
    out, _err = capsys.readouterr()
    assert code == 0, out
    assert "Режим песочницы" in out and out.strip().splitlines()[-1].startswith("Всё готово")
