"""What a bot plugin is: typed metadata, validated at load time."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from vkbottle.framework.labeler import BotLabeler

from core.texts import Texts

if TYPE_CHECKING:
    from core.runtime.services import Services

NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

JobCallback = Callable[["Services"], Awaitable[None]]
SetupHook = Callable[["Services"], Awaitable[None]]
# Loads a plugin's demo data for the embedded sandbox: (services, the plugin's community id).
DemoHook = Callable[["Services", int], Awaitable[None]]


@dataclass(frozen=True)
class ScheduledJob:
    """A recurring job of a plugin: a cron expression in the organisation's zone or in UTC."""

    id: str
    cron: str
    callback: JobCallback
    timezone: str = "UTC"


@dataclass(frozen=True)
class Plugin:
    """One bot. ``name`` is also its storage namespace and the prefix of its tables."""

    name: str
    title: str
    labelers: Sequence[BotLabeler]
    texts: Texts
    migrations_package: str | None = None
    jobs: Sequence[ScheduledJob] = ()
    settings_model: type[BaseModel] | None = None
    on_startup: SetupHook | None = None
    # Demo data for `sferum run` on the embedded sandbox, called once the demo district is
    # loaded and the plugin's community exists; it must be idempotent and date everything
    # from ``services.clock`` (core.demo.calendar), so the demo is alive on any date.
    demo: DemoHook | None = None
    description: str = ""
    # Free-form capabilities other parts may look for (e.g. "kb" for the mini-app).
    extras: dict[str, Any] = field(default_factory=dict)
