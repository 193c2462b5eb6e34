"""What a handler gets beside the event.

Handlers declare ``cx: Ctx`` to receive it: vkbottle reserves the name ``ctx`` for its own dict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.people import Identity

from .dialogs import Dialog

if TYPE_CHECKING:
    from vkbottle import API

    from .services import Services


@dataclass
class Ctx:
    services: Services
    group_id: int
    api: API
    identity: Identity
    dialog: Dialog
    peer_id: int
    # The event's button payload, decoded once by the core middleware for messages and
    # callback events alike ({} when there is none, or it is not a JSON object). Rules and
    # ``Payload.parse`` read it here instead of decoding the payload again.
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def person_id(self) -> int | None:
        return None if self.identity.person is None else self.identity.person.id

    @property
    def in_group_chat(self) -> bool:
        return self.peer_id > 2_000_000_000

    async def goto(self, step: str, **data: Any) -> None:
        """Move this person's dialog to ``step`` (persisted)."""
        await self.services.dialogs.save(self.dialog, step, **data)

    async def finish(self) -> None:
        await self.services.dialogs.clear(self.dialog)
