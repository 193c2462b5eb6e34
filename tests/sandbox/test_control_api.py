"""The control API: communities, people (one, with a profile, in bulk), chats, apps, stats."""

from __future__ import annotations

from typing import Any

from sandbox.app import RunningSandbox
from sandbox.records import Community

from .conftest import Control, Vk


async def test_communities(control: Control, vk: Vk) -> None:
    created = await control.post("/communities", {"name": "Помощник"}, 201)
    assert set(created) == {"group_id", "access_token"}
    listed = (await control.get("/communities"))["items"]
    assert created["group_id"] in [c["group_id"] for c in listed]
    body = await vk.call("groups.getById", created["access_token"])
    assert body["response"]["groups"][0] == {
        **body["response"]["groups"][0],
        "id": created["group_id"],
        "name": "Помощник",
    }
    fixed = await control.post(
        "/communities", {"name": "С номером", "group_id": 777, "access_token": "vk1.a.fixed"}, 201
    )
    assert fixed == {"group_id": 777, "access_token": "vk1.a.fixed"}
    await control.post("/communities", {"name": "Дубль", "group_id": 777}, 400)
    await control.post("/communities", {}, 400)


async def test_users_with_explicit_id_and_profile(control: Control) -> None:
    created = await control.post(
        "/users",
        {
            "first_name": "Ольга",
            "last_name": "Ким",
            "user_id": 4242,
            "role": "parent",
            "birth_date": "1984-02-03",
            "phone": "+79990000000",
            "children": [4243],
        },
        201,
    )
    assert created["user_id"] == 4242 and created["access_token"].startswith("vk1.a.")
    user = await control.get("/users/4242")
    assert user["profile"]["roles"] == ["parent"] and user["profile"]["children"] == [4243]
    await control.post("/users", {"first_name": "Ольга", "user_id": 4242}, 400)
    await control.post("/users", {"first_name": "X", "role": "wizard"}, 400)
    await control.get("/users/1", status=404)


async def test_bulk_users_have_allowed_the_community(
    control: Control, vk: Vk, community: Community
) -> None:
    bulk = await control.post("/users/bulk", {"count": 250, "allow_group_id": community.id}, 201)
    first, last = bulk["first_user_id"], bulk["last_user_id"]
    assert last - first == 249
    body = await vk.send(community.access_token, "Рассылка", peer_ids=[first, last])
    assert all("error" not in item for item in body["response"])
    plain = await control.post("/users/bulk", {"count": 2}, 201)
    refused = await vk.send(community.access_token, "x", peer_ids=[plain["first_user_id"]])
    assert refused["response"][0]["error"]["code"] == 901
    await control.post("/users/bulk", {"count": 0}, 400)
    listing = await control.get("/users", limit=5)
    assert listing["count"] >= 252 and len(listing["items"]) == 5


async def test_conversations_of_a_person(
    control: Control, community: Community, member: int, vk: Vk
) -> None:
    await vk.send(community.access_token, "Ответ сообщества", peer_id=member)
    conversations = await control.get(f"/users/{member}/conversations")
    (only,) = conversations["items"]
    assert only["peer_id"] == -community.id and only["title"] == community.name
    assert only["last_message"]["text"] == "Ответ сообщества"
    empty = await control.messages(member, -999)
    assert empty["items"] == []


async def test_writing_errors_come_back_as_vk_errors(control: Control, member: int) -> None:
    too_long = await control.write(member, -1, "x")
    assert too_long["error"]["error_code"] == 100
    empty = await control.post(f"/users/{member}/messages", {"peer_id": -1})
    assert "error" in empty
    bad = await control.post(f"/users/{member}/messages", {"text": "x"}, 400)
    assert "peer_id" in bad["error"]["error_msg"]


async def test_apps_and_chats(control: Control, member: int, community: Community) -> None:
    app = await control.post(
        "/apps",
        {
            "app_id": 51000001,
            "url": "http://127.0.0.1:8082/",
            "secret": "sandbox-app-secret",
            "title": "Журнал",
        },
        201,
    )
    assert app["app_id"] == 51000001
    assert (await control.get("/apps"))["items"][0]["title"] == "Журнал"
    await control.post("/apps", {"app_id": 1, "url": "nope", "secret": "x"}, 400)
    chat = await control.post("/chats", {"title": "Кружок", "user_ids": [member]}, 201)
    grown = await control.post(f"/chats/{chat['peer_id']}/members", {"group_ids": [community.id]})
    assert grown["group_ids"] == [community.id]
    await control.post("/chats", {"title": "x", "user_ids": [1]}, 400)


async def test_stats_count_calls_deliveries_and_errors(
    control: Control, vk: Vk, community: Community, member: int
) -> None:
    await vk.send(community.access_token, "x", random_id=1, peer_id=member)
    await vk.send(community.access_token, "x", random_id=1, peer_id=member)
    await vk.send("bad", "x", random_id=1, peer_id=member)
    stats: dict[str, Any] = await control.get("/stats")
    assert stats["api_calls"] == 3
    assert stats["messages_delivered"] == 2  # the member's greeting and one reply
    assert stats["duplicates_suppressed"] == 1
    assert stats["errors_by_code"] == {"5": 1}


async def test_tick_endpoint_runs_due_work(control: Control, sandbox: RunningSandbox) -> None:
    assert await control.post("/tick") == {"callback_attempts": 0}
