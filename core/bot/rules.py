"""Rules on typed payloads, for messages and callback-button events (``message_event``) alike.

They read the payload the core middleware decoded once per event (``cx.payload``)."""

from __future__ import annotations

from typing import Any

from vkbottle.dispatch.rules import ABCRule

from core.rules import payload_of
from core.runtime.context import Ctx

from .payload import Payload


def _decoded(event: Any, cx: Ctx | None) -> dict[str, Any]:
    if cx is not None:
        return cx.payload
    # A labeler driven without the core middleware: decode it here.
    raw = getattr(event, "payload", None)
    if isinstance(raw, dict):
        return raw
    return payload_of(event) if isinstance(raw, str) else {}


class Pressed(ABCRule[Any]):
    """A button whose payload parses as one of ``classes``; the handler gets the parsed instance
    as ``payload`` (declare ``payload: Train``). A forged or stale payload of the same action
    does not match (its fields do not validate), so it never reaches the handler."""

    def __init__(self, *classes: type[Payload]) -> None:
        if not classes:
            raise TypeError("Pressed() needs at least one Payload class")
        for cls in classes:
            cls.wire_action()  # a base without an action is a bug here, not a silent miss
        self.classes = classes

    async def check(self, event: Any, cx: Ctx | None = None) -> bool | dict[str, Any]:
        data = _decoded(event, cx)
        if not data:
            return False
        for cls in self.classes:
            parsed = cls.parse(data)
            if parsed is not None:
                return {"payload": parsed}
        return False

    def __repr__(self) -> str:
        return f"Pressed({', '.join(cls.__qualname__ for cls in self.classes)})"


class PayloadOf(ABCRule[Any]):
    """Any button of the plugin owning ``key`` (its payload has the key), whatever its action
    and fields: a stale button of an older version included. Passes the decoded dict as
    ``payload``."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def check(self, event: Any, cx: Ctx | None = None) -> bool | dict[str, Any]:
        data = _decoded(event, cx)
        return {"payload": data} if self.key in data else False


class Typed(ABCRule[Any]):
    """A typed message, not a button press (of this plugin or another)."""

    async def check(self, event: Any, cx: Ctx | None = None) -> bool:
        return not _decoded(event, cx)
