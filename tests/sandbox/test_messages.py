"""messages.send and friends: per-peer answers, random_id, keyboards, links, mentions, chats."""

from __future__ import annotations

import json
from datetime import timedelta

from core.clock import ManualClock
from sandbox.app import RunningSandbox
from sandbox.records import Community

from .conftest import Control, Vk


async def test_peer_ids_answer_per_peer_and_one_failure_does_not_fail_the_call(
    vk: Vk,
    control: Control,
    community: Community,
    member: int,
) -> None:
    stranger = await control.user()
    body = await vk.call(
        "messages.send",
        community.access_token,
        peer_ids=[member, stranger, 123],
        random_id=0,
        message="Всем",
    )
    items = body["response"]
    assert [i["peer_id"] for i in items] == [member, stranger, 123]
    assert items[0]["message_id"] > 0 and items[0]["conversation_message_id"] == 2
    assert "error" not in items[0]
    assert items[1]["error"] == {
        "code": 901,
        "description": "Can't send messages for users without permission",
    }
    assert items[2]["error"]["code"] == 901
    view = await control.messages(member, -community.id)
    assert [m["text"] for m in view["items"]] == ["Здравствуйте", "Всем"]
    stats = await control.get("/stats")
    assert stats["messages_delivered"] == 2
    assert stats["errors_by_code"]["901"] == 2


async def test_random_id_deduplicates_per_sender_and_peer(
    vk: Vk,
    control: Control,
    community: Community,
    member: int,
    clock: ManualClock,
) -> None:
    token = community.access_token
    other = await control.user()
    await control.write(other, -community.id, "Привет")
    first = await vk.call("messages.send", token, peer_id=member, random_id=42, message="Раз")
    repeat = await vk.call("messages.send", token, peer_id=member, random_id=42, message="Раз")
    assert repeat["response"] == first["response"]
    # The same random_id to another peer is another message.
    to_other = await vk.call(
        "messages.send", token, peer_ids=[member, other], random_id=42, message="Раз"
    )
    assert to_other["response"][0]["message_id"] == first["response"]
    assert to_other["response"][1]["message_id"] != first["response"]
    # random_id 0 disables de-duplication.
    zero = [
        await vk.call("messages.send", token, peer_id=member, random_id=0, message="Два")
        for _ in range(2)
    ]
    assert zero[0]["response"] != zero[1]["response"]
    view = await control.messages(member, -community.id)
    assert [m["text"] for m in view["items"]] == ["Здравствуйте", "Раз", "Два", "Два"]
    assert (await control.get("/stats"))["duplicates_suppressed"] == 2
    # VK forgets random_id after an hour.
    clock.advance(timedelta(hours=1, seconds=1))
    await control.post("/tick")
    later = await vk.call("messages.send", token, peer_id=member, random_id=42, message="Раз")
    assert later["response"] != first["response"]


async def test_keyboards_reach_the_person_and_one_time_hides_after_use(
    vk: Vk,
    control: Control,
    community: Community,
    member: int,
) -> None:
    keyboard = json.dumps(
        {
            "one_time": True,
            "buttons": [
                [
                    {
                        "action": {
                            "type": "text",
                            "label": "Расписание",
                            "payload": '{"cmd": "schedule"}',
                        },
                        "color": "primary",
                    }
                ]
            ],
        }
    )
    await vk.call(
        "messages.send",
        community.access_token,
        peer_id=member,
        random_id=0,
        message="Выберите",
        keyboard=keyboard,
    )
    view = await control.messages(member, -community.id)
    assert view["keyboard"]["buttons"][0][0]["action"]["label"] == "Расписание"
    assert view["keyboard"]["buttons"][0][0]["color"] == "primary"
    assert view["items"][-1]["keyboard"]["one_time"] is True
    await control.write(
        member, -community.id, "Расписание", payload={"cmd": "schedule"}, from_keyboard=True
    )
    view = await control.messages(member, -community.id)
    assert view["keyboard"] is None
    assert json.loads(view["items"][-1]["payload"]) == {"cmd": "schedule"}
    # An empty keyboard hides a persistent one.
    await vk.call(
        "messages.send",
        community.access_token,
        peer_id=member,
        random_id=0,
        message="Клавиатура",
        keyboard=json.dumps(
            {"one_time": False, "buttons": [[{"action": {"type": "text", "label": "А"}}]]}
        ),
    )
    assert (await control.messages(member, -community.id))["keyboard"] is not None
    await vk.call(
        "messages.send",
        community.access_token,
        peer_id=member,
        random_id=0,
        message="Скрыть",
        keyboard=json.dumps({"buttons": [], "one_time": True}),
    )
    assert (await control.messages(member, -community.id))["keyboard"] is None


async def test_links_mentions_and_attachments(
    vk: Vk, control: Control, community: Community, member: int
) -> None:
    token = community.access_token
    for flag in (0, 1):
        await vk.call(
            "messages.send",
            token,
            peer_id=member,
            random_id=0,
            message="См. https://example.org/page.",
            dont_parse_links=flag,
        )
    await vk.call(
        "messages.send",
        token,
        peer_id=member,
        random_id=0,
        message="Фото",
        attachment="photo-5_6_key,https://vk.com/wall-1_2",
    )
    items = (await control.messages(member, -community.id))["items"]
    assert items[-3]["attachments"][0]["link"]["url"] == "https://example.org/page"
    assert items[-2]["attachments"] == []
    assert [a["type"] for a in items[-1]["attachments"]] == ["photo", "link"]
    assert items[-1]["attachments"][0]["photo"]["access_key"] == "key"
    runtime_messages = (await vk.call("messages.getById", token, message_ids=[items[-1]["id"]]))[
        "response"
    ]["items"]
    assert runtime_messages[0]["attachments"][0]["photo"]["owner_id"] == -5


async def test_mentions_respect_disable_mentions(
    vk: Vk, community: Community, member: int, sandbox: RunningSandbox
) -> None:
    token = community.access_token
    text = f"[id{member}|Пётр], посмотрите"
    first = await vk.call("messages.send", token, peer_id=member, random_id=0, message=text)
    second = await vk.call(
        "messages.send", token, peer_id=member, random_id=0, message=text, disable_mentions=1
    )
    messages = sandbox.runtime.state.messages
    assert messages[first["response"]].mentions == (member,)
    assert messages[second["response"]].mentions == ()


async def test_edit_changes_text_and_keyboard(
    vk: Vk, control: Control, community: Community, member: int, clock: ManualClock
) -> None:
    token = community.access_token
    sent = (await vk.call("messages.send", token, peer_id=member, random_id=0, message="Черновик"))[
        "response"
    ]
    clock.advance(timedelta(minutes=5))
    assert (await vk.call("messages.edit", token, peer_id=member, message_id=sent, message="Итог"))[
        "response"
    ] == 1
    item = (await control.messages(member, -community.id))["items"][-1]
    assert item["text"] == "Итог" and item["update_time"] > item["date"]
    # A person's message is not the community's to edit; a day later nothing is.
    theirs = await vk.call(
        "messages.edit", token, peer_id=member, conversation_message_id=1, message="x"
    )
    assert theirs["error"]["error_code"] == 920
    clock.advance(timedelta(days=1))
    old = await vk.call("messages.edit", token, peer_id=member, message_id=sent, message="x")
    assert old["error"]["error_code"] == 909


async def test_chats_deliver_to_members_and_bots_see_id_zero(
    vk: Vk,
    control: Control,
    community: Community,
    member: int,
) -> None:
    token = community.access_token
    other = await control.user("Анна", "Белова")
    chat = await control.post(
        "/chats", {"title": "9А", "user_ids": [member, other], "group_ids": [community.id]}, 201
    )
    peer = chat["peer_id"]
    assert peer == 2_000_000_001
    server = (await vk.call("groups.getLongPollServer", token, group_id=community.id))["response"]
    await control.write(member, peer, "Когда контрольная?")
    update = (await vk.poll(server))["updates"][0]["object"]["message"]
    # cmid 1 is the chat_create service message that opens every chat.
    assert (
        update["peer_id"] == peer and update["id"] == 0 and update["conversation_message_id"] == 2
    )
    sent = await vk.call("messages.send", token, peer_ids=[peer], random_id=0, message="В пятницу")
    assert sent["response"][0]["message_id"] == 0
    assert sent["response"][0]["conversation_message_id"] == 3
    seen = await control.messages(other, peer)
    assert [m["text"] for m in seen["items"]] == ["", "Когда контрольная?", "В пятницу"]
    assert seen["items"][0]["action"] == {"type": "chat_create", "text": "9А"}
    by_cmid = await vk.call(
        "messages.getByConversationMessageId",
        token,
        peer_id=peer,
        conversation_message_ids=[1, 2, 3],
    )
    assert [m["from_id"] for m in by_cmid["response"]["items"]] == [member, member, -community.id]
    # A person outside the chat cannot write there.
    outsider = await control.user()
    refused = await control.post(f"/users/{outsider}/messages", {"peer_id": peer, "text": "?"})
    assert refused["error"]["error_code"] == 917


async def test_callback_button_answer_reaches_the_person(
    vk: Vk,
    control: Control,
    community: Community,
    member: int,
) -> None:
    token = community.access_token
    keyboard = json.dumps(
        {
            "inline": True,
            "buttons": [
                [
                    {
                        "action": {
                            "type": "callback",
                            "label": "Оценки",
                            "payload": '{"cmd": "grades"}',
                        }
                    }
                ]
            ],
        }
    )
    await vk.call(
        "messages.send", token, peer_id=member, random_id=0, message="Меню", keyboard=keyboard
    )
    server = (await vk.call("groups.getLongPollServer", token, group_id=community.id))["response"]
    pressed = await control.post(
        f"/users/{member}/events", {"peer_id": -community.id, "payload": {"cmd": "grades"}}, 201
    )
    event = (await vk.poll(server))["updates"][0]
    assert event["type"] == "message_event"
    assert event["object"] == {
        "user_id": member,
        "peer_id": member,
        "event_id": pressed["event_id"],
        "payload": {"cmd": "grades"},
        "conversation_message_id": 2,
    }
    answer = {"type": "show_snackbar", "text": "Оценок пока нет"}
    body = await vk.call(
        "messages.sendMessageEventAnswer",
        token,
        event_id=pressed["event_id"],
        user_id=member,
        peer_id=member,
        event_data=json.dumps(answer),
    )
    assert body == {"response": 1}
    seen = await control.get(f"/users/{member}/events/{pressed['event_id']}")
    assert seen == {"event_id": pressed["event_id"], "answered": True, "event_data": answer}
    # One answer per event.
    twice = await vk.call(
        "messages.sendMessageEventAnswer",
        token,
        event_id=pressed["event_id"],
        user_id=member,
        peer_id=member,
    )
    assert twice["error"]["error_code"] == 100
    missing = await control.post(
        f"/users/{member}/events", {"peer_id": -community.id, "label": "Нет такой"}
    )
    assert "error" in missing


async def test_event_answer_expires_after_a_minute(
    vk: Vk, control: Control, community: Community, member: int, clock: ManualClock
) -> None:
    keyboard = json.dumps(
        {"inline": True, "buttons": [[{"action": {"type": "callback", "label": "Да"}}]]}
    )
    await vk.call(
        "messages.send",
        community.access_token,
        peer_id=member,
        random_id=0,
        message="?",
        keyboard=keyboard,
    )
    pressed = await control.post(
        f"/users/{member}/events", {"peer_id": -community.id, "label": "Да"}, 201
    )
    clock.advance(timedelta(seconds=61))
    late = await vk.call(
        "messages.sendMessageEventAnswer",
        community.access_token,
        event_id=pressed["event_id"],
        user_id=member,
        peer_id=member,
    )
    assert late["error"]["error_code"] == 100
