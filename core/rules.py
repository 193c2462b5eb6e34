"""Rule objects for handlers, combinable with ``&``, ``|`` and ``~`` (vkbottle's ABCRule).

They read the ``cx`` the core middleware provides, so a rule never queries storage itself, and
the payload it decoded once per event (``cx.payload``), so no rule decodes it again.
"""

from __future__ import annotations

import json
import re
from typing import Any

from vkbottle.dispatch.rules import ABCRule
from vkbottle.tools.mini_types.bot import MessageMin

from core.people import Position, RoleKind
from core.runtime.context import Ctx


def payload_of(message: MessageMin) -> dict[str, Any]:
    """The button payload as a dict ({} when absent; the middleware already refused bad ones)."""
    raw = message.payload
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _payload(event: MessageMin, cx: Ctx | None) -> dict[str, Any]:
    # Without the core middleware (a labeler driven by hand) there is no cx to read it from.
    return cx.payload if cx is not None else payload_of(event)


class HasRole(ABCRule[MessageMin]):
    def __init__(self, role: RoleKind, position: Position | None = None) -> None:
        self.role = role
        self.position = position

    async def check(self, event: MessageMin, cx: Ctx) -> bool:
        if self.role == RoleKind.NONE:
            return not cx.identity.roles
        return cx.identity.has(self.role, self.position)


class InDialog(ABCRule[MessageMin]):
    """The person's dialog is at ``step``, or any step starting with ``prefix``."""

    def __init__(self, step: str | None = None, *, prefix: str | None = None) -> None:
        self.step = step
        self.prefix = prefix

    async def check(self, event: MessageMin, cx: Ctx) -> bool:
        if self.prefix is not None:
            return cx.dialog.in_flow(self.prefix)
        return cx.dialog.at(self.step) if self.step is not None else cx.dialog.step is None


class Command(ABCRule[MessageMin]):
    """A button with payload ``{"cmd": name}`` or a typed word among ``words`` (case-insensitive,
    trailing punctuation and a leading slash ignored)."""

    def __init__(self, name: str, *words: str) -> None:
        self.name = name
        self.words = {w.casefold() for w in (name, *words)}

    async def check(self, event: MessageMin, cx: Ctx | None = None) -> bool | dict[str, Any]:
        payload = _payload(event, cx)
        if payload.get("cmd") == self.name:
            return {"payload": payload}
        text = re.sub(r"[!?.,\s]+$", "", (event.text or "").strip()).lstrip("/").casefold()
        return text in self.words


class PayloadHas(ABCRule[MessageMin]):
    """The button payload contains these key/value pairs; passes the payload to the handler."""

    def __init__(self, **expected: Any) -> None:
        self.expected = expected

    async def check(self, event: MessageMin, cx: Ctx | None = None) -> bool | dict[str, Any]:
        payload = _payload(event, cx)
        if all(payload.get(k) == v for k, v in self.expected.items()):
            return {"payload": payload}
        return False


class TextMatches(ABCRule[MessageMin]):
    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern, re.IGNORECASE)

    async def check(self, event: MessageMin) -> bool | dict[str, Any]:
        match = self.pattern.search(event.text or "")
        return False if match is None else {"match": match}


class PrivateChat(ABCRule[MessageMin]):
    async def check(self, event: MessageMin) -> bool:
        return event.peer_id < 2_000_000_000
