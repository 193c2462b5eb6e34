"""Service messages (a chat created, members invited) and calls: what communities receive, what
people see, all valid against the VK schema and parsed by vkbottle's own models."""

from __future__ import annotations

from typing import Any

from vkbottle_types.codegen.objects import MessagesMessageActionStatus
from vkbottle_types.events import bot_events

from sandbox.records import Community
from sandbox.vk_schema import VkSchema
from sandbox.webchat import call_summary

from .conftest import Control, Vk


async def long_poll(vk: Vk, community: Community) -> dict[str, Any]:
    token = community.access_token
    return (await vk.call("groups.getLongPollServer", token, group_id=community.id))["response"]


async def test_creating_a_chat_sends_chat_create_to_its_communities(
    vk: Vk, control: Control, community: Community, schema: VkSchema
) -> None:
    admin = await control.user("Ирина", "Смирнова")
    other = await control.user("Анна", "Белова")
    server = await long_poll(vk, community)
    chat = await control.post(
        "/chats", {"title": "9А", "user_ids": [admin, other], "group_ids": [community.id]}, 201
    )
    updates = (await vk.poll(server))["updates"]
    assert [u["type"] for u in updates] == ["message_new"]
    schema.check_event(updates[0])
    message = updates[0]["object"]["message"]
    assert message["action"] == {"type": "chat_create", "text": "9А"}
    assert message["from_id"] == admin and message["text"] == ""
    assert message["peer_id"] == chat["peer_id"] and message["conversation_message_id"] == 1

    parsed = bot_events.MessageNew(**updates[0]).object.message
    assert parsed is not None and parsed.action is not None
    assert parsed.action.type == MessagesMessageActionStatus.CHAT_CREATE
    assert parsed.action.text == "9А"

    # People see it too, first in the chat; a chat without a community publishes nothing.
    seen = await control.messages(other, chat["peer_id"])
    assert seen["items"][0]["action"]["type"] == "chat_create"
    server = await long_poll(vk, community)
    await control.post("/chats", {"title": "Без бота", "user_ids": [admin]}, 201)
    assert (await vk.poll(server))["updates"] == []


async def test_adding_members_sends_chat_invite_user_per_new_member(
    vk: Vk, control: Control, community: Community, schema: VkSchema, sandbox: Any
) -> None:
    second = sandbox.runtime.state.create_community("Второй бот")
    admin = await control.user("Ирина", "Смирнова")
    pupil = await control.user("Пётр", "Тестов")
    chat = await control.post(
        "/chats", {"title": "Кружок", "user_ids": [admin], "group_ids": [community.id]}, 201
    )
    peer = chat["peer_id"]
    first_server, second_server = await long_poll(vk, community), await long_poll(vk, second)
    grown = await control.post(
        f"/chats/{peer}/members", {"user_ids": [pupil, admin], "group_ids": [second.id]}
    )
    assert grown["user_ids"] == sorted([admin, pupil])
    # The admin was a member already: two invitations, from the admin, in order.
    updates = (await vk.poll(first_server))["updates"]
    actions = [u["object"]["message"]["action"] for u in updates]
    assert actions == [
        {"type": "chat_invite_user", "member_id": pupil},
        {"type": "chat_invite_user", "member_id": -second.id},
    ]
    for update in updates:
        schema.check_event(update)
        assert update["object"]["message"]["from_id"] == admin
        parsed = bot_events.MessageNew(**update).object.message
        assert parsed is not None and parsed.action is not None
        assert parsed.action.type == MessagesMessageActionStatus.CHAT_INVITE_USER
    # The invited community receives its own invitation (it is a member once added).
    invited = (await vk.poll(second_server))["updates"]
    assert [u["object"]["message"]["action"]["member_id"] for u in invited] == [-second.id]
    # Adding nobody new announces nothing.
    again = await long_poll(vk, community)
    await control.post(f"/chats/{peer}/members", {"user_ids": [pupil]})
    assert (await vk.poll(again))["updates"] == []


async def test_a_call_is_a_message_with_a_call_attachment(
    vk: Vk, control: Control, community: Community, schema: VkSchema, sandbox: Any
) -> None:
    teacher = await control.user("Ирина", "Смирнова")
    chat = await control.post(
        "/chats", {"title": "9А", "user_ids": [teacher], "group_ids": [community.id]}, 201
    )
    peer = chat["peer_id"]
    server = await long_poll(vk, community)
    made = await control.post(
        f"/users/{teacher}/calls", {"peer_id": peer, "duration": 60, "video": False}, 201
    )
    assert made["conversation_message_id"] == 2
    updates = (await vk.poll(server))["updates"]
    assert [u["type"] for u in updates] == ["message_new"]
    schema.check_event(updates[0])
    message = updates[0]["object"]["message"]
    assert message["text"] == "" and message["from_id"] == teacher and "action" not in message
    assert message["attachments"] == [
        {
            "type": "call",
            "call": {
                "initiator_id": teacher,
                "receiver_id": peer,
                "state": "reached",
                "time": sandbox.runtime.state.unix_now(),
                "duration": 60,
                "video": False,
            },
        }
    ]
    parsed = bot_events.MessageNew(**updates[0]).object.message
    assert parsed is not None and parsed.attachments
    call = parsed.attachments[0].call
    assert call is not None and call.initiator_id == teacher and call.duration == 60

    # The same message read back through the API (id 0 in chats, by conversation message id).
    body = await vk.call(
        "messages.getByConversationMessageId",
        community.access_token,
        peer_id=peer,
        conversation_message_ids=[1, 2],
    )
    schema.check_response("messages.getByConversationMessageId", body)
    items = body["response"]["items"]
    assert items[0]["action"]["type"] == "chat_create"
    assert items[1]["attachments"][0]["type"] == "call"


async def test_calls_in_dialogs_and_refusals(control: Control, community: Community) -> None:
    staff = {"role": "staff", "org_ids": ["s1"], "is_adult": True}
    caller = await control.user("Ирина", "Смирнова", **staff)
    callee = await control.user("Анна", "Белова", **staff)
    stranger = await control.user("Олег", "Чужой")
    # A call needs an open dialog: to someone the rules would only send a request, it fails
    # and leaves no empty request behind.
    closed = await control.post(f"/users/{stranger}/calls", {"peer_id": caller}, 403)
    assert closed["error"]["error_code"] == 901 and "write first" in closed["error"]["error_msg"]
    assert (await control.get(f"/users/{caller}/message_requests"))["incoming"] == []
    await control.write(caller, callee, "Можно позвонить?")  # colleagues of one school
    await control.post(
        f"/users/{caller}/calls",
        {"peer_id": callee, "duration": 0, "video": True, "state": "canceled_by_receiver"},
        201,
    )
    seen = (await control.messages(callee, caller))["items"]
    call = seen[-1]["attachments"][0]["call"]
    assert (call["state"], call["video"], call["receiver_id"]) == (
        "canceled_by_receiver",
        True,
        callee,
    )

    outsider = await control.user()
    chat = await control.post("/chats", {"title": "9А", "user_ids": [caller]}, 201)
    refused = await control.post(f"/users/{outsider}/calls", {"peer_id": chat["peer_id"]}, 403)
    assert refused["error"]["error_code"] == 917
    await control.post(f"/users/{caller}/calls", {"peer_id": -community.id}, 400)
    await control.post(f"/users/{caller}/calls", {"peer_id": callee, "state": "lost"}, 400)
    await control.post(f"/users/{caller}/calls", {"peer_id": callee, "duration": -5}, 400)
    await control.post(f"/users/{caller}/calls", {"peer_id": callee, "video": "yes"}, 400)
    await control.post(f"/users/{caller}/calls", {"duration": 5}, 400)
    await control.post("/users/999999999/calls", {"peer_id": callee}, 404)


def test_call_summaries_are_short() -> None:
    def summary(**call: Any) -> str:
        return call_summary({"state": "reached", "video": False, **call})

    assert summary(duration=45) == "📞 Звонок, 45 с"
    assert summary(duration=60) == "📞 Звонок, 1 мин"
    assert summary(duration=3900, video=True) == "📞 Видеозвонок, 1 ч 5 мин"
    assert summary(duration=7200) == "📞 Звонок, 2 ч"
    assert summary(state="canceled_by_initiator") == "📞 Звонок отменён"
    assert summary(state="canceled_by_receiver", video=True) == "📞 Видеозвонок отклонён"
