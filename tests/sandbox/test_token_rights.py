"""Community tokens with fewer rights, and the community's "messages" setting, as VK has them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.clock import ManualClock
from sandbox.app import start_sandbox
from sandbox.config import SandboxConfig
from sandbox.records import ALL_COMMUNITY_RIGHTS, Community
from sandbox.vk_schema import SchemaMismatch, VkSchema

from .conftest import Control, Vk


async def test_own_token_has_every_right(vk: Vk, community: Community, schema: VkSchema) -> None:
    body = await vk.call("groups.getTokenPermissions", community.access_token)
    schema.check_response("groups.getTokenPermissions", body)
    assert body["response"]["mask"] == ALL_COMMUNITY_RIGHTS
    names = {p["name"]: p["setting"] for p in body["response"]["permissions"]}
    assert names["messages"] == 4096 and names["manage"] == 262144


async def test_token_without_messages_right_cannot_send(
    vk: Vk, control: Control, community: Community, member: int, schema: VkSchema
) -> None:
    made = await control.post(
        f"/communities/{community.id}/tokens", {"rights": ["manage", "photos"]}, 201
    )
    assert made["mask"] == 262144 + 4 and made["rights"] == ["photos", "manage"]
    token = made["access_token"]
    rights = await vk.call("groups.getTokenPermissions", token)
    schema.check_response("groups.getTokenPermissions", rights)
    assert rights["response"] == {
        "mask": 262148,
        "permissions": [{"name": "photos", "setting": 4}, {"name": "manage", "setting": 262144}],
    }
    # The token still names its community...
    own = await vk.call("groups.getById", token)
    assert own["response"]["groups"][0]["id"] == community.id
    # ...but every messages.* method is refused, as VK refuses it.
    refused = await vk.call("messages.send", token, peer_id=member, random_id=0, message="x")
    schema.check_error(refused)
    assert refused["error"]["error_code"] == 15
    assert refused["error"]["error_msg"] == "Access denied: no access to call this method"
    inside = await vk.call(
        "execute",
        token,
        code=f'return API.messages.send({{"peer_id": {member}, "random_id": 0, "message": "x"}});',
    )
    assert inside["response"] is False
    assert inside["execute_errors"][0]["error_code"] == 15
    # The community's own token keeps writing.
    sent = await vk.call(
        "messages.send", community.access_token, peer_id=member, random_id=0, message="Ответ"
    )
    assert isinstance(sent["response"], int)
    await control.post(f"/communities/{community.id}/tokens", {"rights": ["nope"]}, 400)
    await control.post(f"/communities/{community.id}/tokens", {"rights": "messages"}, 400)


async def test_can_message_follows_the_messages_setting(
    vk: Vk, control: Control, community: Community, schema: VkSchema
) -> None:
    token = community.access_token
    on = await vk.call("groups.getById", token, fields="can_message")
    schema.check_response("groups.getById", on)
    assert on["response"]["groups"][0]["can_message"] == 1
    plain = await vk.call("groups.getById", token)
    assert "can_message" not in plain["response"]["groups"][0]
    changed = await control.post(f"/communities/{community.id}/settings", {"messages": False})
    assert changed["messages_enabled"] is False
    off = await vk.call("groups.getById", token, group_ids=[community.id], fields="can_message")
    schema.check_response("groups.getById", off)
    assert off["response"]["groups"][0]["can_message"] == 0
    # The schema's fix for groups_group_full still checks the fields it knows.
    off["response"]["groups"][0]["can_message"] = "yes"
    with pytest.raises(SchemaMismatch):
        schema.check_response("groups.getById", off)


async def test_narrow_tokens_and_the_messages_setting_survive_a_restart(
    tmp_path: Path, clock: ManualClock
) -> None:
    config = SandboxConfig(db=str(tmp_path / "sandbox.db"), background_tasks=False)
    first = await start_sandbox(config, clock=clock)
    community = first.runtime.state.create_community("Школа")
    token = first.runtime.state.add_community_token(community, 4)
    community.messages_enabled = False
    assert first.runtime.state.journal is not None
    first.runtime.state.journal.community(community)
    await first.runtime.flush()
    await first.stop()

    async with await start_sandbox(config, clock=clock) as second:
        state = second.runtime.state
        assert state.actor_for_token(token) is state.communities[community.id]
        assert state.rights_of(token) == 4
        assert state.rights_of(community.access_token) == ALL_COMMUNITY_RIGHTS
        assert state.communities[community.id].messages_enabled is False


async def test_a_store_from_before_the_messages_setting_gains_its_column(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE communities (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "token TEXT NOT NULL, confirmation_code TEXT, longpoll_enabled INTEGER NOT NULL, "
            "event_types TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO communities VALUES (200000001, 'Школа', 'vk1.a.old', 'abc', 1, "
            "'[\"message_new\"]')"
        )
    config = SandboxConfig(db=str(path), background_tasks=False)
    async with await start_sandbox(config, clock=clock) as running:
        community = running.runtime.state.communities[200000001]
        assert community.messages_enabled is True
        assert running.runtime.state.rights_of("vk1.a.old") == ALL_COMMUNITY_RIGHTS
