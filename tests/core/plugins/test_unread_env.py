"""A SFERUM_<NAME>_… variable that no setting reads (a typo, a key renamed by a release) is named
in a warning at start instead of being ignored without a word."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import BaseModel
from vkbottle.framework.labeler import BotLabeler

from core.clock import ManualClock
from core.config import Settings
from core.plugins import Plugin
from core.plugins.install import install_plugins
from core.plugins.settings import unread_env_keys
from core.runtime.services import Services
from core.texts import CORE_TEXTS


class CardSettings(BaseModel):
    max_events: int = 5


def card_plugin(settings_model: type[BaseModel] | None = CardSettings) -> Plugin:
    return Plugin(
        name="pushkin_card",
        title="Пушкинская карта",
        labelers=[BotLabeler()],
        texts=CORE_TEXTS,
        settings_model=settings_model,
    )


def test_keys_under_the_plugin_or_its_first_word_that_nothing_reads() -> None:
    environ = {
        "SFERUM_PUSHKIN_CARD_MAX_EVENTS": "3",  # read
        "SFERUM_PUSHKIN_CARD_MAX_EVENT": "3",  # typo
        "SFERUM_PUSHKIN_MAX_EVENTS": "3",  # the older name of the plugin's prefix
        "SFERUM_DB_PATH": "x.db",  # core's
        "SFERUM_VK_SCHEMA_DIR": "/tmp",  # someone else's, not under the plugin
        "PATH": "/usr/bin",
    }
    assert unread_env_keys([card_plugin()], environ) == [
        "SFERUM_PUSHKIN_CARD_MAX_EVENT",
        "SFERUM_PUSHKIN_MAX_EVENTS",
    ]
    # A plugin without settings reads none of its keys.
    assert unread_env_keys([card_plugin(None)], {"SFERUM_PUSHKIN_CARD_X": "1"}) == [
        "SFERUM_PUSHKIN_CARD_X"
    ]
    assert unread_env_keys([], environ) == []


async def test_install_warns_and_goes_on(
    tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    plugin = card_plugin()
    services = await Services.open(Settings(db_path=str(tmp_path / "s.db")), clock, [plugin])
    try:
        with caplog.at_level(logging.WARNING, logger="sferum.plugins"):
            await install_plugins(
                services,
                [plugin],
                environ={"SFERUM_PUSHKIN_MAX_EVENTS": "2", "SFERUM_PUSHKIN_CARD_MAX_EVENTS": "4"},
            )
        assert services.settings_for(CardSettings).max_events == 4
        assert "SFERUM_PUSHKIN_MAX_EVENTS is read by no setting" in caplog.text
        assert "SFERUM_PUSHKIN_CARD_MAX_EVENTS" not in caplog.text
    finally:
        await services.close()
