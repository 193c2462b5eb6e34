"""Outside the sandbox no secret has a default: start-up stops with one Russian line."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import SANDBOX_APP_SECRET, ConfigError, Settings, load_settings
from sferum.cli import main

REAL = {"SFERUM_VK_TOKEN": "vk1.a.token", "SFERUM_VK_GROUP_ID": "123456"}
GOOD_KEY = "Zq8rT2mXw4Lp9sVb6NcY"  # 20 characters, like VK's secure keys


def _load(tmp_path: Path, **env: str) -> Settings:
    return load_settings({**REAL, **env}, tmp_path / "absent.toml")


def _refused(tmp_path: Path, **env: str) -> str:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, **env)
    text = str(caught.value)
    assert "\n" not in text
    return text


def test_the_sandbox_keeps_its_published_value(tmp_path: Path) -> None:
    settings = load_settings({}, tmp_path / "absent.toml")
    assert settings.uses_sandbox and settings.app_secret == SANDBOX_APP_SECRET


def test_real_vk_without_the_app_secret_is_refused(tmp_path: Path) -> None:
    text = _refused(tmp_path)
    assert text.startswith("vk_app_secret (SFERUM_VK_APP_SECRET или VK_APP_SECRET")
    assert "не задан" in text and "защищённый ключ" in text


def test_the_sandbox_value_and_short_keys_are_refused(tmp_path: Path) -> None:
    text = _refused(tmp_path, VK_APP_SECRET=SANDBOX_APP_SECRET)
    assert text.startswith("VK_APP_SECRET: это значение песочницы")
    text = _refused(tmp_path, SFERUM_VK_APP_SECRET="only-twelve!")
    assert text.startswith("SFERUM_VK_APP_SECRET: слишком короткий ключ")
    assert "20 символов" in text


def test_a_real_key_is_accepted(tmp_path: Path) -> None:
    assert _load(tmp_path, VK_APP_SECRET=GOOD_KEY).app_secret == GOOD_KEY


def test_callback_needs_its_secret_and_confirmation(tmp_path: Path) -> None:
    callback = {"VK_APP_SECRET": GOOD_KEY, "SFERUM_TRANSPORT": "callback"}
    text = _refused(tmp_path, **callback)
    assert text.startswith("callback_secret (SFERUM_CALLBACK_SECRET")
    text = _refused(tmp_path, **callback, SFERUM_CALLBACK_SECRET="s3cret")
    assert text.startswith("SFERUM_CALLBACK_SECRET: это значение песочницы")
    text = _refused(tmp_path, **callback, SFERUM_CALLBACK_SECRET="short-one")
    assert text.startswith("SFERUM_CALLBACK_SECRET: слишком короткий ключ")
    text = _refused(tmp_path, **callback, SFERUM_CALLBACK_SECRET="a-long-callback-secret-1")
    assert text.startswith("callback_confirmation (SFERUM_CALLBACK_CONFIRMATION")
    settings = _load(
        tmp_path,
        **callback,
        SFERUM_CALLBACK_SECRET="a-long-callback-secret-1",
        SFERUM_CALLBACK_CONFIRMATION="a1b2c3d4",
    )
    assert settings.transport == "callback"


def test_settings_made_in_code_cannot_reach_the_default_either() -> None:
    settings = Settings(vk_token="vk1.a.token", vk_group_id=1)
    with pytest.raises(ConfigError, match="vk_app_secret"):
        _ = settings.app_secret


@pytest.mark.parametrize("command", [["run"], ["miniapp", "--port", "0"]])
def test_commands_stop_with_one_russian_line(
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VK_APP_SECRET", raising=False)
    monkeypatch.delenv("SFERUM_VK_APP_SECRET", raising=False)
    for key, value in {**REAL, "SFERUM_DB_PATH": str(tmp_path / "x.db")}.items():
        monkeypatch.setenv(key, value)
    assert main(command) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Ошибка настройки: vk_app_secret (SFERUM_VK_APP_SECRET")
    assert "\n" not in err and "Traceback" not in err
