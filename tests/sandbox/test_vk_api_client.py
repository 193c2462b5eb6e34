"""vk_api, the other common Python client, against the sandbox at its default version (5.92):
the answers of that version, and VkFunction examples (test_vk_api_bot.py runs a whole bot).

vk_api is synchronous (requests), so its calls run in a thread while the sandbox serves on the
test's loop. Its API address is fixed (https://api.vk.ru/method/); a transport adapter sends
those requests to the sandbox instead, changing nothing else in what vk_api sends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
import requests
import vk_api
from requests.adapters import HTTPAdapter
from vk_api.execute import VkFunction

from sandbox.app import RunningSandbox
from sandbox.records import Community

from .conftest import Control

T = TypeVar("T")
VK_API_ORIGIN = "https://api.vk.ru"


class ToSandbox(HTTPAdapter):
    def __init__(self, origin: str) -> None:
        super().__init__()
        self.origin = origin

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        assert request.url is not None
        request.url = self.origin + request.url.removeprefix(VK_API_ORIGIN)
        return super().send(request, *args, **kwargs)


@pytest.fixture
def session(sandbox: RunningSandbox, community: Community) -> vk_api.VkApi:
    vk = vk_api.VkApi(token=community.access_token)  # api_version: vk_api's default
    vk.RPS_DELAY = 0  # its own pacing sleeps in real time; the sandbox's limit is tested apart
    vk.http.trust_env = False  # no proxy between the test and 127.0.0.1
    vk.http.mount(VK_API_ORIGIN + "/", ToSandbox(sandbox.url))
    return vk


async def in_thread(call: Callable[[], T]) -> T:
    return await asyncio.to_thread(call)


def test_vk_apis_default_version_is_5_92() -> None:
    # What this file is about: if vk_api moves on, these tests should move with it.
    assert vk_api.VkApi().api_version == "5.92"


async def test_groups_get_by_id_answers_the_array_of_5_92(
    session: vk_api.VkApi, community: Community
) -> None:
    groups = await in_thread(lambda: session.get_api().groups.getById(fields="can_message"))
    assert isinstance(groups, list)
    assert [(g["id"], g["name"], g["can_message"]) for g in groups] == [
        (community.id, community.name, 1)
    ]


# VkFunction as vk_api's documentation shows it: %(name)s is replaced by the JSON of the value.
vk_add = VkFunction(args=("x", "y"), code="return %(x)s + %(y)s;")
vk_get_filtered = VkFunction(
    args=("method", "values", "key"),
    clean_args=("method", "key"),
    code="return API.%(method)s(%(values)s)@.%(key)s;",
)
vk_sum = VkFunction(
    args=("n",),
    code="""
        var s = 0;
        var i = 0;
        while (i < %(n)s) {
            s = s + i;
            i = i + 1;
        }
        return s;
    """,
)
vk_greet = VkFunction(
    args=("peers", "text"),
    code="""
        var people = API.users.get({"user_ids": %(peers)s});
        var i = 0;
        var sent = [];
        while (i < people.length) {
            sent.push(API.messages.send({
                "peer_id": people[i].id,
                "random_id": 0,
                "message": %(text)s + ", " + people[i].first_name + "!"
            }));
            i = i + 1;
        }
        return {"ids": people@.id, "sent": sent.length};
    """,
)


async def test_vk_function_examples_run(
    session: vk_api.VkApi, control: Control, community: Community, member: int
) -> None:
    assert await in_thread(lambda: vk_add(session, 2, 3)) == 5
    assert await in_thread(lambda: vk_add(session, "на", "бор")) == "набор"
    ids = await in_thread(
        lambda: vk_get_filtered(session, "users.get", {"user_ids": f"{member},1"}, "id")
    )
    assert ids == [member, 1]
    assert await in_thread(lambda: vk_sum(session, 10)) == 45
    answer = await in_thread(lambda: vk_greet(session, [member], "Здравствуйте"))
    assert answer == {"ids": [member], "sent": 1}
    texts = [m["text"] for m in (await control.messages(member, -community.id))["items"]]
    assert texts[-1] == "Здравствуйте, Пётр!"


async def test_execute_errors_reach_vk_api_as_vk_errors(session: vk_api.VkApi) -> None:
    broken = VkFunction(code="return undefined_name;")
    with pytest.raises(vk_api.ApiError) as raised:
        await in_thread(lambda: broken(session))
    assert raised.value.code == 12
