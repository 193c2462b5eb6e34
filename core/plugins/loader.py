"""Discover plugins through the ``sferum.bots`` entry-point group and validate each one."""

from __future__ import annotations

import argparse
import re
from collections.abc import Collection, Iterable, Sequence
from importlib.metadata import EntryPoint, entry_points

from pydantic import BaseModel
from vkbottle.framework.labeler import BotLabeler

from core.clock import is_zone
from core.config import Settings
from core.scheduling.triggers import Cron
from core.texts import Texts

from .errors import PluginLoadError
from .extensions import HomeLink, Provide
from .migrations import plugin_migrations
from .spec import NAME, PAYLOAD_KEY, RESERVED_PAYLOAD_KEYS, Plugin

GROUP = "sferum.bots"
# PluginLoadError and plugin_migrations live lower in the package; they are still read from here.
__all__ = [
    "GROUP",
    "PluginLoadError",
    "check_commands",
    "command_names",
    "discover",
    "installed",
    "plugin_migrations",
    "validate",
]
# A job id: part of the job's kind and of its stable id in the database.
JOB_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Environment keys of core that are not settings fields.
_CORE_ENV = frozenset({"SFERUM_CONFIG", "SFERUM_NOW"})
_CREATE = re.compile(
    r"CREATE\s+(?:TABLE|INDEX|VIRTUAL\s+TABLE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I
)


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
    _validate_settings_model(plugin)
    _validate_routing(plugin)
    _validate_jobs(plugin)
    _validate_extensions(plugin)
    command_names(plugin)
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


def _validate_settings_model(plugin: Plugin) -> None:
    model = plugin.settings_model
    if model is None:
        return
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise PluginLoadError(plugin.name, "settings_model must be a pydantic BaseModel")
    # SFERUM_<NAME>_<FIELD> must not be one of core's keys (a plugin "db" with a field "path").
    core_keys = {f"SFERUM_{name.upper()}" for name in Settings.model_fields} | _CORE_ENV
    for field_name in model.model_fields:
        key = f"SFERUM_{plugin.name.upper()}_{field_name.upper()}"
        if key in core_keys or key.startswith("SFERUM_COMMUNITIES_"):
            raise PluginLoadError(
                plugin.name, f"setting {field_name!r} would be read from core's key {key}"
            )


def _validate_jobs(plugin: Plugin) -> None:
    seen_jobs: set[str] = set()
    for job in plugin.jobs:
        if not isinstance(job.id, str) or not JOB_ID.match(job.id):
            raise PluginLoadError(plugin.name, f"job id {job.id!r} must match {JOB_ID.pattern}")
        if job.id in seen_jobs:
            raise PluginLoadError(plugin.name, f"job id {job.id!r} repeats")
        seen_jobs.add(job.id)
        if not callable(job.callback):
            raise PluginLoadError(
                plugin.name, f"job {job.id!r}: callback must be an async function"
            )
        if job.timezone is not None and not is_zone(job.timezone):
            raise PluginLoadError(
                plugin.name, f"job {job.id!r}: unknown time zone {job.timezone!r}"
            )
        try:
            Cron(job.cron, job.timezone or "UTC")
        except ValueError:
            raise PluginLoadError(
                plugin.name,
                f"job {job.id!r}: bad cron expression {job.cron!r} "
                "(five fields: minute hour day month weekday, e.g. '0 9 * * mon-fri')",
            ) from None


def _validate_extensions(plugin: Plugin) -> None:
    for hook in (*plugin.commands, *plugin.miniapp_routes):
        if not callable(hook):
            raise PluginLoadError(
                plugin.name, f"{hook!r} in commands/miniapp_routes is not callable"
            )
    for link in plugin.home_links:
        if not isinstance(link, HomeLink) or not link.path.startswith("/"):
            raise PluginLoadError(
                plugin.name, "home_links must be core.plugins.HomeLink with a path from '/'"
            )
    if not isinstance(plugin.demo_chats, tuple) or not all(
        isinstance(chat, str) for chat in plugin.demo_chats
    ):
        raise PluginLoadError(plugin.name, "demo_chats must be a tuple of external ids")
    seen: set[str] = set()
    for offer in plugin.provides:
        if not isinstance(offer, Provide) or not callable(offer.factory):
            raise PluginLoadError(
                plugin.name, "provides must hold core.plugins.Provide(key, factory)"
            )
        # Like its tables, the services a plugin offers are named in its namespace.
        if not offer.key.name.startswith(f"{plugin.name}."):
            raise PluginLoadError(
                plugin.name, f"service key {offer.key.name!r} must start with '{plugin.name}.'"
            )
        if offer.key.name in seen:
            raise PluginLoadError(plugin.name, f"service key {offer.key.name!r} repeats")
        seen.add(offer.key.name)


def command_names(plugin: Plugin) -> list[str]:
    """The `sferum` subcommands the plugin's hooks add (run on a scratch parser)."""
    scratch = argparse.ArgumentParser(prog="sferum", add_help=False)
    sub = scratch.add_subparsers()
    for hook in plugin.commands:
        try:
            hook(sub)
        except argparse.ArgumentError as exc:
            raise PluginLoadError(plugin.name, f"commands: {exc}") from None
        except Exception as exc:  # a broken third-party hook must name its plugin
            raise PluginLoadError(plugin.name, f"commands: {hook!r} failed: {exc!r}") from exc
    return list(sub.choices)


def check_commands(plugins: Sequence[Plugin], taken: Collection[str]) -> None:
    """No plugin command may be named like a command of core (``taken``) or of another plugin."""
    owners: dict[str, str] = {}
    for plugin in plugins:
        for name in command_names(plugin):
            if name in taken:
                raise PluginLoadError(plugin.name, f"command {name!r} is a command of core")
            if name in owners:
                raise PluginLoadError(
                    plugin.name, f"command {name!r} is already a command of plugin {owners[name]!r}"
                )
            owners[name] = plugin.name


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
