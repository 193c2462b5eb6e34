"""Person-to-person messages obey spec/communication-rules.md with VK's errors 987/988/901."""

from __future__ import annotations

import pytest

from core.demo.district import build
from sandbox.app import RunningSandbox
from sandbox.config import SandboxConfig

from .conftest import Control, Vk

IDS = build().vk_ids()
pytestmark = pytest.mark.parametrize(
    "config",
    [SandboxConfig(background_tasks=False, seed_demo=True, rate_limit=None, user_rate_limit=None)],
)


async def test_staff_writes_to_a_student_by_id(control: Control) -> None:
    sent = await control.write(IDS["smirnova"], IDS["st08"], "Завтра контрольная")
    assert "message_id" in sent
    seen = await control.messages(IDS["st08"], IDS["smirnova"])
    assert [m["text"] for m in seen["items"]] == ["Завтра контрольная"]
    assert seen["items"][0]["out"] == 0
    # The dialog is open now: the student may answer.
    assert "message_id" in await control.write(IDS["st08"], IDS["smirnova"], "Спасибо")


async def test_request_then_pending_then_accepted(control: Control) -> None:
    parent, child = IDS["pa00"], IDS["st05"]  # another family's child
    first = await control.write(parent, child, "Здравствуй, это мама Артёма")
    assert first["error"] == {"error_code": 987, "error_msg": "Need message request"}
    second = await control.write(parent, child, "Ты здесь?")
    assert second["error"] == {"error_code": 988, "error_msg": "Pending message request"}
    assert (await control.messages(child, parent))["items"] == []
    incoming = (await control.get(f"/users/{child}/message_requests"))["incoming"]
    assert [(r["sender_id"], r["status"]) for r in incoming] == [(parent, "pending")]
    assert [m["text"] for m in incoming[0]["messages"]] == [
        "Здравствуй, это мама Артёма",
        "Ты здесь?",
    ]
    await control.post(f"/users/{child}/message_requests/{parent}", {"action": "accept"})
    seen = await control.messages(child, parent)
    assert [m["text"] for m in seen["items"]] == ["Здравствуй, это мама Артёма", "Ты здесь?"]
    assert "message_id" in await control.write(parent, child, "Спасибо, что ответил")


async def test_declined_request_refuses_with_901(control: Control) -> None:
    parent, child = IDS["pa00"], IDS["st05"]
    await control.write(parent, child, "Привет")
    await control.post(f"/users/{child}/message_requests/{parent}", {"action": "decline"})
    again = await control.write(parent, child, "Привет?")
    assert again["error"]["error_code"] == 901


async def test_own_child_is_allowed(control: Control) -> None:
    parent = IDS["pa00"]
    child = next(iter(build().parents["pa00"]))
    assert "message_id" in await control.write(parent, IDS[child], "Ужин в семь")


async def test_no_role_adult_to_student_needs_role_confirmation(control: Control) -> None:
    refused = await control.write(IDS["guest-adult"], IDS["st03"], "Привет")
    assert refused["error"]["error_code"] == 901
    assert "confirm your role first" in refused["error"]["error_msg"]


async def test_minor_without_shared_chat_is_denied(control: Control) -> None:
    refused = await control.write(IDS["guest-minor"], IDS["guest-adult2"], "Привет")
    assert refused["error"] == {
        "error_code": 901,
        "error_msg": "Can't send messages for users without permission",
    }


async def test_by_phone_staff_to_student_is_a_request(control: Control) -> None:
    refused = await control.write(IDS["kuznetsov"], IDS["st20"], "Здравствуйте", via="phone")
    assert refused["error"]["error_code"] == 987


async def test_the_same_rules_through_the_api_with_a_user_token(
    vk: Vk,
    control: Control,
    sandbox: RunningSandbox,
) -> None:
    token = sandbox.runtime.state.users[IDS["pa00"]].access_token
    body = await vk.call("messages.send", token, peer_id=IDS["st05"], random_id=0, message="Привет")
    assert body["error"]["error_code"] == 987
    again = await vk.call("messages.send", token, peer_id=IDS["st05"], random_id=0, message="?")
    assert again["error"]["error_code"] == 988
    ok = await vk.call(
        "messages.send",
        token,
        peer_id=IDS[next(iter(build().parents["pa00"]))],
        random_id=0,
        message="Ужин",
    )
    assert isinstance(ok["response"], int)
    keyboard = await vk.call(
        "messages.send",
        token,
        peer_id=IDS["st00"],
        random_id=0,
        message="x",
        keyboard='{"buttons": []}',
    )
    assert keyboard["error"]["error_code"] == 912


async def test_seeded_people_carry_sferum_profiles(control: Control) -> None:
    teacher = await control.get(f"/users/{IDS['smirnova']}")
    assert teacher["first_name"] == "Ирина"
    assert teacher["profile"]["roles"] == ["staff"]
    assert "классный руководитель" in teacher["profile"]["title"]
    student = await control.get(f"/users/{IDS['st08']}")
    assert student["profile"]["roles"] == ["student"]
    assert student["profile"]["group_ids"] == ["s112-9a"]
    assert 2_000_000_003 in student["chats"]  # the 9А chat, same peer as core.demo.loader
    chats = (await control.get("/chats"))["items"]
    assert chats[2]["title"] == "9А класс" and IDS["st08"] in chats[2]["user_ids"]
