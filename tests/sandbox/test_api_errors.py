"""Each VK error the sandbox answers, with VK's code and text, in VK's error shape."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from core.clock import ManualClock
from sandbox.app import RunningSandbox
from sandbox.config import FaultConfig, SandboxConfig
from sandbox.records import Community

from .conftest import Control, Vk, error_of


async def test_unknown_method_is_error_3(vk: Vk, community: Community) -> None:
    assert error_of(await vk.call("messages.fly", community.access_token)) == (
        3,
        "Unknown method passed",
    )


async def test_authorization_errors_are_5(vk: Vk) -> None:
    assert error_of(await vk.call("users.get", None)) == (
        5,
        "User authorization failed: no access_token passed.",
    )
    code, message = error_of(await vk.call("users.get", "vk1.a.forged"))
    assert code == 5
    assert message.startswith("User authorization failed: invalid access_token")


async def test_missing_or_ancient_version_is_error_8(vk: Vk, community: Community) -> None:
    assert error_of(await vk.call("users.get", community.access_token, v=None))[0] == 8
    assert error_of(await vk.call("users.get", community.access_token, v="4.0"))[0] == 8


async def test_request_params_echo_the_call_as_vk_does(vk: Vk, community: Community) -> None:
    body = await vk.call(
        "messages.send", community.access_token, peer_id=5, random_id=0, message="x", get=True
    )
    params = body["error"]["request_params"]
    assert params[:3] == [
        {"key": "method", "value": "messages.send"},
        {"key": "oauth", "value": "1"},
        {"key": "v", "value": "5.199"},
    ]
    assert {"key": "peer_id", "value": "5"} in params
    assert all(p["key"] != "access_token" for p in params)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"message": "x", "random_id": 0}, "you should specify peer_id"),
        ({"message": "x", "peer_id": 1}, "random_id"),
        ({"random_id": 0, "peer_ids": list(range(1, 102)), "message": "x"}, "at most 100"),
        ({"random_id": 0, "peer_id": 1}, "message is empty"),
        ({"random_id": 0, "peer_id": 1, "message": "x", "payload": "{oops"}, "payload"),
        ({"random_id": 0, "peer_id": 1, "message": "x", "attachment": "photo_1"}, "attachment"),
    ],
)
async def test_bad_parameters_are_error_100(
    vk: Vk, community: Community, params: dict[str, Any], fragment: str
) -> None:
    code, message = error_of(await vk.call("messages.send", community.access_token, **params))
    assert code == 100
    assert message.startswith("One of the parameters specified was missing or invalid: ")
    assert fragment in message


async def test_community_cannot_write_first_901(
    vk: Vk, control: Control, community: Community
) -> None:
    stranger = await control.user()
    body = await vk.send(community.access_token, "Добрый день", peer_id=stranger)
    assert error_of(body) == (901, "Can't send messages for users without permission")
    # Allowing (message_allow) opens the dialog; denying closes it again.
    await control.post(f"/users/{stranger}/allow", {"group_id": community.id})
    ok = await vk.send(community.access_token, "Добрый день", peer_id=stranger)
    assert isinstance(ok["response"], int)
    await control.post(f"/users/{stranger}/deny", {"group_id": community.id})
    again = await vk.send(community.access_token, "Ещё", peer_id=stranger)
    assert error_of(again)[0] == 901


async def test_message_length_limit_914(vk: Vk, community: Community, member: int) -> None:
    token = community.access_token
    # VK's limit is 9,000 characters, not the 4,096 vkbottle's answer() splits at.
    for length in (4097, 9000):
        ok = await vk.call(
            "messages.send", token, peer_id=member, random_id=0, message="я" * length
        )
        assert "response" in ok, (length, ok)
    too_long = await vk.call(
        "messages.send", token, peer_id=member, random_id=0, message="я" * 9001
    )
    assert error_of(too_long) == (914, "Message is too long")


def _keyboard(rows: int, cols: int, inline: bool = False, **button: Any) -> str:
    action = {"type": "text", "label": "Кнопка", **button}
    return json.dumps(
        {
            "inline": inline,
            "one_time": False,
            "buttons": [[{"action": action}] * cols for _ in range(rows)],
        }
    )


@pytest.mark.parametrize(
    ("keyboard", "valid"),
    [
        (_keyboard(8, 5), True),  # 40 buttons: the normal maximum
        (_keyboard(10, 4), True),
        (_keyboard(11, 1), False),  # more than 10 rows
        (_keyboard(1, 6), False),  # more than 5 columns
        (_keyboard(9, 5), False),  # 45 > 40 buttons
        (_keyboard(2, 5, inline=True), True),  # 10 buttons: the inline maximum
        (_keyboard(6, 1, inline=True), True),
        (_keyboard(7, 1, inline=True), False),  # more than 6 rows inline
        (_keyboard(3, 4, inline=True), False),  # 12 > 10 inline
        (_keyboard(1, 1, type="teleport"), False),
        (_keyboard(1, 1, label=""), False),
        (_keyboard(1, 1, label="x" * 41), False),
        (_keyboard(1, 1, payload="not json"), False),
        (_keyboard(1, 1, type="open_link", link="ftp://x"), False),
        (_keyboard(1, 1, type="open_link", link="https://vk.com"), True),
        (_keyboard(1, 1, type="open_app", app_id=51000001), True),
        (_keyboard(1, 1, type="open_app"), False),
        (
            json.dumps(
                {"buttons": [[{"action": {"type": "text", "label": "a"}, "color": "purple"}]]}
            ),
            False,
        ),
        (
            json.dumps(
                {"buttons": [[{"action": {"type": "callback", "label": "a"}, "color": "negative"}]]}
            ),
            True,
        ),
        ("{not json", False),
        (json.dumps({"buttons": "nope"}), False),
    ],
)
async def test_keyboard_rules_911(
    vk: Vk, community: Community, member: int, keyboard: str, valid: bool
) -> None:
    body = await vk.call(
        "messages.send",
        community.access_token,
        peer_id=member,
        random_id=0,
        message="Клавиатура",
        keyboard=keyboard,
    )
    if valid:
        assert "response" in body, body
    else:
        code, message = error_of(body)
        assert code == 911
        assert message.startswith("Keyboard format is invalid")


async def test_chat_without_the_community_is_917(
    vk: Vk, control: Control, community: Community, member: int
) -> None:
    chat = await control.post("/chats", {"title": "Без бота", "user_ids": [member]}, 201)
    body = await vk.send(community.access_token, "x", peer_id=chat["peer_id"])
    assert error_of(body) == (917, "You don't have access to this chat")


async def test_another_communitys_long_poll_is_access_denied_15(
    vk: Vk, community: Community
) -> None:
    body = await vk.call(
        "groups.getLongPollServer", community.access_token, group_id=community.id + 1
    )
    assert error_of(body)[0] == 15


async def test_unknown_screen_name_is_113(vk: Vk, community: Community) -> None:
    assert error_of(await vk.call("users.get", community.access_token, user_ids="durov"))[0] == 113


@pytest.mark.parametrize("config", [SandboxConfig(background_tasks=False, rate_limit=20)])
async def test_rate_limit_is_error_6_per_token_per_second(
    vk: Vk,
    control: Control,
    community: Community,
    clock: ManualClock,
    sandbox: RunningSandbox,
) -> None:
    token = community.access_token
    bodies = [await vk.call("groups.getById", token) for _ in range(21)]
    assert all("response" in b for b in bodies[:20])
    assert error_of(bodies[20]) == (6, "Too many requests per second")
    # Another token has its own budget.
    other = await control.post("/communities", {"name": "Другое"}, 201)
    assert "response" in await vk.call("groups.getById", other["access_token"])
    clock.advance(timedelta(seconds=1))
    assert "response" in await vk.call("groups.getById", token)
    stats = await control.get("/stats")
    assert stats["rate_limited"] == 1
    assert stats["errors_by_code"]["6"] == 1


@pytest.mark.parametrize(
    ("config", "code"),
    [
        (SandboxConfig(background_tasks=False, faults=FaultConfig(error10_share=1.0)), 10),
        (SandboxConfig(background_tasks=False, faults=FaultConfig(error6_share=1.0)), 6),
    ],
)
async def test_injected_faults(vk: Vk, community: Community, code: int) -> None:
    body = await vk.call("groups.getById", community.access_token)
    assert error_of(body)[0] == code


async def test_faults_are_off_by_default_and_switchable(
    vk: Vk, control: Control, community: Community
) -> None:
    assert (await control.get("/faults"))["error10_share"] == 0
    await control.put("/faults", {"error10_share": 0.5, "seed": 7})
    codes = [
        ("error" in await vk.call("groups.getById", community.access_token)) for _ in range(200)
    ]
    assert 60 < sum(codes) < 140
    bad = await control.http.put(control.root + "/faults", json={"error6_share": 2})
    assert bad.status == 400


@pytest.mark.parametrize(
    "config",
    [SandboxConfig(background_tasks=False, faults=FaultConfig(hang_share=1.0, hang_seconds=0.5))],
)
async def test_injected_hang_outlasts_the_client_timeout(vk: Vk, community: Community) -> None:
    with pytest.raises(asyncio.TimeoutError):
        async with vk.http.get(
            f"{vk.base}/method/groups.getById",
            params={"access_token": community.access_token, "v": "5.199"},
            timeout=aiohttp.ClientTimeout(total=0.1),
        ):
            pass
    # A patient client eventually gets error 10.
    body = await vk.call("groups.getById", community.access_token)
    assert error_of(body)[0] == 10


@pytest.mark.parametrize(
    "config", [SandboxConfig(background_tasks=False, faults=FaultConfig(http500_share=1.0))]
)
async def test_injected_http_500_is_an_html_page(
    vk: Vk, control: Control, community: Community
) -> None:
    async with vk.http.post(
        f"{vk.base}/method/groups.getById",
        params={"access_token": community.access_token, "v": "5.199"},
    ) as response:
        assert response.status == 500
        assert response.content_type == "text/html"
        assert "500 Internal Server Error" in await response.text()
    await control.put("/faults", {"http500_share": 0})
    assert "response" in await vk.call("groups.getById", community.access_token)


async def test_execute_compile_and_runtime_errors(vk: Vk, community: Community) -> None:
    token = community.access_token
    assert error_of(await vk.call("execute", token, code="return 1 +;"))[0] == 12
    assert error_of(await vk.call("execute", token, code="return API.messages();"))[0] == 12
    calls = ",".join(['API.users.get({"user_ids": "1"})'] * 26)
    code, message = error_of(await vk.call("execute", token, code=f"return [{calls}];"))
    assert (code, message) == (
        13,
        "Runtime error occurred during code invocation: Too many API calls",
    )
    assert error_of(await vk.call("execute", token))[0] == 100
