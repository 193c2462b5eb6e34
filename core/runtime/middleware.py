"""Core middleware on every event: who is this person, which roles, what dialog they are in;
activity recorded; malformed payloads refused politely. Handlers receive the result as ``ctx``."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from vkbottle import BaseMiddleware
from vkbottle.tools.mini_types.bot import MessageMin

from core.activity import ActivityKind

from .context import Ctx

if TYPE_CHECKING:
    from .community import Community

log = logging.getLogger("sferum.middleware")

MAX_PAYLOAD = 4096  # VK caps button payloads far lower; anything beyond is not from a button
MAX_TEXT = 4096


def _payload_problem(raw: Any) -> str | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, dict):
        return None
    if not isinstance(raw, str) or len(raw) > MAX_PAYLOAD:
        return "too_large"
    try:
        value = json.loads(raw)
    except ValueError:
        return "not_json"
    return None if isinstance(value, dict | int | str) else "not_object"


def message_middleware(community: Community) -> type[BaseMiddleware[MessageMin]]:
    services = community.services

    class CoreMessageMiddleware(BaseMiddleware[MessageMin]):
        async def pre(self) -> None:
            message = self.event
            if message.from_id is None or message.from_id <= 0:
                self.stop("messages from communities are not handled")
            identity = await services.identities.get(message.from_id)
            group_chat = message.peer_id > 2_000_000_000
            await services.activity.record(
                message.from_id,
                ActivityKind.GROUP_CHAT_MESSAGE if group_chat else ActivityKind.MESSAGE_TO_BOT,
                person_id=identity.person.id if identity.person else None,
                peer_id=message.peer_id,
                group_id=community.group_id,
            )
            problem = _payload_problem(message.payload)
            if problem is None and len(message.text or "") > MAX_TEXT:
                problem = "too_long"
            if problem is not None:
                log.warning("refused a message from %s: %s", message.from_id, problem)
                await message.answer(services.texts.render("malformed.j2", problem=problem))
                self.stop(f"malformed message: {problem}")
            dialog = await services.dialogs.load(community.group_id, message.from_id)
            self.send(
                {
                    "cx": Ctx(
                        services,
                        community.group_id,
                        community.api,
                        identity,
                        dialog,
                        message.peer_id,
                    )
                }
            )

    return CoreMessageMiddleware


def event_middleware(community: Community) -> type[BaseMiddleware[dict[str, Any]]]:
    services = community.services

    class CoreEventMiddleware(BaseMiddleware[dict[str, Any]]):
        async def pre(self) -> None:
            obj = self.event.get("object")
            if not isinstance(obj, dict):
                self.stop("event without object")
            user_id = obj.get("user_id") or obj.get("from_id")
            if not isinstance(user_id, int) or user_id <= 0:
                self.stop("event without a user")
            identity = await services.identities.get(user_id)
            await services.activity.record(
                user_id,
                ActivityKind.BUTTON,
                person_id=identity.person.id if identity.person else None,
                peer_id=obj.get("peer_id"),
                group_id=community.group_id,
            )
            dialog = await services.dialogs.load(community.group_id, user_id)
            self.send(
                {
                    "cx": Ctx(
                        services,
                        community.group_id,
                        community.api,
                        identity,
                        dialog,
                        int(obj.get("peer_id") or user_id),
                    )
                }
            )

    return CoreEventMiddleware
