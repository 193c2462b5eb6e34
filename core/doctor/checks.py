"""One function per thing ``sferum doctor`` checks, each returning a ``Check``: a stable name, the
outcome, and the one Russian line (from templates/) a school's admin reads.

Remote checks ask VK only what the official schema (vendor/vk-api-schema) documents:
``groups.getById`` (with ``fields=can_message``), ``groups.getTokenPermissions``,
``groups.getLongPollSettings``, ``groups.getCallbackServers`` and ``groups.getCallbackSettings``.
Nothing here changes VK or the database.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.config import Settings, secret_problems
from core.plugins.loader import PluginLoadError, discover, plugin_migrations
from core.storage import Database, MigrationError, load_migrations, open_database
from core.texts import CORE_TEXTS, Texts

from .vk_client import API_VERSION, VkAnswer, VkCaller

TEXTS = Texts.for_package("core.doctor")

# What the runtime subscribes to (README, "Real VK instead of the sandbox"): messages in and out,
# callback buttons, and people allowing or denying the community's messages.
REQUIRED_EVENTS = ("message_new", "message_reply", "message_event", "message_allow", "message_deny")
# groups.getTokenPermissions: the bit of the right "Сообщения сообщества".
MESSAGES_RIGHT = 4096
# VK recommends checking that vk_ts is fresh; a launch link older than a day is stale.
MAX_SENSIBLE_LAUNCH_AGE_S = 86_400
# The first bytes of every SQLite database file (an empty file is an empty database too).
SQLITE_HEADER = b"SQLite format 3\x00"
NOT_SQLITE = "file is not an SQLite database"
# A PostgreSQL server that does not answer is reported, not waited for (asyncpg waits 60 s).
CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str  # stable, for tests and scripts: "token", "longpoll", "database", ...
    ok: bool | None  # None: a warning, worth reading but not a reason to fail
    line: str


@dataclass(frozen=True, slots=True)
class TokenOwner:
    """The community a token belongs to, as groups.getById names it."""

    id: int
    name: str


class OddAnswer(Exception):
    """VK answered, but not in the shape its schema documents."""

    def __init__(self, method: str, detail: str) -> None:
        super().__init__(f"{method}: {detail}")
        self.method = method
        self.detail = detail


def label(name: str) -> str:
    return TEXTS.label(name)


def vk_error(name: str, method: str, answer: VkAnswer) -> Check:
    line = TEXTS.render(
        "vk_error.j2",
        label=label(name),
        method=method,
        code=answer.error_code,
        error=answer.error_msg,
    )
    return Check(name, False, line)


def skipped(name: str) -> Check:
    return Check(name, None, TEXTS.render("skipped.j2", label=label(name)))


def _object(value: Any, method: str, what: str = "response") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise OddAnswer(method, f"{what} is not an object")
    return value


def _enabled_events(events: Any, method: str) -> set[str]:
    return {name for name, on in _object(events, method, "events").items() if on == 1}


# -- VK: the token and the community ---------------------------------------------------------


async def check_token(vk: VkCaller, group_id: int | None) -> tuple[Check, TokenOwner | None]:
    """A community token answers groups.getById with its own community."""
    answer = await vk.call("groups.getById", fields="can_message")
    if not answer.ok:
        problem = "invalid" if answer.error_code == 5 else "refused"
        line = TEXTS.render(
            "token.j2", problem=problem, code=answer.error_code, error=answer.error_msg
        )
        return Check("token", False, line), None
    groups = _object(answer.response, "groups.getById").get("groups")
    if not isinstance(groups, list) or not groups or not isinstance(groups[0], dict):
        raise OddAnswer("groups.getById", "no groups in the answer")
    found = groups[0]
    if not isinstance(found.get("id"), int):
        raise OddAnswer("groups.getById", "the group has no id")
    owner = TokenOwner(found["id"], str(found.get("name") or ""))
    values = {"name": owner.name, "group_id": owner.id, "expected": group_id}
    if group_id is None:
        ok, problem = None, "no_group_id"
    elif owner.id != group_id:
        ok, problem = False, "mismatch"
    else:
        ok, problem = True, "ok"
    return Check("token", ok, TEXTS.render("token.j2", problem=problem, **values)), owner


async def check_messages_right(vk: VkCaller, group_id: int) -> Check:
    """The token's right «Сообщения сообщества» (a token carries its community: no group_id)."""
    answer = await vk.call("groups.getTokenPermissions")
    if not answer.ok:
        return vk_error("messages_right", "groups.getTokenPermissions", answer)
    mask = _object(answer.response, "groups.getTokenPermissions").get("mask")
    if not isinstance(mask, int):
        raise OddAnswer("groups.getTokenPermissions", "no mask")
    has = bool(mask & MESSAGES_RIGHT)
    line = TEXTS.render("messages_right.j2", problem="ok" if has else "missing")
    return Check("messages_right", has, line)


async def check_community_messages(vk: VkCaller, group_id: int) -> Check:
    """The community setting «Сообщения сообщества»: people can write to it (can_message)."""
    answer = await vk.call("groups.getById", group_id=group_id, fields="can_message")
    if not answer.ok:
        return vk_error("community_messages", "groups.getById", answer)
    groups = _object(answer.response, "groups.getById").get("groups")
    found = groups[0] if isinstance(groups, list) and groups else None
    can_message = found.get("can_message") if isinstance(found, dict) else None
    if can_message is None:
        return Check(
            "community_messages", None, TEXTS.render("community_messages.j2", problem="unknown")
        )
    on = can_message == 1
    line = TEXTS.render("community_messages.j2", problem="ok" if on else "off")
    return Check("community_messages", on, line)


def _event_values(settings: dict[str, Any], method: str) -> dict[str, Any]:
    enabled = _enabled_events(settings.get("events"), method)
    version = settings.get("api_version")
    return {
        "version": version if isinstance(version, str) else None,
        "api_version": API_VERSION,
        "missing": [name for name in REQUIRED_EVENTS if name not in enabled],
        "required": REQUIRED_EVENTS,
    }


async def check_longpoll(vk: VkCaller, group_id: int) -> Check:
    method = "groups.getLongPollSettings"
    answer = await vk.call(method, group_id=group_id)
    if not answer.ok:
        return vk_error("longpoll", method, answer)
    settings = _object(answer.response, method)
    values = _event_values(settings, method)
    enabled = settings.get("is_enabled") is True
    ok = enabled and values["version"] == API_VERSION and not values["missing"]
    line = TEXTS.render("longpoll.j2", problem="ok" if ok else "wrong", enabled=enabled, **values)
    return Check("longpoll", ok, line)


async def check_callback_server(vk: VkCaller, group_id: int) -> Check:
    """A server at …/callback/<group_id>, confirmed, sending the events the runtime needs."""
    method = "groups.getCallbackServers"
    answer = await vk.call(method, group_id=group_id)
    if not answer.ok:
        return vk_error("callback_server", method, answer)
    items = _object(answer.response, method).get("items")
    servers = [s for s in items if isinstance(s, dict)] if isinstance(items, list) else []
    path = f"/callback/{group_id}"
    ours = [s for s in servers if str(s.get("url", "")).rstrip("/").endswith(path)]
    if not ours:
        others = [str(s.get("url", "")) for s in servers]
        line = TEXTS.render("callback.j2", problem="missing", group_id=group_id, others=others)
        return Check("callback_server", False, line)
    # Several servers may point at us (old and new host); a confirmed one is what counts.
    server = next((s for s in ours if s.get("status") == "ok"), ours[0])
    url = str(server.get("url"))
    if server.get("status") != "ok":
        line = TEXTS.render(
            "callback.j2", problem="unconfirmed", url=url, status=server.get("status")
        )
        return Check("callback_server", False, line)
    settings_method = "groups.getCallbackSettings"
    answer = await vk.call(settings_method, group_id=group_id, server_id=server.get("id", 0))
    if not answer.ok:
        return vk_error("callback_server", settings_method, answer)
    values = _event_values(_object(answer.response, settings_method), settings_method)
    ok = values["version"] == API_VERSION and not values["missing"]
    line = TEXTS.render("callback.j2", problem="ok" if ok else "events", url=url, **values)
    return Check("callback_server", ok, line)


# -- settings ---------------------------------------------------------------------------------


def _problems_by_key(settings: Settings) -> dict[str, list[str]]:
    """secret_problems' lines, by the key each names (every line starts with where the key is
    set, rendered by core/templates/config_key.j2 when no source is given)."""
    keys = ("vk_group_id", "vk_app_secret", "callback_secret", "callback_confirmation")
    prefixes = {key: CORE_TEXTS.render("config_key.j2", key=key) for key in keys}
    found: dict[str, list[str]] = {}
    for line in secret_problems(settings):
        key = next((k for k, p in prefixes.items() if line.startswith(p)), "other")
        found.setdefault(key, []).append(line)
    return found


def check_required_settings(settings: Settings) -> list[Check]:
    """vk_group_id, and whatever else secret_problems names that no other check covers."""
    problems = _problems_by_key(settings)
    return [
        *(Check("vk_group_id", False, line) for line in problems.get("vk_group_id", [])),
        *(Check("settings", False, line) for line in problems.get("other", [])),
    ]


def check_miniapp(settings: Settings) -> list[Check]:
    """The mini-app's id, its secure key, and how old a launch it accepts."""
    checks: list[Check] = []
    sandbox_id = Settings.model_fields["vk_app_id"].default
    if settings.vk_app_id == sandbox_id:
        line = TEXTS.render("miniapp.j2", problem="app_id_sandbox", app_id=settings.vk_app_id)
        checks.append(Check("miniapp_id", False, line))
    else:
        line = TEXTS.render("miniapp.j2", problem="app_id_ok", app_id=settings.vk_app_id)
        checks.append(Check("miniapp_id", True, line))
    problems = _problems_by_key(settings)
    secret = problems.get("vk_app_secret", [])
    if secret:
        checks.extend(Check("miniapp_secret", False, line) for line in secret)
    else:
        checks.append(
            Check("miniapp_secret", True, TEXTS.render("miniapp.j2", problem="secret_ok"))
        )
    seconds = settings.launch_max_age_s
    fresh = seconds <= MAX_SENSIBLE_LAUNCH_AGE_S
    line = TEXTS.render(
        "miniapp.j2",
        problem="age_ok" if fresh else "age_long",
        seconds=seconds,
        limit=MAX_SENSIBLE_LAUNCH_AGE_S,
    )
    checks.append(Check("launch_age", True if fresh else None, line))
    return checks


def check_callback_secrets(settings: Settings) -> list[Check]:
    problems = _problems_by_key(settings)
    lines = problems.get("callback_secret", []) + problems.get("callback_confirmation", [])
    if not lines:
        return [Check("callback_secrets", True, TEXTS.render("callback_secrets.j2"))]
    return [Check("callback_secrets", False, line) for line in lines]


# -- the database -----------------------------------------------------------------------------


def _versions(numbers: set[int]) -> list[str]:
    return [f"{n:04d}" for n in sorted(numbers)]


def _database(ok: bool | None, problem: str, **values: Any) -> Check:
    return Check("database", ok, TEXTS.render("database.j2", problem=problem, **values))


def _file_problem(file: Path) -> str | None:
    """Why this file cannot be the database ("missing", "empty" or the reason), looked at before
    connecting: a connection whose set-up fails on a foreign file would stay open, and its thread
    would keep the process alive; and connecting would write a header into an empty file."""
    if not file.is_file():
        return "missing"
    try:
        with file.open("rb") as opened:
            header = opened.read(len(SQLITE_HEADER))
    except OSError as exc:
        return str(exc)
    if not header:
        return "empty"
    return NOT_SQLITE if header != SQLITE_HEADER else None


async def _applied(db: Database) -> dict[str, set[int]]:
    # Read-only on purpose: migrations.applied_versions would create the bookkeeping table.
    if db.dialect.name == "postgresql":
        # The schema the connection works in (search_path), where migrate keeps its table.
        exists = await db.fetchval(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
        )
    else:
        exists = await db.fetchval(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
    if not exists:
        return {}
    applied: dict[str, set[int]] = {}
    for row in await db.fetchall("SELECT namespace, version FROM schema_migrations"):
        applied.setdefault(str(row["namespace"]), set()).add(int(row["version"]))
    return applied


async def check_database(settings: Settings) -> Check:
    """Reachable, and every namespace (core and each installed bot) at its latest migration —
    without applying any: ``sferum migrate`` does that. A PostgreSQL ``db_url`` is connected
    to and read the same way (its password never shown); a SQLite file is looked at first."""
    path = settings.database_shown
    try:
        plugins = discover(settings.bots)
        expected: dict[str, set[int]] = {
            "core": {m.version for m in load_migrations("core", "core.storage")}
        }
        for plugin in plugins:
            expected[plugin.name] = {m.version for m in plugin_migrations(plugin)}
    except (PluginLoadError, MigrationError) as exc:
        return _database(False, "plugins", error=exc)
    problem: str | None = None
    if settings.db_url is None:
        if settings.db_file is None:
            return _database(True, "memory")
        problem = await asyncio.to_thread(_file_problem, settings.db_file)
        if problem == "missing":
            return _database(False, "missing", path=path)
        if problem not in (None, "empty"):
            return _database(False, "unreachable", path=path, error=problem)
    applied: dict[str, set[int]] = {}
    if problem is None:
        # Only reads. (Connecting switches a file in another journal mode to WAL, as every open
        # of the storage does; schema and data stay as they are.)
        db = open_database(settings.database)
        try:
            await asyncio.wait_for(db.connect(), CONNECT_TIMEOUT_S)
            applied = await _applied(db)
        except Exception as exc:  # any driver error (locked, no access, damaged) is the answer
            return _database(False, "unreachable", path=path, error=str(exc) or type(exc).__name__)
        finally:
            await db.close()
    behind = [
        (namespace, _versions(versions - applied.get(namespace, set())))
        for namespace, versions in expected.items()
        if versions - applied.get(namespace, set())
    ]
    if behind:
        return _database(False, "behind", path=path, behind=behind)
    ahead = [
        (namespace, _versions(versions - expected[namespace]))
        for namespace, versions in applied.items()
        if namespace in expected and versions - expected[namespace]
    ]
    if ahead:
        return _database(None, "ahead", path=path, ahead=ahead)
    return _database(True, "ok", path=path, plugins=[p.name for p in plugins])
