"""A plugin's own settings: ``[bots.<name>]`` of sferum.toml, then ``SFERUM_<NAME>_<FIELD>``.

The plugin declares a plain pydantic model (``Plugin.settings_model``); core fills it once at
start (``install_plugins``) and the plugin reads it typed with ``services.settings_for(Model)``.
The environment wins over the file; pydantic-settings reads it (so a list or a table field takes
JSON there, as everywhere in pydantic-settings). A bad value stops start-up with core's one
Russian line (core/config_errors.py) naming the key as it was written: the environment variable,
or ``sferum.toml: ключ bots.<name>.<field>``. A key of the file the model does not have is an
error too, whatever the model's own ``extra`` says: it is a typo more often than not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource
from pydantic_settings.exceptions import SettingsError
from pydantic_settings.sources.utils import parse_env_vars

from core.config import ConfigError, Settings, settings_file_key
from core.config_errors import describe_error

from .spec import Plugin

M = TypeVar("M", bound=BaseModel)


def env_prefix(name: str) -> str:
    """``SFERUM_PUSHKIN_CARD_`` for the plugin ``pushkin_card``."""
    return f"SFERUM_{name.upper()}_"


def env_key(name: str, field_name: str) -> str:
    return f"{env_prefix(name)}{field_name.upper()}"


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping instead of ``os.environ``."""

    def __init__(self, model: type[BaseModel], prefix: str, environ: Mapping[str, str]) -> None:
        self._environ = environ  # read by _load_env_vars, which the base __init__ calls
        super().__init__(cast(type[BaseSettings], model), case_sensitive=False, env_prefix=prefix)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


def load_plugin_settings(
    name: str,
    model: type[M],
    settings: Settings,
    environ: Mapping[str, str] | None = None,
) -> M:
    """The plugin ``name``'s settings; ConfigError with one line on the first bad key."""
    env = os.environ if environ is None else environ
    table = dict(settings.plugin_tables.get(name, {}))
    path = settings.settings_file or Path("sferum.toml")

    def file_key(field_name: str) -> str:
        return settings_file_key(path, f"bots.{name}.{field_name}")

    for key in table:
        if key not in model.model_fields:
            error = {"type": "extra_forbidden", "loc": (key,), "input": table[key]}
            raise ConfigError(describe_error(error, file_key(key), model))
    try:
        from_env = _MappingEnvSource(model, env_prefix(name), env)()
    except SettingsError as exc:
        # A list or table field given as text that is not JSON: name the variable.
        # pydantic-settings names the field in quotes: 'error parsing value for field "x" …'.
        bad = str(exc).split('"')[1] if str(exc).count('"') >= 2 else ""
        bad = bad if bad in model.model_fields else ""
        key = env_key(name, bad)
        error = {"type": "json_invalid", "loc": (bad,), "input": env.get(key)}
        raise ConfigError(describe_error(error, key, model)) from None
    values: dict[str, Any] = {**table, **from_env}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first["loc"]]
        top = loc[0] if loc else ""
        where = env_key(name, top) if top in from_env else file_key(".".join(loc))
        # A required field given nowhere: say both places it may go.
        also_in = env_key(name, top) if first["type"] == "missing" else None
        raise ConfigError(describe_error(first, where, model, also_in=also_in)) from None


def plugin_settings(
    plugin: Plugin, settings: Settings, environ: Mapping[str, str] | None = None
) -> BaseModel | None:
    """The plugin's settings model filled in, or None for a plugin that declares none."""
    if plugin.settings_model is None:
        return None
    return load_plugin_settings(plugin.name, plugin.settings_model, settings, environ)


def unknown_tables(settings: Settings, known: set[str]) -> list[str]:
    """Names of ``[bots.<name>]`` tables for no plugin in ``known`` (typos, removed bots)."""
    return sorted(set(settings.plugin_tables) - known)


def unread_env_keys(plugins: list[Plugin], environ: Mapping[str, str]) -> list[str]:
    """``SFERUM_<NAME>_…`` variables under a plugin's prefix (or under the first word of its
    name: ``SFERUM_PUSHKIN_…`` for ``pushkin_card``) that no plugin's setting reads — a typo or
    a key of an older release, which would otherwise be ignored without a word."""
    read = {
        env_key(p.name, field).upper()
        for p in plugins
        if p.settings_model is not None
        for field in p.settings_model.model_fields
    }
    core_keys = {f"SFERUM_{name.upper()}" for name in Settings.model_fields}
    prefixes = {env_prefix(p.name) for p in plugins} | {
        env_prefix(p.name.split("_")[0]) for p in plugins
    }
    return sorted(
        key
        for key in environ
        if key.upper().startswith(tuple(prefixes))
        and key.upper() not in read
        and key.upper() not in core_keys
    )
