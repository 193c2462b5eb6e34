"""What the sandbox sends parses into vkbottle's own models: every event and the responses."""

from __future__ import annotations

import json

from vkbottle import API
from vkbottle_types.events import bot_events

from sandbox.app import RunningSandbox
from sandbox.records import Community

from .conftest import Control, Vk

MODELS = {
    "message_new": bot_events.MessageNew,
    "message_reply": bot_events.MessageReply,
    "message_edit": bot_events.MessageEdit,
    "message_event": bot_events.MessageEvent,
    "message_allow": bot_events.MessageAllow,
    "message_deny": bot_events.MessageDeny,
}


async def test_every_event_parses_into_vkbottle_models(
    vk: Vk,
    control: Control,
    community: Community,
) -> None:
    token, gid = community.access_token, community.id
    server = (await vk.call("groups.getLongPollServer", token, group_id=gid))["response"]
    user = await control.user()
    await control.write(
        user,
        -gid,
        "Вложения",
        attachment="photo1_2,doc1_3_k,video-1_4,audio1_5,wall-1_6,https://example.org",
    )
    keyboard = json.dumps(
        {
            "inline": True,
            "buttons": [
                [
                    {"action": {"type": "callback", "label": "Да", "payload": '{"ok": 1}'}},
                    {"action": {"type": "open_app", "label": "Журнал", "app_id": 1, "hash": "x"}},
                ],
                [
                    {"action": {"type": "location"}},
                    {"action": {"type": "text", "label": "Без данных"}},
                ],
            ],
        }
    )
    sent = await vk.call(
        "messages.send", token, peer_id=user, random_id=0, message="Меню", keyboard=keyboard
    )
    await vk.call(
        "messages.edit", token, peer_id=user, message_id=sent["response"], message="Меню 2"
    )
    await control.post(f"/users/{user}/events", {"peer_id": -gid, "label": "Да"}, 201)
    await control.post(f"/users/{user}/deny", {"group_id": gid})
    await control.post(f"/users/{user}/allow", {"group_id": gid})
    updates = (await vk.poll(server))["updates"]
    assert len(updates) == len(MODELS)
    for update in updates:
        parsed = MODELS[update["type"]](**update)
        assert parsed.group_id == gid
    new = bot_events.MessageNew(**updates[0])
    assert new.object.message is not None
    kinds = [a.type.value for a in new.object.message.attachments or []]
    assert kinds == ["photo", "doc", "video", "audio", "wall", "link"]


async def test_vkbottle_reads_responses(
    sandbox: RunningSandbox, control: Control, community: Community, member: int
) -> None:
    api = API(community.access_token)
    api.API_URL = sandbox.api_url
    try:
        sent = await api.messages.send(peer_ids=[member], random_id=0, message="Привет")
        assert sent[0].peer_id == member and sent[0].conversation_message_id == 2
        by_id = await api.messages.get_by_id(message_ids=[sent[0].message_id])
        assert by_id.items[0].text == "Привет"
        by_cmid = await api.messages.get_by_conversation_message_id(
            peer_id=member, conversation_message_ids=[1, 2]
        )
        assert [m.text for m in by_cmid.items] == ["Здравствуйте", "Привет"]
        chat = await control.post(
            "/chats", {"title": "Чат", "user_ids": [member], "admin_group_ids": [community.id]}, 201
        )
        members = await api.messages.get_conversation_members(peer_id=chat["peer_id"])
        assert members.count == 2 and members.profiles and members.profiles[0].id == member
        users = await api.users.get(user_ids=[member], fields=["photo_100"])
        assert users[0].first_name == "Пётр"
        groups = await api.groups.get_by_id()
        assert groups.groups[0].id == community.id
    finally:
        await api.http_client.close()
