"""A plugin's SQL migrations, read by what opens the database (``Services.open``), which must not
import the plugin spec: the spec's hooks take the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.storage.migrations import Migration, MigrationError, load_migrations

from .errors import PluginLoadError


class HasMigrations(Protocol):
    """The part of a ``Plugin`` that says where its migrations are."""

    @property
    def name(self) -> str: ...

    @property
    def migrations_package(self) -> str | None: ...


@dataclass(frozen=True)
class MigrationSource:
    """Where a plugin's migrations are, for its own commands: a plugin's ``cli`` module is
    imported by the plugin's ``__init__`` (``Plugin.commands``) and must not import it back."""

    name: str
    migrations_package: str | None


def plugin_migrations(plugin: HasMigrations) -> list[Migration]:
    if plugin.migrations_package is None:
        return []
    try:
        return load_migrations(plugin.name, plugin.migrations_package)
    except (MigrationError, ModuleNotFoundError) as exc:
        raise PluginLoadError(plugin.name, f"migrations: {exc}") from None
