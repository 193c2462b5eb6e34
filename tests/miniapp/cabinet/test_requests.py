"""«Заявки»: who gets in, the queue (pending first, decided with who and when), approve and reject
as the bot decides (the role, the class, the person's identity, the message to the person), a
request someone else decided meanwhile, two decisions at once, and the page beside the bot."""

from __future__ import annotations

import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.clock import ManualClock
from core.people import Position, RoleKind
from core.runtime.services import Services
from core.verification import AlreadyDecided
from tests.core.verification.join_steps import request_to_join_7b

from ...browser import needs_chromium
from ..conftest import Browser, BrowserFactory, vk
from .access import assert_admins_only
from .conftest import ChromiumAs, csrf_of, make_region_admin, org_id, school_id
from .sandboxed import cabinet_beside_bot

COMMUNITY = 200_000_555  # the community a request was filed in
ZONE = ZoneInfo("Asia/Novosibirsk")  # the demo district's


async def newcomer(services: Services, vk_user_id: int, first: str, last: str) -> int:
    return await services.people.ensure_vk_person(vk_user_id, first, last)


async def file(
    services: Services,
    person_id: int,
    org: int,
    role: RoleKind = RoleKind.STUDENT,
    group: str | None = "7Б",
    comment: str = "",
) -> int:
    group_id = None
    if group is not None:
        group_id = await services.db.fetchval(
            "SELECT id FROM groups WHERE org_id = ? AND name = ?", (org, group)
        )
    return await services.verification.request_to_join(
        person_id,
        org,
        role,
        group_id=group_id,
        position=Position.TEACHER if role == RoleKind.STAFF else None,
        comment=comment,
        community_id=COMMUNITY,
    )


async def status_of(services: Services, request_id: int) -> str:
    request = await services.verification.join_request(request_id)
    assert request is not None
    return request.status


async def requests_page(admin: Browser, org: int) -> str:
    response = await admin.get(f"/admin/org/{org}/requests")
    assert response.status == 200
    return await response.text()


async def post_decision(admin: Browser, org: int, request_id: int, action: str) -> str:
    """The decision's redirect target."""
    page = await requests_page(admin, org)
    response = await admin.post(
        f"/admin/org/{org}/requests/{request_id}/{action}",
        data={"csrf": csrf_of(page)},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    return response.headers["Location"]


async def decisions_told(services: Services, request_id: int) -> list[dict[str, object]]:
    return await services.db.fetchall(
        "SELECT * FROM outbox_messages WHERE kind = 'core.join_decision' AND key = ?",
        (str(request_id),),
    )


async def kim_asks(services: Services, vk_user_id: int) -> tuple[int, int, int]:
    """(СОШ № 112, Ян Ким new from VK, his pending request to study there in 7Б)."""
    school = await school_id(services)
    person = await newcomer(services, vk_user_id, "Ян", "Ким")
    return school, person, await file(services, person, school)


async def test_access_matrix(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    gymnasium = await org_id(services, "МАОУ «Гимназия № 5»")
    used = await assert_admins_only(
        browse, [f"/admin/org/{school}/requests"], elsewhere=f"/admin/org/{gymnasium}/requests"
    )
    teacher, stranger = used["smirnova"], used[None]
    request_id = await file(services, await newcomer(services, 901_001, "Ян", "Ким"), school)
    response = await stranger.post(f"/admin/org/{school}/requests/{request_id}/approve")
    assert response.status == 401
    response = await teacher.post(f"/admin/org/{school}/requests/{request_id}/approve")
    assert response.status == 403
    # A region admin sees the schools' requests, with the school named.
    region = await make_region_admin(services, "novikov")
    page = await requests_page(await browse("novikov"), region)
    assert "Ян Ким" in page and "МБОУ СОШ № 112" in page
    assert await status_of(services, request_id) == "pending"


async def test_the_queue_pending_first_then_decided_with_who_and_when(
    browse: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    school = await school_id(services)
    first = await file(services, await newcomer(services, 901_011, "Ян", "Ким"), school,
                       comment="Перевёлся из лицея")  # fmt: skip
    second = await file(services, await newcomer(services, 901_012, "Ада", "Лис"), school,
                        RoleKind.PARENT, group=None)  # fmt: skip
    admin = await browse("orlov")
    page = await requests_page(admin, school)
    assert "Ждут решения: 2" in page
    assert page.index(f'data-request="{first}"') < page.index(f'data-request="{second}"')
    assert "Перевёлся из лицея" in page and "Ученик, 7Б" in page and "Родитель" in page
    await post_decision(admin, school, first, "reject")
    page = await requests_page(admin, school)
    assert "Ждут решения: 1" in page
    decided = page[page.index("Рассмотренные") :]
    assert f"№ {first}: Ян Ким" in decided and "отклонена" in decided
    assert "Дмитрий Орлов" in decided
    assert clock.now().astimezone(ZONE).strftime("%d.%m.%Y %H:%M") in decided
    assert f'data-request="{second}"' in page[: page.index("Рассмотренные")]


async def test_approve_grants_the_role_the_class_and_tells_the_person(
    browse: BrowserFactory, services: Services
) -> None:
    school, person, request_id = await kim_asks(services, 901_021)
    # The identity is cached as it was: a person with no role.
    assert (await services.identities.get(901_021)).as_sender() == RoleKind.NONE
    admin = await browse("orlov")
    location = await post_decision(admin, school, request_id, "approve")
    assert "done=request_approved" in location
    assert "Заявка одобрена" in await (await admin.get(location)).text()
    roles = await services.people.active_roles(person)
    assert [(r.role, r.org_id, r.method) for r in roles] == [
        (RoleKind.STUDENT, school, "join_request")
    ]
    assert [g.name for g in await services.people.groups_of_student(person)] == ["7Б"]
    # The cache was cleared: the bot sees the new role at once.
    assert (await services.identities.get(901_021)).as_sender() == RoleKind.STUDENT
    [told] = await decisions_told(services, request_id)
    assert told["person_id"] == person and told["group_id"] == COMMUNITY
    assert "одобрена" in str(told["text"]) and "ученик" in str(told["text"])
    [entry] = await services.db.fetchall("SELECT * FROM audit_log WHERE action LIKE 'request.%'")
    orlov = await services.people.person_by_vk(vk("orlov"))
    assert orlov is not None
    assert (entry["action"], entry["actor_id"], entry["org_id"]) == (
        "request.approve", orlov.id, school
    )  # fmt: skip
    audit = await (await admin.get(f"/admin/org/{school}/audit")).text()
    assert f"Заявка одобрена: № {request_id}: Ян Ким — Ученик, 7Б" in audit


async def test_reject_gives_nothing_and_tells_the_person(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    person = await newcomer(services, 901_031, "Ада", "Лис")
    request_id = await file(services, person, school, RoleKind.STAFF, group=None)
    admin = await browse("orlov")
    location = await post_decision(admin, school, request_id, "reject")
    assert "done=request_rejected" in location
    assert await services.people.active_roles(person) == []
    [told] = await decisions_told(services, request_id)
    assert "отклонена" in str(told["text"]) and "МБОУ СОШ № 112" in str(told["text"])
    actions = await services.db.fetchall("SELECT action, target FROM audit_log")
    assert [(a["action"], a["target"]) for a in actions] == [
        ("request.reject", f"№ {request_id}: Ада Лис — Учитель")
    ]


async def test_a_request_decided_meanwhile_changes_nothing(
    browse: BrowserFactory, services: Services
) -> None:
    school, person, request_id = await kim_asks(services, 901_041)
    admin = await browse("orlov")
    page = await requests_page(admin, school)  # the admin has the queue open …
    novikov = await services.people.person_by_vk(vk("novikov"))
    assert novikov is not None
    # … while another admin rejects it in the bot (the bot's own path).
    await services.verification.decide(request_id, novikov.id, approve=False)
    response = await admin.post(
        f"/admin/org/{school}/requests/{request_id}/approve",
        data={"csrf": csrf_of(page)},
        allow_redirects=False,
    )
    location = response.headers["Location"]
    assert "done=request_already" in location
    assert "Эту заявку уже рассмотрел" in await (await admin.get(location)).text()
    assert await services.people.active_roles(person) == []
    assert await status_of(services, request_id) == "rejected"
    assert await decisions_told(services, request_id) == []
    assert not await services.db.fetchval("SELECT count(*) FROM audit_log")


async def test_two_admins_at_once_decide_once(browse: BrowserFactory, services: Services) -> None:
    school, person, request_id = await kim_asks(services, 901_051)
    await make_region_admin(services, "novikov")
    first, second = await browse("orlov"), await browse("novikov")
    pages = [await requests_page(b, school) for b in (first, second)]
    responses = await asyncio.gather(
        *(
            b.post(
                f"/admin/org/{school}/requests/{request_id}/{action}",
                data={"csrf": csrf_of(page)},
                allow_redirects=False,
            )
            for b, page, action in zip((first, second), pages, ("approve", "reject"), strict=True)
        )
    )
    notices = sorted(r.headers["Location"].split("done=")[1] for r in responses)
    assert notices[0] == "request_already"
    assert notices[1] in ("request_approved", "request_rejected")
    assert (
        await services.db.fetchval("SELECT count(*) FROM audit_log WHERE action LIKE 'request.%'")
        == 1
    )
    assert len(await decisions_told(services, request_id)) == 1
    status = await status_of(services, request_id)
    roles = await services.people.active_roles(person)
    assert len(roles) == (1 if status == "approved" else 0)


async def test_the_service_refuses_a_decided_request_and_two_racing_decisions_take_one(
    services: Services,
) -> None:
    _, person, request_id = await kim_asks(services, 901_061)
    orlov = await services.people.person_by_vk(vk("orlov"))
    assert orlov is not None
    results = await asyncio.gather(
        services.verification.decide(request_id, orlov.id, approve=True),
        services.verification.decide(request_id, orlov.id, approve=False),
        return_exceptions=True,
    )
    taken = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, AlreadyDecided)]
    assert len(taken) == 1 and len(refused) == 1
    assert refused[0].request.status == taken[0].status  # the winner's decision, seen by both
    roles = await services.people.active_roles(person)
    assert len(roles) == (1 if taken[0].status == "approved" else 0)
    with pytest.raises(AlreadyDecided):
        await services.verification.decide(request_id, orlov.id, approve=True)
    assert len(await services.people.active_roles(person)) == len(roles)


async def test_csrf_and_other_schools_requests(browse: BrowserFactory, services: Services) -> None:
    school, _, request_id = await kim_asks(services, 901_071)
    gymnasium = await org_id(services, "МАОУ «Гимназия № 5»")
    foreign = await file(
        services, await newcomer(services, 901_072, "Ада", "Лис"), gymnasium, group=None
    )
    admin = await browse("orlov")
    for data in ({}, {"csrf": "forged"}):
        response = await admin.post(f"/admin/org/{school}/requests/{request_id}/approve", data=data)
        assert response.status == 403
    assert await status_of(services, request_id) == "pending"
    page = await requests_page(admin, school)
    assert "Ада Лис" not in page
    response = await admin.post(
        f"/admin/org/{school}/requests/{foreign}/approve", data={"csrf": csrf_of(page)}
    )
    assert response.status == 404
    response = await admin.post(
        f"/admin/org/{gymnasium}/requests/{foreign}/approve", data={"csrf": csrf_of(page)}
    )
    assert response.status == 403
    assert await status_of(services, foreign) == "pending"
    assert not await services.db.fetchval("SELECT count(*) FROM audit_log")


async def test_the_demo_queue(services: Services, browse: BrowserFactory) -> None:
    """`sferum run` adds two waiting guests and one rejected request to СОШ № 112."""
    from core.cabinet.invites_demo import load_demo_requests

    await load_demo_requests(services.people)
    await load_demo_requests(services.people)  # idempotent
    school = await school_id(services)
    page = await requests_page(await browse("orlov"), school)
    assert "Ждут решения: 2" in page
    assert "Алексей Гусев" in page and "Кирилл Белов" in page
    decided = page[page.index("Рассмотренные") :]
    assert "Ольга Белова" in decided and "отклонена" in decided


async def test_decided_in_the_cabinet_the_person_hears_it_in_vk(
    tmp_path: Path, clock: ManualClock
) -> None:
    async with cabinet_beside_bot(tmp_path, clock) as (h, browse):
        person = 900_601
        request_id = await request_to_join_7b(h, person, "Орлов Михаил, 7Б")
        request = await h.services.verification.join_request(request_id)
        assert request is not None and request.community_id == h.group_id
        h.replies(person)
        school = await school_id(h.services)
        admin = await browse("orlov")
        location = await post_decision(admin, school, request_id, "approve")
        assert "done=request_approved" in location
        await h.settle()
        [told] = h.replies(person)
        assert "одобрена" in told["text"] and "ученик" in told["text"]
        assert (await h.services.identities.get(person)).as_sender() == RoleKind.STUDENT
        # The alert the admin got in VK still has its buttons: pressed now, nothing changes.
        event = await h.press(h.vk("orlov"), {"core": "join_decide", "id": request_id, "ok": 0})
        assert (await h.snackbar(h.vk("orlov"), event))["text"] == "Эту заявку уже рассмотрели"
        assert await status_of(h.services, request_id) == "approved"
        assert h.replies(person) == []


@needs_chromium
async def test_approve_a_request_in_chromium(chromium_as: ChromiumAs, services: Services) -> None:
    school = await school_id(services)
    person = await newcomer(services, 901_081, "Ян", "Ким")
    request_id = await file(services, person, school, comment="Новенький")
    async with chromium_as("orlov", f"/admin/org/{school}") as page:
        await page.click(".cab-sections >> text=Заявки")
        await page.wait_for_url(f"**/admin/org/{school}/requests")
        item = page.locator(f'li[data-request="{request_id}"]')
        assert "Ян Ким" in await item.inner_text()
        await item.locator("form.req-approve button").click()
        await page.wait_for_url("**/requests?done=request_approved")
        assert "Заявка одобрена" in await page.inner_text(".cab-notice")
        assert await page.locator(f'li[data-request="{request_id}"]').count() == 0
        row = page.locator(f'table.req-decided tr[data-request="{request_id}"]')
        assert "одобрена" in await row.inner_text()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
    roles = await services.people.active_roles(person)
    assert [(r.role, r.org_id) for r in roles] == [(RoleKind.STUDENT, school)]


pytestmark = pytest.mark.usefixtures("cabinet_server")
