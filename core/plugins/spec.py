"""What a bot plugin is: typed metadata, validated at load time."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from vkbottle.framework.labeler import BotLabeler

from core.scheduling.queue import Job
from core.texts import Texts

from .extensions import CommandHook, HomeLink, Provide, RouteHook

if TYPE_CHECKING:
    from vkbottle.tools.mini_types.bot import MessageMin

    from core.runtime.context import Ctx
    from core.runtime.services import Services

NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
# A payload key a plugin owns: short (VK caps a payload at 255 characters), no dots.
PAYLOAD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
# Keys of core and VK that no plugin may claim: core's own buttons, the {"cmd": ...} of
# core.rules.Command (shared by everyone), VK's start button {"command": "start"}.
RESERVED_PAYLOAD_KEYS = frozenset({"cmd", "command", "core", "mon"})

# A plugin job's run: the services and the fire (``job.due`` is the time it was due).
JobCallback = Callable[["Services", Job], Awaitable[None]]
SetupHook = Callable[["Services"], Awaitable[None]]
# Loads a plugin's demo data for the embedded sandbox: (services, the plugin's community id).
DemoHook = Callable[["Services", int], Awaitable[None]]


class MenuReason(StrEnum):
    """Why core asks a plugin for its menu (``Plugin.menu``)."""

    START = "start"  # VK's «Начать» button ({"command": "start"}) or the word «начать»
    MENU = "menu"  # «меню»
    HELP = "help"  # «помощь»
    UNKNOWN = "unknown"  # nothing of the plugin took the message: say so, then the menu


# Shows the plugin's menu (or, for a person it is not for, a short hint of what to do).
MenuHook = Callable[["MessageMin", "Ctx", MenuReason], Awaitable[None]]


@dataclass(frozen=True)
class ScheduledJob:
    """A recurring job of a plugin: a crontab expression (``"0 9 * * mon-fri"``) in an IANA zone.

    Scheduled on core's job queue as kind ``f"{plugin}.{id}"`` with the stable job id
    ``f"plugin:{plugin}:{id}"``; ``timezone=None`` is the instance's zone (``settings.timezone``).
    """

    id: str
    cron: str
    callback: JobCallback
    timezone: str | None = None


@dataclass(frozen=True)
class Plugin:
    """One bot. ``name`` is also its storage namespace and the prefix of its tables."""

    name: str
    title: str
    labelers: Sequence[BotLabeler]
    texts: Texts
    migrations_package: str | None = None
    jobs: Sequence[ScheduledJob] = ()
    # Filled by core from [bots.<name>] of sferum.toml and SFERUM_<NAME>_<FIELD> (env wins);
    # read back typed with ``services.settings_for(Model)``.
    settings_model: type[BaseModel] | None = None
    on_startup: SetupHook | None = None
    # Demo data for `sferum run` on the embedded sandbox, called once the demo district is
    # loaded and the plugin's community exists; it must be idempotent and date everything
    # from ``services.clock`` (core.demo.calendar), so the demo is alive on any date.
    demo: DemoHook | None = None
    description: str = ""
    # `sferum` subcommands of the plugin (``register(sub)`` functions of its cli.py).
    commands: Sequence[CommandHook] = ()
    # Pages of the plugin in the mini-app, and the links to them on its home page.
    miniapp_routes: Sequence[RouteHook] = ()
    home_links: Sequence[HomeLink] = ()
    # Demo chats (external ids of the demo district) the embedded sandbox adds the bot to.
    demo_chats: tuple[str, ...] = ()
    # Services the plugin offers (to itself and to others): ``services.get(key)``.
    provides: Sequence[Provide[Any]] = ()
    # Routing in a community (core/runtime/routing.py). A button whose payload has one of these
    # keys goes to this plugin only, e.g. ("et",) for {"et": "train"}.
    payload_keys: tuple[str, ...] = ()
    # Dialog steps of this plugin start with one of these; typed text in such a step goes to
    # this plugin first. Empty: ``f"{name}."``.
    dialog_prefixes: tuple[str, ...] = ()
    # The plugin's menu for «Начать», «меню», «помощь» and for what nothing took; without it
    # core answers those with its own short hint.
    menu: MenuHook | None = None

    @property
    def flows(self) -> tuple[str, ...]:
        """The prefixes of this plugin's dialog steps."""
        return self.dialog_prefixes or (f"{self.name}.",)
