"""Which VK community a cabinet page speaks through: the one an invite link opens, the one a
decision on a join request is sent from.

The cabinet is a web page, not a bot: it has no community of its own. On real VK it is the
configured one (the first of ``[communities]``, or ``vk_group_id``); on the embedded sandbox
(`sferum run` without a token) the first community this process connected. Every community runs
core's handlers, so each of them accepts an invite and each can tell a person of a decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.verification import JoinRequest

if TYPE_CHECKING:
    from core.runtime.services import Services

# What a person sends the bot (or what VK hands it as ``ref`` when the link is opened): the bot's
# handler (core/verification/handlers.py, ``_INVITE``) finds the token in either.
INVITE_CODE = "invite-{token}"


def home_community(services: Services) -> int | None:
    settings = services.settings
    for entry in settings.communities.values():
        return entry.group_id
    if settings.vk_group_id is not None:
        return settings.vk_group_id
    connected = services.broadcasts.connected()
    return connected[0] if connected else None


def invite_code(token: str) -> str:
    return INVITE_CODE.format(token=token)


def invite_link(group_id: int | None, token: str) -> str | None:
    """VK's link to write to the community with the invite as ``ref`` (the same link as
    `sferum roles invite` prints); None when no community is known."""
    if group_id is None:
        return None
    return f"https://vk.me/club{group_id}?ref={invite_code(token)}"


async def request_community(services: Services, request: JoinRequest) -> int | None:
    """Where the requester wrote: the community the request was filed in; for a request filed
    before that was kept, the one its alert to the admins went from; else the home one."""
    if request.community_id is not None:
        return request.community_id
    alerted = await services.db.fetchval(
        "SELECT group_id FROM outbox_messages WHERE kind = 'core.join_request' AND key LIKE ? "
        "ORDER BY id LIMIT 1",
        (f"{request.id}:%",),
    )
    if alerted is not None:
        return int(alerted)
    return home_community(services)
