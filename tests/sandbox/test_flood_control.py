"""Flood control (error 9) injected for a share of calls and per recipient of messages.send, and
failed recipients of peer_ids answered as VK answers them: peer_id and error, no message ids."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from sandbox.app import RunningSandbox
from sandbox.records import Community
from sandbox.vk_schema import SchemaMismatch, VkSchema

from .conftest import Control, Vk

FLOOD = {"code": 9, "description": "Flood control"}


async def _allowed(control: Control, community: Community, count: int) -> list[int]:
    people = []
    for _ in range(count):
        person = await control.user()
        await control.write(person, -community.id, "Здравствуйте")
        people.append(person)
    return people


async def test_a_failed_recipient_has_no_message_ids(
    vk: Vk, control: Control, community: Community, member: int, schema: VkSchema
) -> None:
    stranger = await control.user()  # never wrote: 901
    body = await vk.send(community.access_token, "Всем", random_id=5, peer_ids=[member, stranger])
    delivered, refused = body["response"]
    assert set(delivered) == {"peer_id", "message_id", "conversation_message_id"}
    assert refused == {
        "peer_id": stranger,
        "error": {"code": 901, "description": "Can't send messages for users without permission"},
    }
    schema.check_response("messages.send", body, "userIdsResponse")


def test_the_schema_still_wants_the_ids_of_a_delivered_recipient(schema: VkSchema) -> None:
    schema.check_response(
        "messages.send", {"response": [{"peer_id": 5, "error": FLOOD}]}, "userIdsResponse"
    )
    with pytest.raises(SchemaMismatch):
        schema.check_response("messages.send", {"response": [{"peer_id": 5}]}, "userIdsResponse")


async def test_a_flooded_peer_gets_error_9_in_its_item_and_the_others_their_message(
    vk: Vk, control: Control, community: Community, sandbox: RunningSandbox
) -> None:
    first, flooded, last = await _allowed(control, community, 3)
    faults = await control.put("/faults", {"flood_peers": [flooded]})
    assert faults["flood_peers"] == [flooded]
    body = await vk.send(
        community.access_token, "Собрание", random_id=11, peer_ids=[first, flooded, last]
    )
    items = body["response"]
    assert [i["peer_id"] for i in items] == [first, flooded, last]
    assert items[1] == {"peer_id": flooded, "error": FLOOD}
    assert "error" not in items[0] and "error" not in items[2]
    texts = [m["text"] for m in (await control.messages(flooded, -community.id))["items"]]
    assert texts == ["Здравствуйте"]  # refused: nothing arrived
    assert (await control.get("/stats"))["errors_by_code"]["9"] == 1

    # One peer: the whole call answers 9.
    single = await vk.send(community.access_token, "Ответ", random_id=12, peer_id=flooded)
    assert single["error"]["error_code"] == 9 and single["error"]["error_msg"] == "Flood control"


async def test_a_message_already_delivered_is_answered_again_not_refused(
    vk: Vk, control: Control, community: Community, member: int
) -> None:
    """The random_id memory comes first: a retry of a delivered message is no new message."""
    sent = await vk.send(community.access_token, "Раз", random_id=21, peer_ids=[member])
    await control.put("/faults", {"flood_peers": [member]})
    again = await vk.send(community.access_token, "Раз", random_id=21, peer_ids=[member])
    assert again == sent
    fresh = await vk.send(community.access_token, "Два", random_id=22, peer_ids=[member])
    assert fresh["response"][0]["error"] == FLOOD


async def test_a_share_of_recipients_meets_flood_control(
    vk: Vk, control: Control, community: Community, sandbox: RunningSandbox
) -> None:
    state = sandbox.runtime.state
    first, last = state.create_users_bulk(100, "Ученик", "Тестовый", community.id)
    await control.put("/faults", {"peer_error9_share": 0.3, "seed": 3})
    body = await vk.send(
        community.access_token, "Всем", random_id=31, peer_ids=list(range(first, last + 1))
    )
    refused = [i for i in body["response"] if "error" in i]
    assert 10 < len(refused) < 50
    assert all(i["error"] == FLOOD and set(i) == {"peer_id", "error"} for i in refused)
    assert state.stats.messages_delivered == 100 - len(refused)


async def test_error_9_for_a_share_of_calls(vk: Vk, control: Control, community: Community) -> None:
    await control.put("/faults", {"error9_share": 0.5, "seed": 7})
    codes = [
        (await vk.call("groups.getById", community.access_token)).get("error", {}).get("error_code")
        for _ in range(200)
    ]
    assert set(codes) == {None, 9}
    assert 60 < codes.count(9) < 140


@pytest.mark.parametrize(
    "body",
    [
        {"error9_share": 2},
        {"error9_share": 0.6, "error10_share": 0.6},
        {"peer_error9_share": -0.1},
        {"flood_peers": ["кто-то"]},
        {"flood_peers": 5},
    ],
)
async def test_bad_flood_settings_are_refused(
    control: Control, http: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    async with http.put(control.root + "/faults", json=body) as response:
        assert response.status == 400
    faults = await control.get("/faults")
    assert faults["error9_share"] == 0 and faults["flood_peers"] == []
