"""The API version `v`: answers and events take the shape of the version asked for, as on VK.

vk_api's default is 5.92, vkbottle's 5.199; both must get what VK gives them at that version.
"""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.api_version import of_request, parse
from sandbox.app import RunningSandbox
from sandbox.errors import VkError
from sandbox.records import Community

from .conftest import Control, Vk, error_of
from .receiver import Receiver

DEPRECATED = (
    'Invalid request: versions below 5.81 are deprecated. Version param should be passed as "v". '
    '"version" param is invalid and not supported. '
    "For more information go to https://vk.com/dev/constant_version_updates"
)


def test_versions_compare_part_by_part_not_as_decimals() -> None:
    assert parse("5.92") == (5, 92) and parse("5.103") == (5, 103)
    assert parse("5.92") < parse("5.103")  # type: ignore[operator]
    assert parse("5") == (5, 0)
    assert parse("5.x") is None and parse("") is None and parse("5.1.2") is None
    assert of_request("5.300") == (5, 199)  # a version from the future is the newest
    with pytest.raises(VkError):
        of_request("5.80")


@pytest.mark.parametrize(
    ("v", "shape"),
    [
        ("5.92", "array"),
        ("5.131", "array"),
        ("5.193", "array"),
        ("5.194", "object"),
        ("5.199", "object"),
        ("5.250", "object"),
    ],
)
async def test_groups_get_by_id_answers_in_the_shape_of_v(
    vk: Vk, community: Community, v: str, shape: str
) -> None:
    body = await vk.call("groups.getById", community.access_token, v=v, fields="can_message")
    response = body["response"]
    groups = response if shape == "array" else response["groups"]
    if shape == "object":
        assert response["profiles"] == []
    else:
        assert isinstance(response, list)
    assert [(g["id"], g["can_message"]) for g in groups] == [(community.id, 1)]


async def test_missing_retired_and_malformed_versions_are_error_8(
    vk: Vk, community: Community
) -> None:
    token = community.access_token
    assert error_of(await vk.call("users.get", token, v=None)) == (
        8,
        "Invalid request: v (version) is required",
    )
    for retired in ("5.80", "5.9", "4.0", "abc"):  # 5.9 is older than 5.81, not newer
        assert error_of(await vk.call("users.get", token, v=retired)) == (8, DEPRECATED)
    assert "response" in await vk.call("users.get", token, v="5.81")


async def test_calls_inside_execute_answer_in_executes_version(
    vk: Vk, community: Community
) -> None:
    token = community.access_token
    old = await vk.call("execute", token, v="5.92", code="return API.groups.getById()@.id;")
    assert old["response"] == [community.id]
    new = await vk.call("execute", token, v="5.199", code="return API.groups.getById().groups@.id;")
    assert new["response"] == [community.id]


async def long_poll(vk: Vk, community: Community) -> dict[str, Any]:
    body = await vk.call("groups.getLongPollServer", community.access_token, group_id=community.id)
    return dict(body["response"])


async def test_long_poll_events_follow_the_api_version_of_its_settings(
    vk: Vk, control: Control, community: Community
) -> None:
    token = community.access_token
    settings = await vk.call("groups.getLongPollSettings", token, group_id=community.id)
    assert settings["response"]["api_version"] == "5.199"  # a new community's, as on VK
    server = await long_poll(vk, community)
    user = await control.user()
    await control.write(user, -community.id, "по-новому")
    modern = (await vk.poll(server))["updates"][0]
    assert modern["v"] == "5.199"
    assert modern["object"]["message"]["text"] == "по-новому"
    assert modern["object"]["client_info"]["keyboard"] is True

    changed = await vk.call(
        "groups.setLongPollSettings", token, v="5.92", group_id=community.id, api_version="5.92"
    )
    assert changed["response"] == 1
    settings = await vk.call("groups.getLongPollSettings", token, group_id=community.id)
    assert settings["response"]["api_version"] == "5.92"
    await control.write(user, -community.id, "по-старому")
    old = (await vk.poll(server))["updates"]
    # Before 5.103 the object is the message itself, without client_info. Events sent again
    # (the same ts) are shaped anew, as VK shapes them when it sends them.
    assert [u["v"] for u in old] == ["5.92", "5.92"]
    assert [u["object"]["text"] for u in old] == ["по-новому", "по-старому"]
    assert "client_info" not in old[1]["object"] and old[1]["object"]["from_id"] == user

    await vk.call("groups.setLongPollSettings", token, group_id=community.id, api_version="5.103")
    assert (await vk.poll(server))["updates"][1]["object"]["message"]["text"] == "по-старому"


@pytest.mark.parametrize("bad", ["5.50", "5.300", "пять", "5.x"])
async def test_an_api_version_events_cannot_take_is_refused(
    vk: Vk, community: Community, bad: str
) -> None:
    body = await vk.call(
        "groups.setLongPollSettings", community.access_token, group_id=community.id, api_version=bad
    )
    assert error_of(body) == (
        100,
        "One of the parameters specified was missing or invalid: api_version is invalid",
    )
    settings = await vk.call(
        "groups.getLongPollSettings", community.access_token, group_id=community.id
    )
    assert settings["response"]["api_version"] == "5.199"


async def test_callback_events_follow_each_servers_api_version(
    vk: Vk,
    control: Control,
    community: Community,
    receiver: Receiver,
    sandbox: RunningSandbox,
) -> None:
    token = community.access_token
    added = await control.post(f"/communities/{community.id}/callback", {"url": receiver.url}, 201)
    server_id = added["server_id"]
    settings = await vk.call(
        "groups.getCallbackSettings", token, group_id=community.id, server_id=server_id
    )
    assert settings["response"]["api_version"] == "5.199"
    user = await control.user()
    await control.write(user, -community.id, "раз")
    await sandbox.runtime.tick()
    assert receiver.events[-1].body["object"]["message"]["text"] == "раз"

    await vk.call(
        "groups.setCallbackSettings",
        token,
        group_id=community.id,
        server_id=server_id,
        api_version="5.92",
        message_new=1,
    )
    settings = await vk.call(
        "groups.getCallbackSettings", token, group_id=community.id, server_id=server_id
    )
    assert settings["response"]["api_version"] == "5.92"
    await control.write(user, -community.id, "два")
    await sandbox.runtime.tick()
    delivered = receiver.events[-1].body
    assert delivered["v"] == "5.92" and delivered["type"] == "message_new"
    assert delivered["object"]["text"] == "два" and "client_info" not in delivered["object"]
    # Bots Long Poll keeps its own version.
    server = await long_poll(vk, community)
    await control.write(user, -community.id, "три")
    polled = (await vk.poll(server))["updates"][0]
    assert polled["v"] == "5.199" and polled["object"]["message"]["text"] == "три"
