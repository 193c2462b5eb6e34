from pathlib import Path

import pytest

from core.config import ConfigError, Settings, load_settings
from core.config_errors import describe_error
from sferum.cli import main


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
        (
            {"SFERUM_SANDBOX_PORT": "abc"},
            "SFERUM_SANDBOX_PORT: ожидается целое число от 0 до 65535, задано 'abc'",
        ),
        (
            {"SFERUM_MINIAPP_PORT": "70000"},
            "SFERUM_MINIAPP_PORT: ожидается целое число от 0 до 65535, задано '70000'",
        ),
        (
            {"SFERUM_VK_GROUP_ID": "0"},
            "SFERUM_VK_GROUP_ID: ожидается целое число не меньше 1, задано '0'",
        ),
        (
            {"SFERUM_RATE_LIMIT": "0"},
            "SFERUM_RATE_LIMIT: ожидается число больше 0 и не больше 100000, задано '0'",
        ),
        ({"SFERUM_TIMEZONE": "Mars/Base"}, "SFERUM_TIMEZONE: ожидается часовой пояс IANA"),
        (
            {"SFERUM_TRANSPORT": "smoke"},
            "SFERUM_TRANSPORT: ожидается одно из значений: longpoll или callback, задано 'smoke'",
        ),
        ({"SFERUM_BEHIND_PROXY": "maybe"}, "SFERUM_BEHIND_PROXY: ожидается true или false"),
        # A secret is never echoed, even a wrong one.
        ({"VK_APP_SECRET": "short"}, "VK_APP_SECRET: нужно не меньше 8 символов"),
        ({"SFERUM_VK_API_URL": "ftp://x"}, "SFERUM_VK_API_URL: ожидается адрес http://"),
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
    assert "short" not in text  # the secret's value


def test_bad_key_in_toml_is_named(tmp_path: Path) -> None:
    toml = tmp_path / "sferum.toml"
    toml.write_text("[sferum]\nsandbox_prot = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, toml)
    assert str(caught.value) == (
        f"{toml}: ключ sandbox_prot: такой настройки нет — может быть, sandbox_port?"
    )


def test_a_misspelt_secret_is_not_echoed(tmp_path: Path) -> None:
    toml = tmp_path / "sferum.toml"
    toml.write_text('[sferum]\nvk_tokne = "vk1.a.secret"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, toml)
    assert "ключ vk_tokne: такой настройки нет — может быть, vk_token?" in str(caught.value)
    assert "vk1.a.secret" not in str(caught.value)


def test_a_file_that_is_not_toml_is_named_with_its_line(tmp_path: Path) -> None:
    toml = tmp_path / "sferum.toml"
    toml.write_text("[sferum]\nsandbox_port = \n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, toml)
    assert str(caught.value).startswith(
        f"{toml}: файл не читается как TOML — ошибка в строке 2, столбец 16"
    )
    toml.write_text("sferum = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="sferum должен быть таблицей настроек"):
        load_settings({}, toml)


def test_cli_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SFERUM_DB_PATH", str(tmp_path / "x.db"))
    monkeypatch.setenv("SFERUM_RATE_LIMIT", "fast")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "Ошибка настройки: SFERUM_RATE_LIMIT: ожидается число больше 0 и не больше 100000, "
        "задано 'fast'"
    )


def test_an_error_type_without_a_russian_line_still_reads_russian() -> None:
    error = {"type": "uuid_parsing", "loc": ("vk_app_id",), "input": "q", "msg": "Input should"}
    assert describe_error(error, "SFERUM_VK_APP_ID", Settings) == (
        "SFERUM_VK_APP_ID: значение не подходит (ошибка pydantic uuid_parsing), задано 'q'"
    )


def test_db_url_must_be_a_postgresql_url_and_is_never_echoed() -> None:
    from core.config import ConfigError, load_settings

    assert (
        load_settings({"SFERUM_DB_URL": "postgresql://u:pw@db:5432/s"}, None).database
        == "postgresql://u:pw@db:5432/s"
    )
    with pytest.raises(ConfigError) as refused:
        load_settings({"SFERUM_DB_URL": "postgress://u:secret@db/s"}, None)
    assert "SFERUM_DB_URL" in str(refused.value) and "postgresql://" in str(refused.value)
    assert "secret" not in str(refused.value)
