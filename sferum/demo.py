"""The demo district in a process: what `sferum run` on the embedded sandbox loads, and the smaller
part the bot harness loads for tests.

`sferum run` loads in two steps, in this order: the data of the district (``load_run_demo``,
given to ``assemble`` so it is in before the plugins start) and, once each bot has its community,
what is written in the communities (``load_community_demo``). Everything is dated from
``services.clock`` (core.demo.calendar), so the demo is alive on whatever day it starts.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.activity.demo import load_demo_monitoring
from core.activity.federal_demo import FEDERAL_ADMIN, load_federal_demo
from core.cabinet.chats_demo import load_demo_chat_activity
from core.cabinet.invites_demo import load_demo_requests
from core.demo.district import build
from core.demo.loader import CHAT_PEER_BASE, load_demo
from core.org_appeals.demo import load_demo_org_appeals
from core.plugins.spec import Plugin
from core.runtime.services import Services
from sandbox.records import Community as SandboxCommunity
from sandbox.seed import seed_communities, seed_demo
from sandbox.state import SandboxState


class DemoPeople:
    """What both test harnesses answer about the demo district's people (``services`` is the
    harness's own)."""

    services: Services

    def vk(self, demo_key: str) -> int:
        """The VK id of a demo person (see core/demo/district.py)."""
        return build().vk_ids()[demo_key]

    async def person_id(self, demo_key: str) -> int:
        value = await self.services.db.fetchval(
            "SELECT id FROM persons WHERE external_id = ?", (f"demo:person:{demo_key}",)
        )
        return int(value)


async def load_run_demo(services: Services) -> None:
    """The district's people, its monitoring, the federal ranking and the cabinet's pending join
    requests, on an empty database only (a restart keeps what the demo became)."""
    if await services.db.fetchval("SELECT count(*) FROM persons") != 0:
        return
    await load_demo(services.people)
    await load_demo_monitoring(services.db, services.clock)
    await load_federal_demo(services.db, services.clock, build().vk_ids()[FEDERAL_ADMIN])
    # Pending join requests for the cabinet's «Заявки»: here, not in load_demo, whose users
    # (the bots' tests) expect the school's queue empty.
    await load_demo_requests(services.people)


async def load_harness_demo(services: Services) -> None:
    """The district's people and roles only: what bots' tests start from."""
    await load_demo(services.people)


def seed_run_sandbox(state: SandboxState, plugins: Sequence[Plugin]) -> list[SandboxCommunity]:
    """The demo people in the sandbox and one community per bot (in the order of ``plugins``),
    each in its demo chats."""
    seed_demo(state)
    communities = seed_communities(state, [p.title for p in plugins])
    join_demo_chats(state, plugins, communities)
    return communities


def seed_harness_sandbox(
    state: SandboxState, community: SandboxCommunity, *, allow_all: bool
) -> None:
    """The demo people in the sandbox; ``allow_all``: each has allowed messages from the
    community, as after writing to it first."""
    seed_demo(state)
    if allow_all:
        for user_id in build().vk_ids().values():
            state.set_allowed(community, user_id, True)


def join_demo_chats(
    state: SandboxState, plugins: Sequence[Plugin], communities: Sequence[SandboxCommunity]
) -> None:
    """Bots join the demo chats as a school would add them: the first bot joins every chat (so
    activity in group chats is recorded once), a plugin that names a chat (``Plugin.demo_chats``,
    external ids of the demo district) joins that one too. Each joins as an admin of the chat,
    as a school gives its bot the rights: without them VK refuses it the member list (917)."""
    district = build()
    peers = {
        f"demo:{key}": CHAT_PEER_BASE + i for i, (key, *_rest) in enumerate(district.chats, start=1)
    }
    for index, (plugin, community) in enumerate(zip(plugins, communities, strict=True)):
        wanted = set(peers) if index == 0 else set(plugin.demo_chats)
        for external_id in sorted(wanted & set(peers)):
            chat = state.chats.get(peers[external_id])
            if chat is not None and community.id not in chat.communities:
                state.add_chat_members(chat, [], [community.id], admin_group_ids=[community.id])


async def load_community_demo(
    services: Services, plugins: Sequence[Plugin], group_ids: Sequence[int]
) -> None:
    """Once each plugin runs in its community (``group_ids``, in the order of ``plugins``): each
    plugin's own demo, the activity in the demo chats, and appeals to the demo school written in
    the first bot's community."""
    for plugin, group_id in zip(plugins, group_ids, strict=True):
        if plugin.demo is not None:
            await plugin.demo(services, group_id)
    await load_demo_chat_activity(services.db, services.clock)
    if group_ids:
        await load_demo_org_appeals(services, group_ids[0])
