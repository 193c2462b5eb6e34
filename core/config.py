"""Settings from environment variables and an optional TOML file, validated at start.

Precedence: defaults < ``sferum.toml`` (or the file named by ``SFERUM_CONFIG``) < environment.
Environment keys are ``SFERUM_<FIELD>`` upper-cased (``SFERUM_DB_PATH``); the mini-app's secret
also reads ``VK_APP_SECRET`` because that is the name VK's documentation uses.
A bad value stops start-up with one line naming the key and the expected form.

Real VK: each bot in its own community, one ``[communities.<name>]`` table each (token, group_id,
plugins — by default the plugin named like the table —, main, callback_secret,
callback_confirmation; secrets also from ``SFERUM_COMMUNITIES_<NAME>_TOKEN`` and the like). The
older ``vk_token``/``vk_group_id`` pair is one community with one bot (``bots = ["..."]``).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from core.clock import is_zone
from core.config_errors import describe_error


class ConfigError(Exception):
    """Raised with a single human-readable line: which key, what was expected, what was given."""


# The sandbox's published values: they sign nothing outside the sandbox.
SANDBOX_APP_SECRET = "sandbox-app-secret"
SANDBOX_SECRETS = frozenset({SANDBOX_APP_SECRET, "s3cret", "sandbox-callback-secret"})
# VK's secure keys of mini-apps are 20 characters; anything shorter is not one.
VK_SECURE_KEY_LENGTH = 20
# VK lets a community choose its Callback API secret (up to 50 characters); a short one can be
# guessed by whoever can reach the callback URL.
MIN_CALLBACK_SECRET_LENGTH = 16


# The name of a [communities.<name>] table: it also names environment keys.
COMMUNITY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# What of a community the environment may give instead of the file (its secrets).
COMMUNITY_ENV_FIELDS = ("token", "callback_secret", "callback_confirmation")


class CommunitySettings(BaseModel):
    """One VK community of ``[communities.<name>]``: its token and the plugins it runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: str = Field(min_length=1, repr=False)
    group_id: int = Field(ge=1)
    # Empty: the one plugin named like the table ([communities.exam_trainer]).
    plugins: tuple[str, ...] = ()
    # The plugin that gets typed text nobody's dialog holds; required with several plugins.
    main: str | None = None
    callback_secret: str | None = Field(None, repr=False)
    callback_confirmation: str | None = None


@dataclass(frozen=True)
class VkCommunity:
    """A community ``sferum run`` serves on real VK, from [communities] or the older pair."""

    name: str
    group_id: int
    token: str = field(repr=False)
    # None: every plugin chosen by ``bots`` (the vk_token/vk_group_id community).
    plugins: tuple[str, ...] | None
    main: str | None
    callback_secret: str | None = field(default=None, repr=False)
    callback_confirmation: str | None = None


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    db_path: str = Field("./var/sferum.db", description="SQLite file, or :memory:")
    # A region (several workers) shares one PostgreSQL; set, it wins over db_path.
    db_url: str | None = Field(
        None, repr=False, description="PostgreSQL: postgresql://user@host:5432/database"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    timezone: str = Field("Europe/Moscow", description="default IANA zone for new organisations")

    # VK transport: with no token (and no [communities]) the bots run against the embedded
    # sandbox. Secrets are left out of repr(): vkbottle's debug log prints handler contexts,
    # which hold the settings.
    vk_token: str | None = Field(None, repr=False)
    vk_group_id: int | None = Field(None, ge=1)
    vk_api_url: str = "https://api.vk.ru/method/"
    transport: Literal["longpoll", "callback"] = "longpoll"
    # A region: ``sferum run`` supervises this many worker processes on one host:port
    # (SO_REUSEPORT), the Callback API only; sferum/workers.py.
    workers: int = Field(
        1, ge=1, le=64, description="worker processes of sferum run (Callback API only)"
    )
    callback_secret: str | None = Field(None, repr=False)
    callback_confirmation: str | None = None
    rate_limit: float = Field(
        20.0, gt=0, le=100_000, description="VK requests per second per token"
    )
    vk_timeout_s: float = Field(10.0, gt=0, le=120, description="timeout of one VK API call")
    max_concurrent_conversations: int = Field(64, ge=1, le=10_000)
    # A region's workers share dialog state through Redis; unset, it stays in the core database.
    redis_url: str | None = Field(
        None, repr=False, description="Redis for state shared by workers (redis://host:port/db)"
    )
    # Every key core writes to Redis starts with it: two regions (or test runs) on one Redis.
    redis_prefix: str = Field("sferum:", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")

    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = Field(8081, ge=0, le=65535, description="0 picks a free port")
    miniapp_host: str = "127.0.0.1"
    miniapp_port: int = Field(8082, ge=0, le=65535, description="0 picks a free port")
    vk_app_id: int = Field(51_000_001, ge=1)
    # No default: on real VK it must be the app's own secure key (the sandbox uses its own value).
    vk_app_secret: str | None = Field(None, min_length=8, repr=False)
    # Signs the mini-app's session cookies; generated once into the database when not set.
    session_secret: str | None = Field(None, min_length=32, repr=False)
    launch_max_age_s: int = Field(3600, ge=1, le=86_400 * 7)
    # The mini-app is reached through a TLS-terminating proxy: believe its X-Forwarded-Proto, so
    # the session cookie is Secure and SameSite=None (VK's web client embeds the app cross-site).
    # Only when the app's own port is reachable from that proxy alone.
    behind_proxy: bool = False

    bots: list[str] | None = Field(
        None, description="plugin names to run; all discovered by default"
    )
    # Real VK with one community per bot (or several bots in one, with a main one).
    communities: dict[str, CommunitySettings] = Field(default_factory=dict)
    # The file's [bots.<name>] tables, each checked by its plugin's settings model at start
    # (core/plugins/settings.py). Not a key of the file (load_settings refuses it there); out of
    # repr: a plugin's table may hold its API key.
    plugin_tables: dict[str, dict[str, Any]] = Field(default_factory=dict, repr=False)
    # The file the settings were read from, to name a plugin's key in its errors.
    _settings_file: Path | None = PrivateAttr(None)

    @property
    def settings_file(self) -> Path | None:
        return self._settings_file

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        if not is_zone(value):
            # The type names the Russian line of config_error.j2; the text is for developers.
            raise PydanticCustomError("time_zone", "an IANA time zone")
        return value

    @field_validator("db_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        # Anything else would open a SQLite file named like the typo (postgress://…); the schemes
        # are core.storage.open_database's.
        if value is not None and urlsplit(value).scheme not in ("postgresql", "postgres"):
            raise PydanticCustomError("db_url", "a postgresql:// URL")
        return value

    @field_validator("vk_api_url")
    @classmethod
    def _url_form(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or not value.endswith("/"):
            raise PydanticCustomError("vk_api_url", "an http(s) URL ending with '/'")
        return value

    @property
    def uses_sandbox(self) -> bool:
        return self.vk_token is None and not self.communities

    def vk_communities(self) -> list[VkCommunity]:
        """The communities to serve on real VK ([] on the sandbox), plugins and main filled in."""
        if self.communities:
            found: list[VkCommunity] = []
            for name, entry in self.communities.items():
                plugins = entry.plugins or (name,)
                main = entry.main or (plugins[0] if len(plugins) == 1 else None)
                found.append(
                    VkCommunity(
                        name,
                        entry.group_id,
                        entry.token,
                        plugins,
                        main,
                        entry.callback_secret,
                        entry.callback_confirmation,
                    )
                )
            return found
        if self.vk_token is None or self.vk_group_id is None:
            return []
        return [
            VkCommunity(
                "vk",
                self.vk_group_id,
                self.vk_token,
                None,
                None,
                self.callback_secret,
                self.callback_confirmation,
            )
        ]

    @property
    def app_secret(self) -> str:
        """The mini-app's secure key: the configured one, or the sandbox's own value when the
        bots run against the embedded sandbox. Outside the sandbox there is no default."""
        if self.uses_sandbox:
            return self.vk_app_secret or SANDBOX_APP_SECRET
        problem = _key_problem("vk_app_secret", self.vk_app_secret, VK_SECURE_KEY_LENGTH, {})
        if problem is not None:
            raise ConfigError(problem)
        assert self.vk_app_secret is not None
        return self.vk_app_secret

    @property
    def database(self) -> str:
        """What ``open_database`` opens: the PostgreSQL URL when set, else the SQLite path."""
        return self.db_url or self.db_path

    @property
    def database_shown(self) -> str:
        """The database as a message may name it: a PostgreSQL URL loses its password."""
        if self.db_url is None:
            return self.db_path
        parts = urlsplit(self.db_url)
        if parts.password is None:
            return self.db_url
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))

    @property
    def db_file(self) -> Path | None:
        """The SQLite file (None in memory and on PostgreSQL)."""
        if self.db_url is not None or self.db_path == ":memory:":
            return None
        return Path(self.db_path)


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, field_info in Settings.model_fields.items():
        key = f"SFERUM_{name.upper()}"
        if key in environ and name not in ("communities", "plugin_tables"):
            raw = environ[key]
            if field_info.annotation == list[str] | None:
                found[name] = [part.strip() for part in raw.split(",") if part.strip()]
            else:
                found[name] = raw
    if "VK_APP_SECRET" in environ and "vk_app_secret" not in found:
        found["vk_app_secret"] = environ["VK_APP_SECRET"]
    return found


def community_env_key(name: str, field_name: str) -> str:
    """``SFERUM_COMMUNITIES_SCHOOL_TOKEN`` for ``[communities.school] token``."""
    return f"SFERUM_COMMUNITIES_{name.upper()}_{field_name.upper()}"


def _community_env(
    table: Any, environ: Mapping[str, str], source: dict[str, str]
) -> dict[str, Any]:
    """The file's [communities] with the secrets the environment gives for them."""
    if not isinstance(table, dict):
        return table  # type: ignore[no-any-return]  # validation names the key
    merged: dict[str, Any] = {}
    for name, entry in table.items():
        if not isinstance(entry, dict):
            merged[name] = entry
            continue
        entry = dict(entry)
        for field_name in COMMUNITY_ENV_FIELDS:
            key = community_env_key(str(name), field_name)
            if key in environ:
                entry[field_name] = environ[key]
                source[f"communities.{name}.{field_name}"] = key
        merged[name] = entry
    return merged


def _file_key(path: Path, key: str) -> str:
    """Where a key of the settings file is: ``sferum.toml: ключ communities.school.token``."""
    from core.texts import CORE_TEXTS

    return CORE_TEXTS.render("config_file_key.j2", path=str(path), key=key)


settings_file_key = _file_key  # for the plugins' settings (core/plugins/settings.py)


def _bots_problem(path: Path, kind: str, key: str = "bots") -> str:
    from core.texts import CORE_TEXTS

    return CORE_TEXTS.render("config_bots.j2", where=_file_key(path, key), kind=kind)


def _plugin_tables(path: Path, data: dict[str, Any], table: dict[str, Any]) -> dict[str, Any]:
    """The [bots.<name>] tables of the file. ``bots`` is either the list of plugins to run
    (at the top level or in [sferum]) or, at the top level, the table of plugin settings — then
    the list goes under [sferum]."""
    found = data.get("bots")
    if "plugin_tables" in table:
        raise ConfigError(_bots_problem(path, "reserved", "plugin_tables"))
    if table is not data and isinstance(table.get("bots"), dict):
        raise ConfigError(_bots_problem(path, "in_sferum", "sferum.bots"))
    if not isinstance(found, dict):
        return {}
    for name, entry in found.items():
        if not isinstance(entry, dict):
            raise ConfigError(_bots_problem(path, "not_table", f"bots.{name}"))
    return found


def _describe(error: Mapping[str, Any], source: Mapping[str, str], path: Path) -> str:
    """One Russian line for the first validation error, naming the key as it was written."""
    from core.texts import CORE_TEXTS

    loc = [str(part) for part in error["loc"]]
    top = loc[0] if loc else ""
    dotted = ".".join(loc)
    where = source.get(dotted) or source.get(top) or CORE_TEXTS.render("config_key.j2", key=top)
    if top == "communities" and len(loc) > 1 and dotted not in source:
        where = _file_key(path, dotted)  # [communities] only comes from the file
    also_in = None
    secret_of_table = top == "communities" and len(loc) > 2 and loc[2] in COMMUNITY_ENV_FIELDS
    if error.get("type") == "missing" and secret_of_table:
        also_in = community_env_key(loc[1], loc[2])
    return describe_error(error, where, Settings, also_in=also_in)


def _secret_problem(key: str, problem: str, source: Mapping[str, str], **values: Any) -> str:
    from core.texts import CORE_TEXTS

    where = source.get(key) or CORE_TEXTS.render("config_key.j2", key=key)
    return CORE_TEXTS.render("config_secret.j2", key=key, where=where, problem=problem, **values)


def _key_problem(key: str, value: str | None, length: int, where: Mapping[str, str]) -> str | None:
    """Why one secret cannot be used on real VK, or None."""
    if not value:
        return _secret_problem(key, "missing", where)
    if value in SANDBOX_SECRETS:
        return _secret_problem(key, "sandbox", where)
    if len(value) < length:
        return _secret_problem(key, "short", where, length=length)
    return None


def _community_where(name: str, key: str, source: Mapping[str, str]) -> str:
    from core.texts import CORE_TEXTS

    return source.get(f"communities.{name}.{key}") or CORE_TEXTS.render(
        "config_community_key.j2", name=name, key=key, env=community_env_key(name, key)
    )


def community_problems(settings: Settings, source: Mapping[str, str] | None = None) -> list[str]:
    """What is wrong with [communities] as a whole, one Russian line each naming the key."""
    from core.texts import CORE_TEXTS

    if not settings.communities:
        return []
    where = source or {}

    def problem(name: str, key: str, kind: str, **values: Any) -> str:
        return CORE_TEXTS.render(
            "config_communities.j2",
            where=_community_where(name, key, where),
            kind=kind,
            name=name,
            **values,
        )

    found: list[str] = []
    for key in ("vk_token", "vk_group_id", "bots"):
        if getattr(settings, key) is not None:
            place = where.get(key) or CORE_TEXTS.render("config_key.j2", key=key)
            found.append(CORE_TEXTS.render("config_communities.j2", where=place, kind=key))
    groups: dict[int, str] = {}
    tokens: dict[str, str] = {}
    for name, entry in settings.communities.items():
        if not COMMUNITY_NAME.match(name):
            found.append(problem(name, "", "name", pattern=COMMUNITY_NAME.pattern))
            continue
        if entry.group_id in groups:
            found.append(problem(name, "group_id", "same_group", other=groups[entry.group_id]))
        groups.setdefault(entry.group_id, name)
        if entry.token in tokens:
            found.append(problem(name, "token", "same_token", other=tokens[entry.token]))
        tokens.setdefault(entry.token, name)
        plugins = entry.plugins or (name,)
        if len(set(plugins)) != len(plugins):
            found.append(problem(name, "plugins", "repeated"))
        if entry.main is not None and entry.main not in plugins:
            found.append(problem(name, "main", "main_unknown", plugins=plugins))
        if entry.main is None and len(plugins) > 1:
            found.append(problem(name, "main", "main_missing", plugins=plugins))
    return found


def secret_problems(settings: Settings, source: Mapping[str, str] | None = None) -> list[str]:
    """What keeps these settings from talking to real VK safely, one Russian line each (empty
    when nothing does, and always on the sandbox). ``source`` names where each key came from."""
    if settings.uses_sandbox:
        return []
    where = source or {}
    found: list[str] = []
    if settings.vk_group_id is None and not settings.communities:
        found.append(_secret_problem("vk_group_id", "missing", where))
    secrets: list[tuple[str, str | None, int]] = [
        ("vk_app_secret", settings.vk_app_secret, VK_SECURE_KEY_LENGTH)
    ]
    if settings.transport == "callback" and not settings.communities:
        secrets.append(("callback_secret", settings.callback_secret, MIN_CALLBACK_SECRET_LENGTH))
    for key, value, length in secrets:
        problem = _key_problem(key, value, length, where)
        if problem is not None:
            found.append(problem)
    if settings.transport != "callback":
        return found
    if not settings.communities:
        if not settings.callback_confirmation:
            found.append(_secret_problem("callback_confirmation", "missing", where))
        return found
    # Each community answers VK's Callback API with its own secret and confirmation string.
    for name, entry in settings.communities.items():
        places = {
            f"communities.{name}.{key}": _community_where(name, key, where)
            for key in ("callback_secret", "callback_confirmation")
        }
        secret_key = f"communities.{name}.callback_secret"
        problem = _key_problem(
            secret_key, entry.callback_secret, MIN_CALLBACK_SECRET_LENGTH, places
        )
        if problem is not None:
            found.append(problem)
        if not entry.callback_confirmation:
            confirmation_key = f"communities.{name}.callback_confirmation"
            found.append(_secret_problem(confirmation_key, "missing", places))
    return found


# tomllib's messages end with "(at line 3, column 7)"; the position is all an admin needs.
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _toml_problem(path: Path, exc: tomllib.TOMLDecodeError | None) -> str:
    """The Russian line for a settings file that is not TOML (exc) or whose [sferum] is no table."""
    from core.texts import CORE_TEXTS

    position = _TOML_POSITION.search(str(exc)) if exc is not None else None
    line, column = position.groups() if position else (None, None)
    return CORE_TEXTS.render(
        "config_file.j2", path=str(path), broken=exc is not None, line=line, column=column
    )


def load_settings(
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    *,
    require_secrets: bool = True,
) -> Settings:
    """Load and validate settings; raise ConfigError with one line on the first bad key.

    Outside the sandbox every secret is required (``secret_problems``); ``sferum doctor`` loads
    with ``require_secrets=False`` to report all of them instead of the first."""
    env = os.environ if environ is None else environ
    path = config_file or Path(env.get("SFERUM_CONFIG", "sferum.toml"))
    values: dict[str, Any] = {}
    source: dict[str, str] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            if "('bots'," in str(exc):  # `bots = [...]` beside [bots.<name>] at the top level
                raise ConfigError(_bots_problem(path, "mixed")) from None
            raise ConfigError(_toml_problem(path, exc)) from None
        table = data.get("sferum", data)
        if not isinstance(table, dict):
            raise ConfigError(_toml_problem(path, None))
        plugin_tables = _plugin_tables(path, data, table)
        values.update(table)
        if plugin_tables:
            if table is data:
                del values["bots"]
            values["plugin_tables"] = plugin_tables
        source.update({key: _file_key(path, key) for key in table})
        if table is not data and "communities" in data and "communities" not in table:
            values["communities"] = data["communities"]  # [communities] beside [sferum]
            source["communities"] = _file_key(path, "communities")
        if isinstance(values.get("communities"), dict):
            for name, entry in values["communities"].items():
                for key in entry if isinstance(entry, dict) else ():
                    dotted = f"communities.{name}.{key}"
                    source[dotted] = _file_key(path, dotted)
    if "communities" in values:
        values["communities"] = _community_env(values["communities"], env, source)
    overrides = _env_overrides(env)
    values.update(overrides)
    source.update({key: f"SFERUM_{key.upper()}" for key in overrides})
    if "vk_app_secret" in overrides and "SFERUM_VK_APP_SECRET" not in env:
        source["vk_app_secret"] = "VK_APP_SECRET"
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc.errors()[0], source, path)) from None
    settings._settings_file = path
    problems = community_problems(settings, source)
    if require_secrets:
        problems += secret_problems(settings, source)
    if problems:
        raise ConfigError(problems[0])
    return settings
