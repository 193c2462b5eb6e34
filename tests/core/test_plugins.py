"""Plugin discovery and validation: clear errors naming the plugin and the problem."""

from pathlib import Path

import pytest
from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.plugins import Plugin, PluginLoadError, discover, validate
from core.plugins.spec import ScheduledJob
from core.runtime.community import HandlerSignatureError, mount
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


async def _noop(services: object) -> None:
    return None


def test_repeated_job_ids_are_refused() -> None:
    job = ScheduledJob("daily", "0 9 * * *", _noop)  # type: ignore[arg-type]
    plugin = Plugin(
        name="jobs", title="x", labelers=[BotLabeler()], texts=CORE_TEXTS, jobs=[job, job]
    )
    with pytest.raises(PluginLoadError, match="job id 'daily' repeats"):
        validate(plugin, "jobs")


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
