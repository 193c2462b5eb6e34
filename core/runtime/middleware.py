"""Core middleware on every event: who is this person, which roles, what dialog they are in;
activity recorded (messages, buttons, chats created, calls); service messages and calls kept from
handlers; malformed payloads refused politely. Handlers receive the result as ``cx``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vkbottle import BaseMiddleware
from vkbottle.tools.mini_types.bot import MessageMin

from core.activity import ActivityKind, ActivityRecorder
from core.people import Identity
from core.texts import Texts

from .context import Ctx
from .dialogs import Dialog, DialogStore
from .identities import IdentityCache

log = logging.getLogger("sferum.middleware")

MAX_PAYLOAD = 4096  # VK caps button payloads far lower; anything beyond is not from a button
MAX_TEXT = 4096
# Attachments by which VK records a call in the conversation it was made in.
CALL_ATTACHMENTS = frozenset({"call", "group_call_in_progress"})


def service_action(message: MessageMin) -> str | None:
    """The type of a service message (chat_create, chat_invite_user, ...); None when a person
    wrote it. VK sends service messages with empty text and an ``action`` object."""
    action = message.action
    if action is None:
        return None
    return str(getattr(action.type, "value", action.type))


def call_initiator(message: MessageMin) -> int | None:
    """Who made the call this message records (the call's initiator, else the sender); None when
    the message records no call."""
    for attachment in message.attachments or ():
        kind = str(getattr(attachment.type, "value", attachment.type))
        if kind not in CALL_ATTACHMENTS:
            continue
        call = getattr(attachment, kind, None)
        initiator = (
            call.get("initiator_id")
            if isinstance(call, dict)
            else getattr(call, "initiator_id", None)
        )
        return initiator if isinstance(initiator, int) and initiator > 0 else message.from_id
    return None


def decode_payload(raw: Any) -> tuple[dict[str, Any], str | None]:
    """(the payload as a dict, the problem refusing it): decoded here once per event, handed to
    handlers and rules as ``cx.payload`` ({} for VK's bare numbers and strings)."""
    if raw in (None, ""):
        return {}, None
    if isinstance(raw, dict):
        return raw, None
    if not isinstance(raw, str) or len(raw) > MAX_PAYLOAD:
        return {}, "too_large"
    try:
        value = json.loads(raw)
    except ValueError:
        return {}, "not_json"
    if isinstance(value, dict):
        return value, None
    return {}, None if isinstance(value, int | str) else "not_object"


@dataclass(frozen=True)
class Intake:
    """What core's middleware reads for every event of one community, and how it makes the
    handler's context (the community binds its services, group and API)."""

    group_id: int
    identities: IdentityCache
    activity: ActivityRecorder
    dialogs: DialogStore
    texts: Texts
    # (identity, dialog, peer id, decoded payload) -> the handler's ``cx``
    context: Callable[[Identity, Dialog, int, dict[str, Any]], Ctx]


def message_middleware(intake: Intake) -> type[BaseMiddleware[MessageMin]]:
    class CoreMessageMiddleware(BaseMiddleware[MessageMin]):
        async def pre(self) -> None:
            message = self.event
            if message.from_id is None or message.from_id <= 0:
                self.stop("messages from communities are not handled")
            identity = await intake.identities.get(message.from_id)
            person_id = identity.person.id if identity.person else None
            # Service messages and calls are things people did, not text to a bot: recorded
            # as what they are, and no handler sees them (nobody typed, nobody expects a reply).
            action = service_action(message)
            if action is not None:
                if action == "chat_create":
                    await intake.activity.record(
                        message.from_id,
                        ActivityKind.CHAT_CREATED,
                        person_id=person_id,
                        peer_id=message.peer_id,
                        group_id=intake.group_id,
                    )
                self.stop(f"service message: {action}")
            caller = call_initiator(message)
            if caller is not None:
                if caller != message.from_id:
                    known = await intake.identities.get(caller)
                    person_id = known.person.id if known.person else None
                await intake.activity.record(
                    caller,
                    ActivityKind.CALL,
                    person_id=person_id,
                    peer_id=message.peer_id,
                    group_id=intake.group_id,
                )
                self.stop("a call")
            group_chat = message.peer_id > 2_000_000_000
            await intake.activity.record(
                message.from_id,
                ActivityKind.GROUP_CHAT_MESSAGE if group_chat else ActivityKind.MESSAGE_TO_BOT,
                person_id=person_id,
                peer_id=message.peer_id,
                group_id=intake.group_id,
            )
            payload, problem = decode_payload(message.payload)
            if problem is None and len(message.text or "") > MAX_TEXT:
                problem = "too_long"
            if problem is not None:
                log.warning("refused a message from %s: %s", message.from_id, problem)
                await message.answer(intake.texts.render("malformed.j2", problem=problem))
                self.stop(f"malformed message: {problem}")
            dialog = await intake.dialogs.load(intake.group_id, message.from_id)
            self.send({"cx": intake.context(identity, dialog, message.peer_id, payload)})

    return CoreMessageMiddleware


def event_middleware(intake: Intake) -> type[BaseMiddleware[dict[str, Any]]]:
    class CoreEventMiddleware(BaseMiddleware[dict[str, Any]]):
        async def pre(self) -> None:
            obj = self.event.get("object")
            if not isinstance(obj, dict):
                self.stop("event without object")
            user_id = obj.get("user_id") or obj.get("from_id")
            if not isinstance(user_id, int) or user_id <= 0:
                self.stop("event without a user")
            identity = await intake.identities.get(user_id)
            await intake.activity.record(
                user_id,
                ActivityKind.BUTTON,
                person_id=identity.person.id if identity.person else None,
                peer_id=obj.get("peer_id"),
                group_id=intake.group_id,
            )
            dialog = await intake.dialogs.load(intake.group_id, user_id)
            peer_id = int(obj.get("peer_id") or user_id)
            payload = decode_payload(obj.get("payload"))[0]
            self.send({"cx": intake.context(identity, dialog, peer_id, payload)})

    return CoreEventMiddleware
