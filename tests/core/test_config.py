from pathlib import Path

import pytest

from core.cli.main import main
from core.config import ConfigError, load_settings


def test_defaults_without_file_or_env(tmp_path: Path) -> None:
    settings = load_settings({}, tmp_path / "absent.toml")
    assert settings.db_path == "./var/sferum.db"
    assert settings.uses_sandbox
    assert settings.rate_limit == 20


def test_toml_then_environment_wins(tmp_path: Path) -> None:
    toml = tmp_path / "sferum.toml"
    toml.write_text("[sferum]\nsandbox_port = 9000\nrate_limit = 5\n", encoding="utf-8")
    settings = load_settings({"SFERUM_RATE_LIMIT": "7.5", "SFERUM_BOTS": "a, b"}, toml)
    assert settings.sandbox_port == 9000
    assert settings.rate_limit == 7.5
    assert settings.bots == ["a", "b"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SFERUM_SANDBOX_PORT": "abc"}, "SFERUM_SANDBOX_PORT: expected an integer, got 'abc'"),
        (
            {"SFERUM_MINIAPP_PORT": "70000"},
            "SFERUM_MINIAPP_PORT: expected a number at most 65535, got '70000'",
        ),
        ({"SFERUM_TIMEZONE": "Mars/Base"}, "SFERUM_TIMEZONE: expected an IANA time zone"),
        ({"SFERUM_TRANSPORT": "smoke"}, "SFERUM_TRANSPORT: expected one of 'longpoll' or"),
        ({"VK_APP_SECRET": "short"}, "VK_APP_SECRET: expected at least 8 characters"),
        ({"SFERUM_VK_API_URL": "ftp://x"}, "SFERUM_VK_API_URL: expected an http(s) URL"),
    ],
)
def test_bad_value_names_key_and_expected_form(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env, tmp_path / "absent.toml")
    text = str(caught.value)
    assert text.startswith(message)
    assert "\n" not in text


def test_bad_key_in_toml_is_named(tmp_path: Path) -> None:
    toml = tmp_path / "sferum.toml"
    toml.write_text("[sferum]\nsandbox_prot = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'sandbox_prot': expected no such setting"):
        load_settings({}, toml)


def test_cli_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SFERUM_DB_PATH", str(tmp_path / "x.db"))
    monkeypatch.setenv("SFERUM_RATE_LIMIT", "fast")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "Ошибка настройки: SFERUM_RATE_LIMIT: expected a number, got 'fast'"
