"""Read marks: a person who opens a dialog in the web chat has read it, and the community reads
that as VK reports it — messages.getConversationsById's out_read against its sent message ids."""

from __future__ import annotations

import aiohttp

from sandbox.app import RunningSandbox
from sandbox.records import Community
from sandbox.vk_schema import VkSchema

from .conftest import Control, Vk


async def _conversation(vk: Vk, community: Community, peer_id: int) -> dict[str, object]:
    body = await vk.call("messages.getConversationsById", community.access_token, peer_ids=peer_id)
    items = body["response"]["items"]
    assert len(items) == 1, body
    return items[0]  # type: ignore[no-any-return]


async def test_opening_the_dialog_in_the_web_chat_marks_the_community_messages_read(
    vk: Vk,
    control: Control,
    community: Community,
    member: int,
    sandbox: RunningSandbox,
    http: aiohttp.ClientSession,
) -> None:
    token = community.access_token
    first = (await vk.call("messages.send", token, peer_id=member, random_id=1, message="Раз"))[
        "response"
    ]
    second = (await vk.call("messages.send", token, peer_id=member, random_id=2, message="Два"))[
        "response"
    ]
    unread = await _conversation(vk, community, member)
    # The person's own first message is theirs; the community's two are not read yet.
    assert unread["out_read"] < first
    assert unread["peer"] == {"id": member, "type": "user", "local_id": member}
    assert unread["last_message_id"] == second and unread["can_write"] == {"allowed": True}
    # Writing after the person's greeting, the community has read it.
    assert 0 < unread["in_read"] < first and "unread_count" not in unread

    async with http.get(f"{sandbox.url}/chat/{member}", params={"peer": -community.id}) as page:
        assert page.status == 200
    read = await _conversation(vk, community, member)
    assert read["out_read"] == second and read["out_read_cmid"] == 3

    # A later message is unread again until the open page's long poll shows it.
    third = (await vk.call("messages.send", token, peer_id=member, random_id=3, message="Три"))[
        "response"
    ]
    assert (await _conversation(vk, community, member))["out_read"] == second
    query = {"v": "-1", "wait": "0", "peer": str(-community.id)}
    async with http.get(f"{sandbox.url}/chat/{member}/updates", params=query) as update:
        assert update.status == 200
    assert (await _conversation(vk, community, member))["out_read"] == third


async def test_writing_in_the_dialog_reads_it_and_unknown_peers_are_left_out(
    vk: Vk, control: Control, community: Community, member: int, schema: VkSchema
) -> None:
    token = community.access_token
    sent = (
        await vk.call("messages.send", token, peer_id=member, random_id=5, message="Как дела?")
    )["response"]
    await control.write(member, -community.id, "Хорошо")
    conversation = await _conversation(vk, community, member)
    assert conversation["out_read"] == sent  # answering shows the question was read
    stranger = await control.user("Нина", "Незнакомая")
    body = await vk.call("messages.getConversationsById", token, peer_ids=f"{member},{stranger}")
    assert body["response"]["count"] == 1
    schema.check_response("messages.getConversationsById", body)
    chat = await control.post(
        "/chats", {"title": "7Б", "user_ids": [member], "group_ids": [community.id]}
    )
    await control.write(member, chat["peer_id"], "всем привет")
    in_chat = await vk.call("messages.getConversationsById", token, peer_ids=chat["peer_id"])
    schema.check_response("messages.getConversationsById", in_chat)
    (item,) = in_chat["response"]["items"]
    assert item["peer"]["type"] == "chat" and item["last_message_id"] == 0  # ids hidden in chats
    assert item["last_conversation_message_id"] == 2
    extended = await vk.call("messages.getConversationsById", token, peer_ids=member, extended=1)
    schema.check_response("messages.getConversationsById", extended, "extendedResponse")
    assert [p["id"] for p in extended["response"]["profiles"]] == [member]
    too_many = await vk.call(
        "messages.getConversationsById", token, peer_ids=",".join(map(str, range(1, 102)))
    )
    assert too_many["error"]["error_code"] == 100
