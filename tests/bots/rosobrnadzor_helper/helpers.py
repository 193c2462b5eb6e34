"""Small steps the Rosobrnadzor helper's tests share: filing an appeal through the desk and making
a demo teacher a second operator."""

from __future__ import annotations

from bots.rosobrnadzor_helper.appeals import Appeal
from bots.rosobrnadzor_helper.desk import Desk
from core.people import Identity, Position
from core.runtime.services import Services

from .conftest import GROUP_ID

TEXT = "Меня включили в график аттестации через полгода после выхода из декрета. Это законно?"


async def file_at_desk(
    desk: Desk,
    author: Identity,
    category: str = "attestation",
    *,
    group_id: int = GROUP_ID,
    text: str = TEXT,
    links: list[str] | None = None,
) -> tuple[Appeal, bool]:
    """File an appeal as the bot's dialog does; returns the appeal and whether the chat got it."""
    return await desk.file(
        author, group_id=group_id, category=category, text=text, links=links or []
    )


async def make_operator(services: Services, person: Identity) -> None:
    """Give a demo teacher the operator position in their own organisation."""
    assert person.person is not None
    await services.people.grant_role(
        person.person.id,
        person.roles[0].role,
        person.roles[0].org_id,
        position=Position.OPERATOR,
        method="test",
    )
