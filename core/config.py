"""Settings from environment variables and an optional TOML file, validated at start.

Precedence: defaults < ``sferum.toml`` (or the file named by ``SFERUM_CONFIG``) < environment.
Environment keys are ``SFERUM_<FIELD>`` upper-cased (``SFERUM_DB_PATH``); the mini-app's secret
also reads ``VK_APP_SECRET`` because that is the name VK's documentation uses.
A bad value stops start-up with one line naming the key and the expected form.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class ConfigError(Exception):
    """Raised with a single human-readable line: which key, what was expected, what was given."""


_EXPECTED: dict[str, str] = {
    "int_parsing": "an integer",
    "int_type": "an integer",
    "greater_than_equal": "a number",
    "less_than_equal": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "float_parsing": "a number",
    "literal_error": "one of the allowed values",
    "extra_forbidden": "no such setting",
    "string_type": "a string",
    "url_parsing": "a URL",
}


# The sandbox's published values: they sign nothing outside the sandbox.
SANDBOX_APP_SECRET = "sandbox-app-secret"
SANDBOX_SECRETS = frozenset({SANDBOX_APP_SECRET, "s3cret", "sandbox-callback-secret"})
# VK's secure keys of mini-apps are 20 characters; anything shorter is not one.
VK_SECURE_KEY_LENGTH = 20
# VK lets a community choose its Callback API secret (up to 50 characters); a short one can be
# guessed by whoever can reach the callback URL.
MIN_CALLBACK_SECRET_LENGTH = 16


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    db_path: str = Field("./var/sferum.db", description="SQLite file, or :memory:")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    timezone: str = Field("Europe/Moscow", description="default IANA zone for new organisations")

    # VK transport: with no token the bots run against the embedded sandbox. Secrets are left out
    # of repr(): vkbottle's debug log prints handler contexts, which hold the settings.
    vk_token: str | None = Field(None, repr=False)
    vk_group_id: int | None = Field(None, ge=1)
    vk_api_url: str = "https://api.vk.ru/method/"
    transport: Literal["longpoll", "callback"] = "longpoll"
    callback_secret: str | None = Field(None, repr=False)
    callback_confirmation: str | None = None
    rate_limit: float = Field(
        20.0, gt=0, le=100_000, description="VK requests per second per token"
    )
    vk_timeout_s: float = Field(10.0, gt=0, le=120, description="timeout of one VK API call")
    max_concurrent_conversations: int = Field(64, ge=1, le=10_000)

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

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("an IANA time zone such as Europe/Moscow") from None
        return value

    @field_validator("vk_api_url")
    @classmethod
    def _url_form(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or not value.endswith("/"):
            raise ValueError("an http(s) URL ending with '/', e.g. https://api.vk.ru/method/")
        return value

    @property
    def uses_sandbox(self) -> bool:
        return self.vk_token is None

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
    def db_file(self) -> Path | None:
        return None if self.db_path == ":memory:" else Path(self.db_path)


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        key = f"SFERUM_{name.upper()}"
        if key in environ:
            raw = environ[key]
            if field.annotation == list[str] | None:
                found[name] = [part.strip() for part in raw.split(",") if part.strip()]
            else:
                found[name] = raw
    if "VK_APP_SECRET" in environ and "vk_app_secret" not in found:
        found["vk_app_secret"] = environ["VK_APP_SECRET"]
    return found


def _describe(error: Mapping[str, Any], source: Mapping[str, str]) -> str:
    field = str(error["loc"][0]) if error["loc"] else "?"
    where = source.get(field, f"setting {field!r}")
    expected = error.get("msg", "")
    kind = str(error.get("type", ""))
    if kind == "value_error":
        expected = expected.removeprefix("Value error, ")
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        words = {"ge": "at least", "le": "at most", "gt": "above", "lt": "below"}
        limits = ", ".join(f"{words[k]} {v}" for k, v in (error.get("ctx") or {}).items())
        expected = f"a number {limits}"
    elif kind == "literal_error":
        expected = "one of " + str((error.get("ctx") or {}).get("expected", ""))
    elif kind == "string_too_short":
        expected = f"at least {(error.get('ctx') or {}).get('min_length')} characters"
    else:
        expected = _EXPECTED.get(kind, expected)
    given = error.get("input")
    return f"{where}: expected {expected}, got {given!r}"


def _secret_problem(key: str, problem: str, source: Mapping[str, str], **values: Any) -> str:
    from core.texts import CORE_TEXTS

    where = source.get(key) or CORE_TEXTS.render("config_key.j2", key=key)
    return CORE_TEXTS.render(
        "config_secret.j2", key=key, where=where, problem=problem, **values
    )


def _key_problem(key: str, value: str | None, length: int, where: Mapping[str, str]) -> str | None:
    """Why one secret cannot be used on real VK, or None."""
    if not value:
        return _secret_problem(key, "missing", where)
    if value in SANDBOX_SECRETS:
        return _secret_problem(key, "sandbox", where)
    if len(value) < length:
        return _secret_problem(key, "short", where, length=length)
    return None


def secret_problems(settings: Settings, source: Mapping[str, str] | None = None) -> list[str]:
    """What keeps these settings from talking to real VK safely, one Russian line each (empty
    when nothing does, and always on the sandbox). ``source`` names where each key came from."""
    if settings.uses_sandbox:
        return []
    where = source or {}
    found: list[str] = []
    if settings.vk_group_id is None:
        found.append(_secret_problem("vk_group_id", "missing", where))
    secrets: list[tuple[str, str | None, int]] = [
        ("vk_app_secret", settings.vk_app_secret, VK_SECURE_KEY_LENGTH)
    ]
    if settings.transport == "callback":
        secrets.append(
            ("callback_secret", settings.callback_secret, MIN_CALLBACK_SECRET_LENGTH)
        )
    for key, value, length in secrets:
        problem = _key_problem(key, value, length, where)
        if problem is not None:
            found.append(problem)
    if settings.transport == "callback" and not settings.callback_confirmation:
        found.append(_secret_problem("callback_confirmation", "missing", where))
    return found


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
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        table = data.get("sferum", data)
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [sferum] must be a table of settings")
        values.update(table)
        source.update({key: f"{path}: key {key!r}" for key in table})
    overrides = _env_overrides(env)
    values.update(overrides)
    source.update({key: f"SFERUM_{key.upper()}" for key in overrides})
    if "vk_app_secret" in overrides and "SFERUM_VK_APP_SECRET" not in env:
        source["vk_app_secret"] = "VK_APP_SECRET"
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc.errors()[0], source)) from None
    problems = secret_problems(settings, source) if require_secrets else []
    if problems:
        raise ConfigError(problems[0])
    return settings
