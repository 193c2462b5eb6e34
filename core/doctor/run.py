"""Run every check in order against the configured VK (or the sandbox) and the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import aiohttp
from pydantic import ValidationError

from core.config import ConfigError, Settings, VkCommunity
from core.config_errors import describe_error

from .checks import (
    TEXTS,
    Check,
    OddAnswer,
    TokenOwner,
    check_callback_secrets,
    check_callback_server,
    check_community_messages,
    check_database,
    check_longpoll,
    check_messages_right,
    check_miniapp,
    check_required_settings,
    check_token,
    label,
    skipped,
)
from .report import Report
from .vk_client import VkCaller, VkUnreachable

OVERRIDES = {"vk_api_url": "--api-url", "vk_token": "--token", "vk_group_id": "--group-id"}


def override_settings(
    settings: Settings,
    *,
    api_url: str | None = None,
    token: str | None = None,
    group_id: int | None = None,
) -> Settings:
    """Settings with the command line's --api-url, --token and --group-id, validated as the
    settings themselves are (a bad value is a ConfigError naming the option)."""
    given: dict[str, Any] = {
        "vk_api_url": api_url if api_url is None or api_url.endswith("/") else api_url + "/",
        "vk_token": token,
        "vk_group_id": group_id,
    }
    changes = {key: value for key, value in given.items() if value is not None}
    if not changes:
        return settings
    try:
        return Settings.model_validate({**settings.model_dump(), **changes})
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0]) if error["loc"] else ""
        raise ConfigError(describe_error(error, OVERRIDES.get(key, key), Settings)) from None


async def run_doctor(settings: Settings, *, http: aiohttp.ClientSession | None = None) -> Report:
    """Every check, in the order an admin fixes things; nothing is changed anywhere."""
    if not _communities(settings):
        sandbox = Check("sandbox", True, TEXTS.render("sandbox.j2"))
        return Report(settings, (sandbox, await check_database(settings)))
    if http is None:
        async with aiohttp.ClientSession() as session:
            return await _run(settings, session)
    return await _run(settings, http)


async def _run(settings: Settings, http: aiohttp.ClientSession) -> Report:
    checks: list[Check] = [*check_required_settings(settings)]
    communities = _communities(settings)
    for community in communities:
        found = await _community_checks(settings, http, community)
        if len(communities) > 1:  # each line says which community it is about
            found = [replace(c, line=f"{community.name}: {c.line}") for c in found]
        checks.extend(found)
    if settings.transport == "callback":
        checks.extend(check_callback_secrets(settings))
    checks.extend(check_miniapp(settings))
    checks.append(await check_database(settings))
    return Report(settings, tuple(checks))


def _communities(settings: Settings) -> list[VkCommunity]:
    """The communities to check; a vk_token without its vk_group_id is still checked (the token
    tells which community it is, and check_required_settings names the missing id)."""
    communities = settings.vk_communities()
    if not communities and settings.vk_token is not None:
        return [VkCommunity("vk", 0, settings.vk_token, None, None)]
    return communities


async def _community_checks(
    settings: Settings, http: aiohttp.ClientSession, community: VkCommunity
) -> list[Check]:
    """The token, its rights and the event transport of one community."""
    vk = VkCaller(http, settings.vk_api_url, community.token, settings.vk_timeout_s)
    checks: list[Check] = []
    owner: TokenOwner | None = None
    try:
        token_check, owner = await check_token(vk, community.group_id or None)
    except (VkUnreachable, OddAnswer) as exc:
        token_check = _failure("token", settings, exc)
    checks.append(token_check)
    events = (
        ("longpoll", check_longpoll)
        if settings.transport == "longpoll"
        else ("callback_server", check_callback_server)
    )
    remote: list[tuple[str, Callable[[VkCaller, int], Awaitable[Check]]]] = [
        ("messages_right", check_messages_right),
        ("community_messages", check_community_messages),
        events,
    ]
    for name, check in remote:
        # An invalid token, or one of another community, tells nothing about this community.
        if owner is None or token_check.ok is False:
            checks.append(skipped(name))
            continue
        group_id = community.group_id or owner.id
        try:
            checks.append(await check(vk, group_id))
        except (VkUnreachable, OddAnswer) as exc:
            checks.append(_failure(name, settings, exc))
    return checks


def _failure(name: str, settings: Settings, exc: VkUnreachable | OddAnswer) -> Check:
    """No answer from VK, or one not shaped as its schema says: a failed line, not a crash."""
    if isinstance(exc, OddAnswer):
        line = TEXTS.render(
            "odd_answer.j2", label=label(name), method=exc.method, detail=exc.detail
        )
    else:
        line = TEXTS.render(
            "unreachable.j2", label=label(name), url=settings.vk_api_url, reason=str(exc)
        )
    return Check(name, False, line)
