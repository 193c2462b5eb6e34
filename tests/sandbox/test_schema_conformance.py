"""Every method and event the sandbox implements validates against the official VK schema."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from sandbox.app import RunningSandbox
from sandbox.methods import METHODS
from sandbox.records import Community
from sandbox.runtime import SandboxRuntime
from sandbox.vk_schema import VkSchema

from .conftest import Control, Vk
from .receiver import Receiver
from .test_uploads import png

INLINE = json.dumps(
    {
        "inline": True,
        "buttons": [
            [
                {
                    "action": {"type": "callback", "label": "Да", "payload": '{"a": 1}'},
                    "color": "positive",
                },
                {"action": {"type": "text", "label": "Нет", "payload": '{"b": 2}'}},
            ],
            [
                {"action": {"type": "open_link", "label": "Сайт", "link": "https://example.org"}},
                {"action": {"type": "open_app", "label": "Журнал", "app_id": 51000001}},
            ],
        ],
    }
)
NORMAL = json.dumps(
    {
        "one_time": True,
        "buttons": [
            [{"action": {"type": "text", "label": "Меню"}, "color": "secondary"}],
            [{"action": {"type": "location"}}],
        ],
    }
)


async def test_every_implemented_method_has_a_schema_entry(schema: VkSchema) -> None:
    for name in [*METHODS, "execute"]:
        assert schema.response_variants(name), name


async def test_every_method_response_validates(
    vk: Vk,
    control: Control,
    community: Community,
    member: int,
    schema: VkSchema,
    receiver: Receiver,
    sandbox: RunningSandbox,
) -> None:
    token = community.access_token
    gid = community.id
    checked: set[str] = set()

    async def ok(method: str, variant: str = "response", **params: Any) -> Any:
        body = await vk.call(method, token, **params)
        schema.check_response(method, body, variant)
        checked.add(method)
        return body["response"]

    await ok("groups.getById")
    await ok("groups.getById", group_ids=[gid])
    assert (await ok("groups.getById", fields="can_message"))["groups"][0]["can_message"] == 1
    await ok("groups.getTokenPermissions")
    await ok("groups.getLongPollServer", group_id=gid)
    await ok("groups.getLongPollSettings", group_id=gid)
    await ok("groups.setLongPollSettings", group_id=gid, enabled=1, message_reply=1)
    server = await ok(
        "groups.addCallbackServer", group_id=gid, url=receiver.url, title="t", secret_key="s3cret"
    )
    await ok("groups.getCallbackConfirmationCode", group_id=gid)
    await ok(
        "groups.setCallbackSettings",
        group_id=gid,
        server_id=server["server_id"],
        message_new=1,
        message_reply=0,
    )
    await ok(
        "groups.editCallbackServer",
        group_id=gid,
        server_id=server["server_id"],
        url=receiver.url,
        title="t2",
    )
    settings = await ok("groups.getCallbackSettings", group_id=gid, server_id=server["server_id"])
    assert settings["events"]["message_reply"] == 0
    await sandbox.runtime.tick()  # VK confirms the address shortly after
    servers = await ok("groups.getCallbackServers", group_id=gid)
    assert servers["items"][0]["status"] == "ok"
    await ok("groups.deleteCallbackServer", group_id=gid, server_id=server["server_id"])
    await ok(
        "users.get",
        user_ids=[member, 100_500_999],
        fields="photo_50,photo_100,screen_name,online,bdate",
    )

    single = await ok(
        "messages.send",
        "deprecatedResponse",
        peer_id=member,
        random_id=0,
        message="Ответ",
        keyboard=NORMAL,
    )
    assert isinstance(single, int)
    many = await ok(
        "messages.send",
        "userIdsResponse",
        peer_ids=[member, 999_999_999],
        random_id=7,
        message="Рассылка https://example.org",
        keyboard=INLINE,
        attachment="photo-1_2,doc5_7_abc",
    )
    assert "error" in many[1]
    await ok("messages.edit", peer_id=member, message_id=single, message="Исправлено")
    await ok("messages.getById", message_ids=[single, many[0]["message_id"]])
    await ok("messages.getById", "extendedResponse", message_ids=[single], extended=1)
    await ok(
        "messages.getByConversationMessageId", peer_id=member, conversation_message_ids=[1, 2, 3]
    )
    await ok(
        "messages.getByConversationMessageId",
        "extendedResponse",
        peer_id=member,
        conversation_message_ids=[1],
        extended=1,
    )
    await ok("messages.getConversationMembers", peer_id=member)
    chat = await control.post(
        "/chats", {"title": "7Б", "user_ids": [member], "admin_group_ids": [gid]}
    )
    await control.write(member, chat["peer_id"], "всем привет")
    members = await ok(
        "messages.getConversationMembers", peer_id=chat["peer_id"], fields="photo_50"
    )
    assert {m["member_id"] for m in members["items"]} == {member, -gid}
    event = await control.post(f"/users/{member}/events", {"peer_id": -gid, "label": "Да"}, 201)
    await ok(
        "messages.sendMessageEventAnswer",
        event_id=event["event_id"],
        user_id=member,
        peer_id=member,
        event_data=json.dumps({"type": "show_snackbar", "text": "Готово"}),
    )
    await ok("messages.markAsRead", peer_id=member)
    await ok("messages.getConversationsById", peer_ids=[member, chat["peer_id"], 999_999_999])
    await ok("messages.getConversationsById", "extendedResponse", peer_ids=[member], extended=1)
    await ok("messages.setActivity", peer_id=member, type="typing")

    code = (
        f'return [API.messages.send({{"peer_ids": "{member}", "random_id": 0, '
        f'"message": "из execute"}}), API.users.get({{"user_ids": [{member}]}})];'
    )
    results = await ok("execute", code=code)
    schema.check_response("messages.send", {"response": results[0]}, "userIdsResponse")
    schema.check_response("users.get", {"response": results[1]})

    # Files for messages: the upload server's answer goes to the save method as VK's does.
    async def upload(server: dict[str, Any], field: str, name: str, data: bytes) -> Any:
        form = aiohttp.FormData()
        form.add_field(field, data, filename=name)
        async with vk.http.post(server["upload_url"], data=form) as response:
            return await response.json(content_type=None)

    server = await ok("docs.getMessagesUploadServer", type="doc", peer_id=member)
    uploaded = await upload(server, "file", "plan.txt", "План мероприятий".encode())
    assert (await ok("docs.save", file=uploaded["file"], title="План"))["doc"]["size"] > 0
    server = await ok("photos.getMessagesUploadServer", peer_id=member)
    uploaded = await upload(server, "photo", "p.png", png(3, 2))
    assert (await ok("photos.saveMessagesPhoto", **uploaded))[0]["width"] == 3

    assert checked == {*METHODS, "execute"}, set(METHODS) - checked


async def test_error_answers_validate(vk: Vk, community: Community, schema: VkSchema) -> None:
    bodies = [
        await vk.call("messages.send", "wrong-token", peer_id=1, random_id=0, message="x"),
        await vk.call(
            "messages.send", community.access_token, peer_id=1, random_id=0, message="x"
        ),  # 901
        await vk.call("no.suchMethod", community.access_token),
        await vk.call("execute", community.access_token, code="return API.users.get(;"),
    ]
    for body in bodies:
        schema.check_error(body)
        params = {p["key"]: p["value"] for p in body["error"]["request_params"]}
        assert params["oauth"] == "1" and "method" in params


@dataclass
class Transports:
    """A community listened to on both transports: a long poll server and a Callback API server
    (secret "s"), both set up before anything happens."""

    vk: Vk
    receiver: Receiver
    runtime: SandboxRuntime
    server: dict[str, Any]

    async def updates(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """What each transport got since: the long poll's updates, the Callback API's bodies."""
        polled = (await self.vk.poll(self.server))["updates"]
        await self.runtime.tick()
        return polled, [r.body for r in self.receiver.events]


@pytest.fixture
async def transports(
    vk: Vk, control: Control, community: Community, receiver: Receiver, sandbox: RunningSandbox
) -> Transports:
    gid = community.id
    await control.post(f"/communities/{gid}/callback", {"url": receiver.url, "secret": "s"}, 201)
    server = await vk.call("groups.getLongPollServer", community.access_token, group_id=gid)
    return Transports(vk, receiver, sandbox.runtime, server["response"])


async def test_every_event_validates_from_long_poll_and_callback(
    vk: Vk, control: Control, community: Community, schema: VkSchema, transports: Transports
) -> None:
    token, gid = community.access_token, community.id
    user = await control.user()
    await control.write(user, -gid, "Привет")  # message_new
    sent = await vk.call(
        "messages.send", token, peer_id=user, random_id=0, message="Меню", keyboard=INLINE
    )  # message_reply
    await vk.call(
        "messages.edit",
        token,
        peer_id=user,
        message_id=sent["response"],
        message="Новое меню",
        keyboard=INLINE,
    )  # message_edit
    await control.post(f"/users/{user}/events", {"peer_id": -gid, "payload": {"a": 1}}, 201)
    await control.post(f"/users/{user}/deny", {"group_id": gid})
    await control.post(f"/users/{user}/allow", {"group_id": gid})

    polled, delivered = await transports.updates()
    types = [u["type"] for u in polled]
    assert types == [
        "message_new",
        "message_reply",
        "message_edit",
        "message_event",
        "message_deny",
        "message_allow",
    ]
    for update in polled:
        schema.check_event(update)
    assert polled[0]["object"]["client_info"]["keyboard"] is True
    assert polled[0]["object"]["message"]["fwd_messages"] == []

    assert [d["type"] for d in delivered] == types
    for body in delivered:
        assert body["secret"] == "s"
        schema.check_event(body)
    # The same event has the same event_id on both transports.
    assert [d["event_id"] for d in delivered] == [u["event_id"] for u in polled]


async def test_service_messages_and_calls_validate_on_both_transports(
    control: Control, community: Community, schema: VkSchema, transports: Transports
) -> None:
    gid = community.id
    teacher, pupil = await control.user("Ирина", "Смирнова"), await control.user()
    chat = await control.post("/chats", {"title": "9А", "user_ids": [teacher], "group_ids": [gid]})
    await control.post(f"/chats/{chat['peer_id']}/members", {"user_ids": [pupil]})
    await control.post(f"/users/{teacher}/calls", {"peer_id": chat["peer_id"], "duration": 60})

    for updates in await transports.updates():
        messages = [u["object"]["message"] for u in updates]
        assert [m.get("action", {}).get("type") for m in messages] == [
            "chat_create",
            "chat_invite_user",
            None,
        ]
        assert messages[2]["attachments"][0]["type"] == "call"
        for update in updates:
            schema.check_event(update)


async def test_errata_are_few_and_explained(schema: VkSchema) -> None:
    notes = list(schema.errata())
    assert len(notes) <= 6
    assert all(len(note) > 40 for note in notes)
