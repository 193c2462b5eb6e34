"""Services a plugin offers: a typed key, built once per Services by the plugin's factory."""

from __future__ import annotations

from pathlib import Path

import pytest
from vkbottle.framework.labeler import BotLabeler

from bots.pushkin_card import plugin as pushkin
from bots.pushkin_card.kit import KIT, Kit
from bots.rosobrnadzor_helper import plugin as helper
from bots.rosobrnadzor_helper.desk import DESK, desk_of
from bots.rosobrnadzor_helper.ui import T
from core.activity.handlers import setup as setup_monitoring
from core.activity.scheduled import WEEKLY
from core.clock import ManualClock
from core.config import Settings
from core.plugins import MissingService, Plugin, Provide, ServiceKey
from core.plugins.install import install_plugins
from core.runtime.services import Services
from core.texts import CORE_TEXTS


class Counter:
    def __init__(self, services: Services) -> None:
        self.services = services


COUNTER = ServiceKey[Counter]("counter_bot.counter")


async def test_a_provided_service_is_built_once_per_services(
    tmp_path: Path, clock: ManualClock
) -> None:
    built: list[Services] = []

    def factory(services: Services) -> Counter:
        built.append(services)
        return Counter(services)

    plugin = Plugin(
        name="counter_bot",
        title="Счётчик",
        labelers=[BotLabeler()],
        texts=CORE_TEXTS,
        provides=(Provide(COUNTER, factory),),
    )
    first = await Services.open(Settings(db_path=str(tmp_path / "a.db")), clock, [plugin])
    second = await Services.open(Settings(db_path=str(tmp_path / "b.db")), clock, [plugin])
    try:
        with pytest.raises(MissingService, match=r"no plugin provides 'counter_bot\.counter'"):
            first.get(COUNTER)
        await install_plugins(first, [plugin], environ={})
        await install_plugins(second, [plugin], environ={})
        counter = first.get(COUNTER)
        assert first.get(COUNTER) is counter and counter.services is first
        assert second.get(COUNTER) is not counter
        assert built == [first, second]
        # A fallback factory does not replace what the plugin provides.
        assert first.get(COUNTER, lambda services: Counter(services)) is counter
    finally:
        await first.close()
        await second.close()


async def test_the_bots_accessors_are_typed_and_work_without_install(
    tmp_path: Path, clock: ManualClock
) -> None:
    settings = Settings(db_path=str(tmp_path / "bots.db"))
    plain = await Services.open(settings, clock, [pushkin, helper])
    installed = await Services.open(
        Settings(db_path=str(tmp_path / "installed.db")), clock, [pushkin, helper]
    )
    try:
        # A command or a unit test that never installed the plugins still gets one of each.
        kit = Kit.of(plain)
        assert Kit.of(plain) is kit and plain.get(KIT) is kit
        desk = desk_of(plain, T)
        assert desk_of(plain, T) is desk and plain.get(DESK) is desk
        await install_plugins(installed, [pushkin, helper], environ={})
        assert installed.get(KIT) is Kit.of(installed)
        assert installed.get(DESK) is desk_of(installed, T)
        # Core's own typed key: the weekly monitoring reports.
        weekly = setup_monitoring(installed)
        assert installed.get(WEEKLY) is weekly and setup_monitoring(installed) is weekly
    finally:
        await plain.close()
        await installed.close()
