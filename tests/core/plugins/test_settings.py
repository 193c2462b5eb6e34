"""A plugin's settings model filled from [bots.<name>] of sferum.toml and SFERUM_<NAME>_<FIELD>
(the environment wins), with core's one-line Russian errors naming the key as written."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field
from vkbottle.framework.labeler import BotLabeler

from core.clock import ManualClock
from core.config import ConfigError, Settings, load_settings
from core.plugins import MissingService, Plugin
from core.plugins.install import install_plugins
from core.plugins.settings import load_plugin_settings
from core.runtime.services import Services
from core.texts import CORE_TEXTS


class HomeworkSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: Literal["math", "russian"] = "math"
    per_day: int = Field(3, ge=1, le=10)
    token: str | None = Field(None, repr=False)
    classes: list[str] = Field(default_factory=list)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sferum.toml"
    path.write_text(text, encoding="utf-8")
    return path


def loaded(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> HomeworkSettings:
    env = environ or {}
    settings = load_settings(env, write(tmp_path, text))
    return load_plugin_settings("homework", HomeworkSettings, settings, env)


def test_defaults_then_the_file_then_the_environment(tmp_path: Path) -> None:
    assert loaded(tmp_path, "") == HomeworkSettings()
    table = '[bots.homework]\nper_day = 5\nsubject = "russian"\nclasses = ["9А"]\n'
    assert loaded(tmp_path, table) == HomeworkSettings(per_day=5, subject="russian", classes=["9А"])
    env = {"SFERUM_HOMEWORK_PER_DAY": "7", "SFERUM_HOMEWORK_CLASSES": '["9А", "9Б"]'}
    both = loaded(tmp_path, table, env)
    assert both.per_day == 7 and both.subject == "russian" and both.classes == ["9А", "9Б"]


def test_the_run_list_goes_under_sferum_beside_the_tables(tmp_path: Path) -> None:
    text = '[sferum]\nbots = ["homework"]\n\n[bots.homework]\nper_day = 2\n'
    settings = load_settings({}, write(tmp_path, text))
    assert settings.bots == ["homework"]
    assert load_plugin_settings("homework", HomeworkSettings, settings, {}).per_day == 2


@pytest.mark.parametrize(
    ("text", "environ", "line"),
    [
        (
            "[bots.homework]\nper_day = 50\n",
            {},
            "sferum.toml: ключ bots.homework.per_day: ожидается целое число от 1 до 10, задано 50",
        ),
        (
            "[bots.homework]\nper_day = 5\n",
            {"SFERUM_HOMEWORK_PER_DAY": "много"},
            "SFERUM_HOMEWORK_PER_DAY: ожидается целое число от 1 до 10, задано 'много'",
        ),
        (
            '[bots.homework]\nsubject = "chemistry"\n',
            {},
            "ключ bots.homework.subject: ожидается одно из значений: math или russian",
        ),
        (
            "[bots.homework]\nper_dya = 5\n",
            {},
            "ключ bots.homework.per_dya: такой настройки нет — может быть, per_day?",
        ),
        (
            "",
            {"SFERUM_HOMEWORK_CLASSES": "9А, 9Б"},
            "SFERUM_HOMEWORK_CLASSES: ожидается значение в JSON",
        ),
    ],
)
def test_a_bad_value_is_one_line_naming_the_key(
    tmp_path: Path, text: str, environ: dict[str, str], line: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        loaded(tmp_path, text, environ)
    message = str(raised.value)
    assert line in message and "\n" not in message


def test_a_secret_is_never_echoed(tmp_path: Path) -> None:
    class Strict(BaseModel):
        token: str = Field(min_length=20, repr=False)

    settings = load_settings({}, write(tmp_path, '[bots.homework]\ntoken = "hunter2"\n'))
    with pytest.raises(ConfigError) as raised:
        load_plugin_settings("homework", Strict, settings, {})
    assert "bots.homework.token" in str(raised.value) and "hunter2" not in str(raised.value)
    with pytest.raises(
        ConfigError, match=r"нужно значение — в sferum\.toml или в SFERUM_HOMEWORK_"
    ):
        load_plugin_settings("homework", Strict, load_settings({}, write(tmp_path, "")), {})


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('bots = ["homework"]\n[bots.homework]\nper_day = 2\n', "не могут стоять вместе"),
        ("[sferum.bots.homework]\nper_day = 2\n", "ключ sferum.bots: в [sferum] ключ bots"),
        ("[bots]\nper_day = 2\n", "ключ bots.per_day: ожидается таблица настроек плагина"),
        ("plugin_tables = {}\n", "ключ plugin_tables: такой настройки нет"),
    ],
)
def test_a_mixed_or_invalid_bots_form_is_one_clear_line(
    tmp_path: Path, text: str, says: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({}, write(tmp_path, text))
    assert says in str(raised.value) and "\n" not in str(raised.value)


def test_the_old_top_level_run_list_still_works(tmp_path: Path) -> None:
    assert load_settings({}, write(tmp_path, 'bots = ["homework"]\n')).bots == ["homework"]


async def test_installed_settings_are_read_typed(
    tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    plugin = Plugin(
        name="homework",
        title="Домашние задания",
        labelers=[BotLabeler()],
        texts=CORE_TEXTS,
        settings_model=HomeworkSettings,
    )
    text = "[bots.homework]\nper_day = 4\n\n[bots.homewrok]\nper_day = 1\n"
    settings = load_settings({"SFERUM_DB_PATH": str(tmp_path / "s.db")}, write(tmp_path, text))
    services = await Services.open(settings, clock, [plugin])
    try:
        with pytest.raises(MissingService, match="HomeworkSettings are not loaded"):
            services.settings_for(HomeworkSettings)
        await install_plugins(services, [plugin], environ={"SFERUM_HOMEWORK_SUBJECT": "russian"})
        own = services.settings_for(HomeworkSettings)
        assert (own.per_day, own.subject) == (4, "russian")
        # A table for no installed plugin (a typo here) is a warning, not a stop.
        assert "[bots.homewrok] is for no installed plugin" in caplog.text
    finally:
        await services.close()


async def test_a_bad_setting_stops_install_before_any_startup(
    tmp_path: Path, clock: ManualClock
) -> None:
    started: list[str] = []

    async def on_startup(services: Services) -> None:
        started.append("yes")

    plugin = Plugin(
        name="homework",
        title="Домашние задания",
        labelers=[BotLabeler()],
        texts=CORE_TEXTS,
        settings_model=HomeworkSettings,
        on_startup=on_startup,
    )
    services = await Services.open(Settings(db_path=str(tmp_path / "s.db")), clock, [plugin])
    try:
        with pytest.raises(ConfigError, match="SFERUM_HOMEWORK_PER_DAY"):
            await install_plugins(services, [plugin], environ={"SFERUM_HOMEWORK_PER_DAY": "0"})
        assert started == []
    finally:
        await services.close()
