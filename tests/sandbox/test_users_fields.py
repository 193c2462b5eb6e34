"""users.get's sex, city, has_mobile, last_seen and domain, in VK's shapes (validated against the
official schema), with plausible values for the demo people and last visits on the sandbox clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from core.clock import ManualClock
from core.demo.district import build
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.config import SandboxConfig
from sandbox.records import PLATFORM_WEB, Community
from sandbox.vk_schema import VkSchema

from .conftest import Control, Vk

FIELDS = "sex,city,has_mobile,last_seen,domain,screen_name"
SIX_HOURS = 6 * 3600 + 5 * 60  # the demo people's last visits are at most this long ago


@pytest.fixture
async def demo(clock: ManualClock) -> AsyncIterator[RunningSandbox]:
    config = SandboxConfig(
        background_tasks=False, communities=("Школьный бот",), rate_limit=None, seed_demo=True
    )
    running = await start_sandbox(config, clock=clock)
    try:
        yield running
    finally:
        await running.stop()


async def _users(
    vk: Vk, token: str, schema: VkSchema, ids: list[int], fields: str = FIELDS
) -> dict[int, dict[str, Any]]:
    body = await vk.call("users.get", token, user_ids=ids, fields=fields)
    schema.check_response("users.get", body)
    return {user["id"]: user for user in body["response"]}


def _now(clock: ManualClock) -> int:
    return int(clock.now().timestamp())


async def test_demo_people_have_their_sex_city_phone_address_and_last_visit(
    demo: RunningSandbox, clock: ManualClock, schema: VkSchema
) -> None:
    vk_ids = build().vk_ids()
    teacher, colleague, student, guest = (
        vk_ids[key] for key in ("smirnova", "kuznetsov", "st00", "guest-adult")
    )
    community = next(iter(demo.runtime.state.communities.values()))
    async with aiohttp.ClientSession() as http:
        found = await _users(
            Vk(http, demo.url), community.access_token, schema, [teacher, colleague, student, guest]
        )
    assert found[teacher]["sex"] == 1 and found[colleague]["sex"] == 2  # Ирина, Олег
    assert found[teacher]["city"] == {"id": 99, "title": "Новосибирск"}  # school № 112
    assert found[student]["city"]["title"] in ("Новосибирск", "Бердск")
    assert "city" not in found[guest]  # no school: no city, and VK leaves the key out
    assert found[teacher]["domain"] == found[teacher]["screen_name"] == "smirnova"
    assert found[student]["domain"] == found[student]["screen_name"] == f"id{student}"
    assert all(user["has_mobile"] == 1 for user in found.values())  # every demo person's phone
    now = _now(clock)
    seen = [user["last_seen"] for user in found.values()]
    assert all(now - SIX_HOURS <= visit["time"] < now for visit in seen)
    assert all(visit["platform"] in range(1, 8) for visit in seen)
    assert len({visit["time"] for visit in seen}) == len(seen)  # not one moment for everyone


async def test_the_demo_values_are_the_same_on_every_start(
    demo: RunningSandbox, clock: ManualClock
) -> None:
    state = demo.runtime.state
    first = {u.id: (u.page, u.last_seen) for u in state.users.values()}
    config = SandboxConfig(background_tasks=False, rate_limit=None, seed_demo=True)
    again = await start_sandbox(config, clock=ManualClock(clock.now()))
    try:
        second = {u.id: (u.page, u.last_seen) for u in again.runtime.state.users.values()}
    finally:
        await again.stop()
    assert first == second and len(first) > 40


async def test_a_created_person_before_and_after_writing(
    vk: Vk, control: Control, community: Community, clock: ManualClock, schema: VkSchema
) -> None:
    plain = await control.user("Пётр", "Тестов")
    with_phone = await control.user("Анна", "Номерова", phone="+79130009988")
    token = community.access_token
    before = await _users(vk, token, schema, [plain, with_phone])
    assert before[plain]["sex"] == 0  # VK's "not given"
    assert before[plain]["has_mobile"] == 0 and before[with_phone]["has_mobile"] == 1
    assert before[plain]["domain"] == f"id{plain}"
    assert "city" not in before[plain] and "last_seen" not in before[plain]  # never seen yet

    await control.write(plain, -community.id, "Здравствуйте")
    written = _now(clock)
    assert (await _users(vk, token, schema, [plain]))[plain]["last_seen"] == {
        "time": written,
        "platform": PLATFORM_WEB,
    }
    clock.advance(timedelta(hours=2))
    unchanged = (await _users(vk, token, schema, [plain]))[plain]["last_seen"]
    assert unchanged["time"] == written  # a visit is when the person acted, not when asked
    await control.write(plain, -community.id, "Ещё вопрос")
    later = (await _users(vk, token, schema, [plain]))[plain]["last_seen"]
    assert later["time"] == written + 2 * 3600


async def test_fields_not_asked_for_are_not_given(
    vk: Vk, community: Community, member: int, schema: VkSchema
) -> None:
    bare = (await _users(vk, community.access_token, schema, [member], fields=""))[member]
    assert not {"sex", "city", "has_mobile", "last_seen", "domain", "screen_name"} & set(bare)
    one = (await _users(vk, community.access_token, schema, [member], fields="domain"))[member]
    assert one["domain"] == f"id{member}" and "screen_name" not in one
