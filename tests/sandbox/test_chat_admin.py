"""A community reads a chat's members only as an admin of the chat, as on VK: otherwise
messages.getConversationMembers answers 917. The control API makes a community admin or not."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp

from core.clock import ManualClock
from sandbox.app import start_sandbox
from sandbox.config import SandboxConfig
from sandbox.records import CHAT_PEER_BASE, Community
from sandbox.seed import seed_demo
from sandbox.state import SandboxState
from sferum.demo import join_demo_chats

from .conftest import Control, Vk, error_of

NO_ACCESS = (917, "You don't have access to this chat")


async def _members(vk: Vk, community: Community, peer_id: int) -> dict[str, Any]:
    return await vk.call("messages.getConversationMembers", community.access_token, peer_id=peer_id)


async def test_a_community_added_to_a_chat_is_no_admin_and_cannot_read_members(
    vk: Vk, control: Control, community: Community
) -> None:
    person = await control.post("/users", {"first_name": "Анна", "last_name": "Иванова"}, 201)
    chat = await control.post(
        "/chats", {"title": "9А", "user_ids": [person["user_id"]], "group_ids": [community.id]}, 201
    )
    assert chat["admin_group_ids"] == []
    assert error_of(await _members(vk, community, chat["peer_id"])) == NO_ACCESS
    # It is in the chat all the same: it may write there.
    sent = await vk.call(
        "messages.send",
        community.access_token,
        peer_id=chat["peer_id"],
        random_id=3,
        message="Всем привет",
    )
    assert sent == {"response": 0}
    # A person in the chat reads the members with their own token.
    by_person = await vk.call(
        "messages.getConversationMembers", person["access_token"], peer_id=chat["peer_id"]
    )
    assert by_person["response"]["count"] == 2


async def test_made_admin_it_reads_them_and_loses_them_with_the_rights(
    vk: Vk, control: Control, community: Community, member: int
) -> None:
    chat = await control.post(
        "/chats", {"title": "9А", "user_ids": [member], "group_ids": [community.id]}, 201
    )
    peer = chat["peer_id"]
    made = await control.put(f"/chats/{peer}/communities/{community.id}", {"admin": True})
    assert made["admin_group_ids"] == [community.id]
    members = (await _members(vk, community, peer))["response"]
    assert {m["member_id"] for m in members["items"]} == {member, -community.id}
    mine = next(m for m in members["items"] if m["member_id"] == -community.id)
    assert mine["is_admin"] is True and "is_owner" not in mine
    owner = next(m for m in members["items"] if m["member_id"] == member)
    assert owner["is_admin"] is True and owner["is_owner"] is True

    taken = await control.put(f"/chats/{peer}/communities/{community.id}", {"admin": False})
    assert taken["admin_group_ids"] == []
    assert error_of(await _members(vk, community, peer)) == NO_ACCESS


async def test_a_community_can_join_as_admin(
    vk: Vk, control: Control, community: Community, member: int
) -> None:
    chat = await control.post(
        "/chats",
        {"title": "Родители", "user_ids": [member], "admin_group_ids": [community.id]},
        201,
    )
    assert chat["group_ids"] == [community.id] and chat["admin_group_ids"] == [community.id]
    assert (await _members(vk, community, chat["peer_id"]))["response"]["count"] == 2
    other = await control.post("/chats", {"title": "Учителя", "user_ids": [member]}, 201)
    joined = await control.post(
        f"/chats/{other['peer_id']}/members", {"admin_group_ids": [community.id]}
    )
    assert joined["group_ids"] == [community.id] and joined["admin_group_ids"] == [community.id]
    assert (await _members(vk, community, other["peer_id"]))["response"]["count"] == 2


async def test_the_control_api_refuses_what_makes_no_sense(
    control: Control, community: Community, member: int, http: aiohttp.ClientSession
) -> None:
    chat = await control.post("/chats", {"title": "9А", "user_ids": [member]}, 201)
    url = f"{control.root}/chats/{chat['peer_id']}/communities/{community.id}"
    async with http.put(url, json={"admin": True}) as response:
        assert response.status == 404  # the community is not in the chat
    await control.post(f"/chats/{chat['peer_id']}/members", {"group_ids": [community.id]})
    async with http.put(url, json={"admin": "yes"}) as response:
        assert response.status == 400
    async with http.put(
        f"{control.root}/chats/{CHAT_PEER_BASE + 999}/communities/{community.id}",
        json={"admin": True},
    ) as response:
        assert response.status == 404


async def test_admin_rights_survive_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    config = SandboxConfig(db=str(tmp_path / "s.db"), background_tasks=False, rate_limit=None)
    first = await start_sandbox(config, clock=clock)
    state = first.runtime.state
    admin, plain = state.create_community("Админ"), state.create_community("Гость")
    person = state.create_user("Вера", "Новая")
    chat = first.runtime.messenger.create_chat(
        "Чат", person.id, [person.id], [admin.id, plain.id], admin_group_ids=[admin.id]
    )
    await first.stop()
    async with await start_sandbox(config, clock=clock) as second:
        restored = second.runtime.state.chats[chat.peer_id]
        assert restored.communities == {admin.id, plain.id}
        assert restored.admin_communities == {admin.id}


async def test_a_store_from_before_admin_rights_keeps_its_communities_reading(
    tmp_path: Path, clock: ManualClock
) -> None:
    """Such a sandbox answered every community in a chat the members; after the upgrade too."""
    path = tmp_path / "old.db"
    config = SandboxConfig(db=str(path), background_tasks=False, rate_limit=None)
    first = await start_sandbox(config, clock=clock)
    state = first.runtime.state
    community = state.create_community("Бот")
    person = state.create_user("Вера", "Новая")
    chat = first.runtime.messenger.create_chat("Чат", person.id, [person.id], [community.id])
    await first.stop()
    with sqlite3.connect(path) as db:  # the table as it was: no admin_groups column
        db.execute("ALTER TABLE chats DROP COLUMN admin_groups")
    async with await start_sandbox(config, clock=clock) as second:
        assert second.runtime.state.chats[chat.peer_id].admin_communities == {community.id}


def test_the_demo_app_makes_its_bots_admins_of_the_demo_chats(clock: ManualClock) -> None:
    """The demo (sferum demo) seats its communities in the demo chats as a school would: with
    admin rights, so a plugin reading a chat's members works there as on VK."""
    state = SandboxState(SandboxConfig(), clock)
    seed_demo(state)
    first, second = state.create_community("Первый"), state.create_community("Второй")
    plugins = [SimpleNamespace(demo_chats=()), SimpleNamespace(demo_chats=())]
    join_demo_chats(state, plugins, [first, second])  # type: ignore[arg-type]
    assert state.chats
    for chat in state.chats.values():
        assert chat.communities == {first.id}
        assert chat.is_admin(first.owner_id) and not chat.is_admin(second.owner_id)
