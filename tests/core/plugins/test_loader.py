"""Plugin discovery and validation: clear errors naming the plugin and the problem."""

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.plugins import (
    HomeLink,
    Plugin,
    PluginLoadError,
    Provide,
    ScheduledJob,
    ServiceKey,
    discover,
    validate,
)
from core.runtime.community import HandlerSignatureError, mount
from core.runtime.services import Services
from core.scheduling import Job
from core.texts import CORE_TEXTS, Texts


def test_shipped_plugins_are_discovered_and_valid() -> None:
    names = [p.name for p in discover()]
    assert names == sorted(names)
    assert {"advisor_broadcast", "rosobrnadzor_helper"} <= set(names)


def test_unknown_plugin_is_named() -> None:
    with pytest.raises(PluginLoadError, match="'nope': not installed"):
        discover(["nope"])


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        ("not a plugin", "entry point must name a core.plugins.Plugin"),
        (
            Plugin(name="Bad Name", title="x", labelers=[BotLabeler()], texts=CORE_TEXTS),
            "must match",
        ),
        (
            Plugin(name="empty", title=" ", labelers=[BotLabeler()], texts=CORE_TEXTS),
            "title is empty",
        ),
        (Plugin(name="nolab", title="x", labelers=[], texts=CORE_TEXTS), "labelers must be"),
        (
            Plugin(
                name="notexts",
                title="x",
                labelers=[BotLabeler()],
                texts=Texts(Path("/nonexistent")),
            ),
            "texts must be",
        ),
    ],
)
def test_invalid_plugins_are_refused_with_the_reason(plugin: object, message: str) -> None:
    with pytest.raises(PluginLoadError, match=message):
        validate(plugin, "source")


async def _noop(services: Services, job: Job) -> None:
    return None


def _plugin(**fields: Any) -> Plugin:
    return Plugin(name="jobs", title="x", labelers=[BotLabeler()], texts=CORE_TEXTS, **fields)


def test_repeated_job_ids_are_refused() -> None:
    job = ScheduledJob("daily", "0 9 * * *", _noop)
    with pytest.raises(PluginLoadError, match="job id 'daily' repeats"):
        validate(_plugin(jobs=[job, job]), "jobs")


class Clashing(BaseModel):
    path: str = "x"


KEY = ServiceKey[int]("jobs.counter")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"jobs": [ScheduledJob("daily", "0 25 * * *", _noop)]}, "bad cron expression '0 25"),
        ({"jobs": [ScheduledJob("daily", "every day", _noop)]}, "bad cron expression"),
        (
            {"jobs": [ScheduledJob("daily", "0 9 * * *", _noop, "Mars/Olympus")]},
            "unknown time zone 'Mars/Olympus'",
        ),
        ({"jobs": [ScheduledJob("Daily Job", "0 9 * * *", _noop)]}, "job id 'Daily Job' must"),
        ({"provides": [Provide(ServiceKey[int]("other.counter"), lambda s: 1)]}, "must start"),
        ({"provides": [Provide(KEY, lambda s: 1), Provide(KEY, lambda s: 2)]}, "repeats"),
        ({"provides": ["jobs.counter"]}, "provides must hold core.plugins.Provide"),
        ({"home_links": [HomeLink("x", "no-slash")]}, "home_links must be"),
        ({"home_links": ["/x"]}, "home_links must be"),
        ({"demo_chats": ["demo:chat"]}, "demo_chats must be a tuple"),
        ({"miniapp_routes": ["/x"]}, "is not callable"),
        ({"commands": [lambda sub: sub.add_parser("a") and sub.add_parser("a")]}, "conflicting"),
        ({"commands": [lambda sub: 1 / 0]}, "commands: .* failed: ZeroDivisionError"),
    ],
)
def test_extension_points_are_checked_at_load_time(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(PluginLoadError, match=message) as raised:
        validate(_plugin(**fields), "jobs")
    assert "\n" not in str(raised.value)


def test_a_setting_that_would_read_a_core_key_is_refused() -> None:
    # A plugin "db" with a field "path" would be read from SFERUM_DB_PATH, core's database.
    plugin = Plugin(
        name="db", title="x", labelers=[BotLabeler()], texts=CORE_TEXTS, settings_model=Clashing
    )
    with pytest.raises(PluginLoadError, match="core's key SFERUM_DB_PATH"):
        validate(plugin, "db")


def test_extras_are_gone() -> None:
    assert "extras" not in {f.name for f in fields(Plugin)}
    assert "extras" not in {f.name for f in fields(Services)}


def test_plugin_tables_must_carry_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "rogue_bot"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "migrations" / "0001_init.sql").write_text("CREATE TABLE persons2 (id INTEGER);")
    monkeypatch.syspath_prepend(str(tmp_path))
    plugin = Plugin(
        name="rogue_bot",
        title="x",
        labelers=[BotLabeler()],
        texts=CORE_TEXTS,
        migrations_package="rogue_bot",
    )
    with pytest.raises(PluginLoadError, match="plugin tables must start with 'rogue_bot_'"):
        validate(plugin, "rogue_bot")


def test_a_handler_named_ctx_is_refused_with_the_fix() -> None:
    labeler = BotLabeler()

    @labeler.message()
    async def wrong(message: MessageMin, ctx: object) -> None:
        return None

    with pytest.raises(HandlerSignatureError, match="Declare 'cx: Ctx' instead"):
        mount(labeler, BotLabeler())
