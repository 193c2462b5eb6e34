"""Another web page cannot drive the sandbox: writes to the control API and the web chat need a
JSON body and, from a browser, the sandbox's own origin."""

from __future__ import annotations

import json

import aiohttp
import pytest

from core.clock import ManualClock
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.config import SandboxConfig
from sandbox.records import Community

PERSON = {"first_name": "Подставной", "last_name": "Пользователь"}


def _users(sandbox: RunningSandbox) -> int:
    return len(sandbox.runtime.state.users)


async def test_a_text_plain_post_is_refused(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """What `fetch(url, {method: "POST", mode: "no-cors", body})` from any site sends."""
    before = _users(sandbox)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        async with http.post(
            f"{sandbox.url}/sandbox/api/users",
            data=json.dumps(PERSON),
            headers={"Content-Type": content_type},
        ) as response:
            assert response.status == 415
            assert "JSON" in (await response.json())["error"]["error_msg"]
    async with http.put(
        f"{sandbox.url}/sandbox/api/faults", data="{}", headers={"Content-Type": "text/plain"}
    ) as response:
        assert response.status == 415
    assert _users(sandbox) == before


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://127.0.0.1:1", "file://", "garbage"]
)
async def test_a_json_post_from_a_foreign_origin_is_refused(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, origin: str
) -> None:
    before = _users(sandbox)
    async with http.post(
        f"{sandbox.url}/sandbox/api/users", json=PERSON, headers={"Origin": origin}
    ) as response:
        assert response.status == 403
    async with http.post(  # no body at all: still refused
        f"{sandbox.url}/sandbox/api/tick", headers={"Origin": origin}
    ) as response:
        assert response.status == 403
    assert _users(sandbox) == before


async def test_same_origin_and_non_browser_clients_work(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    before = _users(sandbox)
    async with http.post(
        f"{sandbox.url}/sandbox/api/users", json=PERSON, headers={"Origin": sandbox.url}
    ) as response:
        assert response.status == 201
    async with http.post(f"{sandbox.url}/sandbox/api/users", json=PERSON) as response:
        assert response.status == 201  # aiohttp, curl, tests: no Origin
    async with http.post(f"{sandbox.url}/sandbox/api/tick") as response:
        assert response.status == 200  # no body needs no Content-Type
    assert _users(sandbox) == before + 2


async def test_the_web_chat_accepts_only_its_own_pages(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, community: Community
) -> None:
    user = sandbox.runtime.state.create_user("Ира", "Смирнова", 700_301).id
    send = f"{sandbox.url}/chat/{user}/send"
    body = {"peer_id": -community.id, "text": "Переведите мне деньги"}
    async with http.post(send, data=json.dumps(body)) as response:  # text/plain
        assert response.status == 415
    async with http.post(send, json=body, headers={"Origin": "https://evil.example"}) as response:
        assert response.status == 403
    conv = sandbox.runtime.state.conversation_for(user, -community.id)
    assert conv is None or conv.messages == []
    async with http.post(send, json=body, headers={"Origin": sandbox.url}) as response:
        assert response.status == 200 and (await response.json())["ok"] is True
    conv = sandbox.runtime.state.conversation_for(user, -community.id)
    assert conv is not None and [m.text for m in conv.messages] == [body["text"]]


async def test_the_public_url_counts_as_the_sandbox_origin(
    clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    config = SandboxConfig(background_tasks=False, public_url="https://sandbox.school.example")
    sandbox = await start_sandbox(config, clock=clock)
    try:
        for origin, status in (
            ("https://sandbox.school.example", 201),
            ("https://other.school.example", 403),
        ):
            async with http.post(
                f"{sandbox.url}/sandbox/api/users", json=PERSON, headers={"Origin": origin}
            ) as response:
                assert response.status == status
    finally:
        await sandbox.stop()
