"""execute: return [API.messages.send({...}), ...] with per-call results and errors."""

from __future__ import annotations

import json

import pytest

from sandbox.errors import VkError
from sandbox.records import Community
from sandbox.vkscript import Call, Lit, compile_code

from .conftest import Control, Vk


async def test_batch_of_sends_with_per_call_results_and_errors(
    vk: Vk,
    control: Control,
    community: Community,
    member: int,
) -> None:
    other = await control.user()
    await control.write(other, -community.id, "Здравствуйте")
    stranger = await control.user()
    calls = [
        f'API.messages.send({{"peer_ids": "{member},{other}", "random_id": 0, "message": "A"}})',
        f"API.messages.send({{peer_ids: [{stranger}], random_id: 0, message: 'B'}})",
        f'API.messages.send({{"peer_id": {stranger}, "random_id": 0, "message": "C"}})',
        f'API.messages.send({{"peer_id": {member}, "random_id": 0, "message": "{"я" * 9001}"}})',
    ]
    body = await vk.call("execute", community.access_token, code=f"return [{', '.join(calls)}];")
    first, second, third, fourth = body["response"]
    assert [item["peer_id"] for item in first] == [member, other]
    assert all("error" not in item for item in first)
    assert second[0]["error"]["code"] == 901  # per-peer error inside a successful call
    assert third is False and fourth is False
    assert body["execute_errors"] == [
        {
            "method": "messages.send",
            "error_code": 901,
            "error_msg": "Can't send messages for users without permission",
        },
        {"method": "messages.send", "error_code": 914, "error_msg": "Message is too long"},
    ]
    assert [m["text"] for m in (await control.messages(member, -community.id))["items"]] == [
        "Здравствуйте",
        "A",
    ]


async def test_variables_literals_and_single_call(
    vk: Vk, community: Community, member: int
) -> None:
    code = (
        f"var me = API.users.get({{user_ids: {member}}}); /* comment */\n"
        f"// another\nreturn {{who: me, n: 3, ok: true, list: [1, 'два', null]}};"
    )
    body = await vk.call("execute", community.access_token, code=code)
    assert body["response"]["who"][0]["id"] == member
    assert body["response"]["list"] == [1, "два", None] and body["response"]["ok"] is True
    assert "execute_errors" not in body


async def test_twenty_five_calls_of_a_hundred_recipients(
    vk: Vk, control: Control, community: Community
) -> None:
    bulk = await control.post("/users/bulk", {"count": 2500, "allow_group_id": community.id}, 201)
    first = bulk["first_user_id"]
    calls = []
    for n in range(25):
        peers = ",".join(str(first + n * 100 + i) for i in range(100))
        calls.append(
            f'API.messages.send({{"peer_ids": "{peers}", "random_id": {n + 1}, '
            f'"message": "Объявление"}})'
        )
    body = await vk.call("execute", community.access_token, code=f"return [{','.join(calls)}];")
    assert sum(len(items) for items in body["response"]) == 2500
    assert (await control.get("/stats"))["messages_delivered"] == 2500


@pytest.mark.parametrize(
    "code",
    [
        "return API.messages.send({",
        "return [1, 2",
        "return 'unterminated",
        "return a b;",
        "return {1 2};",
        "API..send()",
    ],
)
def test_compile_errors_are_12(code: str) -> None:
    with pytest.raises(VkError) as error:
        compile_code(code)
    assert error.value.code == 12


def test_json_shaped_arguments_parse_in_one_step() -> None:
    args = {"peer_ids": list(range(100)), "message": 'привет "мир"', "random_id": 5}
    statements = compile_code(f"return API.messages.send({json.dumps(args)});")
    call = statements[0].node
    assert isinstance(call, Call) and call.method == "messages.send"
    assert call.arg == Lit(args)
