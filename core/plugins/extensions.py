"""What a plugin adds beside its handlers: mini-app pages and home links, commands, services.

Typed in the spirit of aiohttp's ``web.AppKey``: a plugin that offers a service declares a
``ServiceKey[T]`` and a factory (``Provide``); anyone reads it back as a ``T`` with
``services.get(KEY)``, built once per ``Services``.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from aiohttp import web

from core.people import Identity

from .registry import ServiceKey

if TYPE_CHECKING:
    from core.runtime.services import Services

T = TypeVar("T")

# Adds the plugin's routes (and whatever app state they need) to the mini-app's application.
RouteHook = Callable[[web.Application], None]
# Adds argparse subparsers to `sferum`, exactly as core's command modules do: each sets
# ``handler`` (args -> exit code) and takes its time from ``args.clock``.
CommandHook = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


@dataclass(frozen=True)
class HomeLink:
    """A link on the mini-app's home page, shown to whom ``visible`` (then ``allowed``) says."""

    title: str
    path: str
    visible: Callable[[Identity], bool] = field(default=lambda identity: True)
    # A check that needs the database (e.g. the federal admins' table), asked after ``visible``.
    allowed: Callable[[web.Request, Identity], Awaitable[bool]] | None = None


ServiceFactory = Callable[["Services"], T]


@dataclass(frozen=True)
class Provide(Generic[T]):
    """``Plugin.provides`` entry: the factory that builds the service of ``key``."""

    key: ServiceKey[T]
    factory: ServiceFactory[T]


__all__ = ["CommandHook", "HomeLink", "Provide", "RouteHook", "ServiceFactory", "ServiceKey"]
