"""Discover plugins through the ``sferum.bots`` entry-point group and validate each one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points

from pydantic import BaseModel
from vkbottle.framework.labeler import BotLabeler

from core.storage.migrations import Migration, MigrationError, load_migrations
from core.texts import Texts

from .spec import NAME, PAYLOAD_KEY, RESERVED_PAYLOAD_KEYS, Plugin

GROUP = "sferum.bots"
_CREATE = re.compile(
    r"CREATE\s+(?:TABLE|INDEX|VIRTUAL\s+TABLE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I
)


class PluginLoadError(Exception):
    """A plugin that cannot run, with its name and the problem in one line."""

    def __init__(self, plugin: str, problem: str) -> None:
        super().__init__(f"плагин {plugin!r}: {problem}")
        self.plugin = plugin
        self.problem = problem


def plugin_migrations(plugin: Plugin) -> list[Migration]:
    if plugin.migrations_package is None:
        return []
    try:
        return load_migrations(plugin.name, plugin.migrations_package)
    except (MigrationError, ModuleNotFoundError) as exc:
        raise PluginLoadError(plugin.name, f"migrations: {exc}") from None


def validate(plugin: object, source: str) -> Plugin:
    if not isinstance(plugin, Plugin):
        raise PluginLoadError(
            source, f"entry point must name a core.plugins.Plugin, got {type(plugin).__name__}"
        )
    if not NAME.match(plugin.name):
        raise PluginLoadError(source, f"name {plugin.name!r} must match {NAME.pattern}")
    if not plugin.title.strip():
        raise PluginLoadError(plugin.name, "title is empty")
    if not plugin.labelers or not all(isinstance(lab, BotLabeler) for lab in plugin.labelers):
        raise PluginLoadError(
            plugin.name, "labelers must be a non-empty list of vkbottle BotLabeler"
        )
    if not isinstance(plugin.texts, Texts) or not plugin.texts.folder.is_dir():
        raise PluginLoadError(
            plugin.name, "texts must be a core.texts.Texts over an existing folder"
        )
    if plugin.settings_model is not None and not issubclass(plugin.settings_model, BaseModel):
        raise PluginLoadError(plugin.name, "settings_model must be a pydantic BaseModel")
    _validate_routing(plugin)
    seen_jobs: set[str] = set()
    for job in plugin.jobs:
        if job.id in seen_jobs:
            raise PluginLoadError(plugin.name, f"job id {job.id!r} repeats")
        seen_jobs.add(job.id)
    # Each plugin owns the tables that start with its name: its storage namespace.
    for migration in plugin_migrations(plugin):
        for created in _CREATE.findall(migration.sql):
            if not created.lower().startswith(f"{plugin.name}_"):
                raise PluginLoadError(
                    plugin.name,
                    f"migration {migration.version:04d} creates {created!r}; "
                    f"plugin tables must start with '{plugin.name}_'",
                )
    return plugin


def _validate_routing(plugin: Plugin) -> None:
    """What core/runtime/routing.py reads of a plugin: its payload keys, dialog prefixes, menu."""
    for key in plugin.payload_keys:
        if not isinstance(key, str) or not PAYLOAD_KEY.match(key):
            raise PluginLoadError(
                plugin.name, f"payload key {key!r} must match {PAYLOAD_KEY.pattern}"
            )
        if key in RESERVED_PAYLOAD_KEYS:
            raise PluginLoadError(plugin.name, f"payload key {key!r} belongs to core")
    for prefix in plugin.flows:
        if not isinstance(prefix, str) or not prefix.endswith(".") or prefix.startswith("core."):
            raise PluginLoadError(
                plugin.name,
                f"dialog prefix {prefix!r} must end with '.' and not start with 'core.'",
            )
    if plugin.menu is not None and not callable(plugin.menu):
        raise PluginLoadError(plugin.name, "menu must be an async function (message, cx, reason)")


def _load(entry: EntryPoint) -> Plugin:
    try:
        obj = entry.load()
    except Exception as exc:  # an import error of a third-party plugin must name it
        raise PluginLoadError(entry.name, f"cannot import {entry.value}: {exc}") from exc
    plugin = validate(obj, entry.name)
    if plugin.name != entry.name:
        raise PluginLoadError(
            entry.name, f"entry point name differs from plugin name {plugin.name!r}"
        )
    return plugin


def installed() -> list[str]:
    """Names of the installed plugins (nothing is imported)."""
    return sorted({entry.name for entry in entry_points(group=GROUP)})


def discover(names: Iterable[str] | None = None) -> list[Plugin]:
    """Installed plugins, sorted by name; ``names`` restricts and must all exist."""
    found = {entry.name: entry for entry in entry_points(group=GROUP)}
    wanted = sorted(found) if names is None else list(names)
    missing = [name for name in wanted if name not in found]
    if missing:
        raise PluginLoadError(
            missing[0], f"not installed (known: {', '.join(sorted(found)) or 'none'})"
        )
    return [_load(found[name]) for name in wanted]
