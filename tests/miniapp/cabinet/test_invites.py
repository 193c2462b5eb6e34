"""«Приглашения по ссылке»: who gets in, creating an invite (its link and QR code), the limits of
a form, revoking, who used a link, the status badges, and the link followed in the sandbox."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import segno

from core.clock import ManualClock
from core.config import Settings
from core.people import RoleKind
from core.runtime.services import Services
from core.storage import Database, SqliteDatabase
from core.verification import Status

from ...browser import needs_chromium
from ..conftest import APP_ID, SECRET, Browser, BrowserFactory, vk
from .access import assert_a_school_section
from .conftest import ChromiumAs, csrf_of, org_id, school_id
from .sandboxed import cabinet_beside_bot

GROUP = 200_000_777  # the community the links open
ZONE = ZoneInfo("Asia/Novosibirsk")  # the demo district's
LINK = re.compile(r"https://vk\.me/club(\d+)\?ref=invite-([A-Za-z0-9_\-]+)")


@pytest.fixture
def services(jdb: Database, clock: ManualClock) -> Services:
    """The mini-app's services with a community configured (as on real VK with vk_group_id)."""
    path = jdb.path if isinstance(jdb, SqliteDatabase) else ":memory:"
    settings = Settings(db_path=path, vk_app_id=APP_ID, vk_app_secret=SECRET, vk_group_id=GROUP)
    return Services.build(settings, jdb, clock)


def today(clock: ManualClock) -> date:
    return clock.now().astimezone(ZONE).date()


async def group_id(services: Services, name: str, school: int) -> int:
    found = await services.db.fetchval(
        "SELECT id FROM groups WHERE org_id = ? AND name = ?", (school, name)
    )
    assert found is not None
    return int(found)


async def invites_page(admin: Browser, school: int) -> str:
    response = await admin.get(f"/admin/org/{school}/invites")
    assert response.status == 200
    return await response.text()


async def create(admin: Browser, school: int, **fields: str) -> tuple[int, str, str]:
    """POST the form; (status, Location, the page text when it was answered in place)."""
    page = await invites_page(admin, school)
    data = {"csrf": csrf_of(page), **fields}
    response = await admin.post(f"/admin/org/{school}/invites", data=data, allow_redirects=False)
    return response.status, response.headers.get("Location", ""), await response.text()


def item_of(page: str, invite_id: int) -> str:
    start = page.index(f'data-invite="{invite_id}"')
    end = page.find('<li class="inv-item"', start)
    return page[start : end if end != -1 else len(page)]


def dark_modules(svg: str) -> tuple[int, set[tuple[int, int]]]:
    """What a QR SVG drawn by segno shows: its size in modules (quiet zone included) and the
    dark modules as (row, column), read from the path's horizontal strokes."""
    root = ET.fromstring(svg)
    width = int(float(root.attrib["viewBox"].split()[2])) if "viewBox" in root.attrib else None
    paths = [el for el in root.iter() if el.tag.split("}")[-1] == "path" and "stroke" in el.attrib]
    assert len(paths) == 1, "one path of dark modules"
    found: set[tuple[int, int]] = set()
    x = y = 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", paths[0].attrib["d"]):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            for column in range(int(x), int(x + float(a))):
                found.add((int(y), column))
            x += float(a)
    assert width is not None or "width" in root.attrib
    return width or 0, found


def modules_of(text: str, border: int = 4) -> set[tuple[int, int]]:
    """The dark modules of ``text``'s QR code as the standard encodes it (segno's matrix)."""
    code = segno.make(text, error="m", micro=False)
    return {
        (r + border, c + border)
        for r, row in enumerate(code.matrix)
        for c, value in enumerate(row)
        if value
    }


async def test_access_matrix(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    # Invites are a school's.
    used = await assert_a_school_section(browse, services, "invites", region_admin="novikov")
    stranger = used[None]
    assert (await stranger.post(f"/admin/org/{school}/invites", data={})).status == 401


async def test_create_shows_the_link_and_its_qr_code_and_is_audited(
    browse: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    school = await school_id(services)
    seventh = await group_id(services, "7Б", school)
    admin = await browse("orlov")
    until = today(clock) + timedelta(days=10)
    status, location, _ = await create(
        admin, school, role="student", group=str(seventh), until=until.isoformat(), uses="3"
    )
    assert status == 303
    assert "done=invite_created" in location
    invite_id = int(location.split("new=")[1])
    row = await services.db.fetchone("SELECT * FROM invites WHERE id = ?", (invite_id,))
    assert row is not None
    assert (row["org_id"], row["role"], row["group_id"], row["max_uses"]) == (
        school, "student", seventh, 3
    )  # fmt: skip
    # Valid through the chosen day in the school's zone.
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=ZONE)
    assert datetime.fromisoformat(row["expires_at"]) == end
    orlov = await services.people.person_by_vk(vk("orlov"))
    assert orlov is not None and row["created_by"] == orlov.id

    page = await (await admin.get(location)).text()
    assert "Приглашение создано." in page
    item = item_of(page, invite_id)
    link = f"https://vk.me/club{GROUP}?ref=invite-{row['token']}"
    assert link in item and f"invite-{row['token']}" in item
    assert "Ученик · 7Б" in item and "действует" in item and "0 из 3" in item
    assert f"Действует по {until.strftime('%d.%m.%Y')}" in item
    assert '<details class="inv-qr-box" open>' in item  # the new one's QR is open
    svg = item[item.index("<svg") : item.index("</svg>") + len("</svg>")]
    size, dark = dark_modules(svg)
    assert dark == modules_of(link)  # the picture is the link's QR code, module by module
    assert size == segno.make(link, error="m").symbol_size(scale=1, border=4)[0]

    # The file to print: a standalone SVG of the same code.
    response = await admin.get(f"/admin/org/{school}/invites/{invite_id}/qr.svg")
    assert response.status == 200 and response.content_type == "image/svg+xml"
    document = await response.text()
    assert ET.fromstring(document).tag == "{http://www.w3.org/2000/svg}svg"
    assert dark_modules(document)[1] == modules_of(link)

    audit = await admin.get(f"/admin/org/{school}/audit")
    assert f"Создано приглашение: № {invite_id} — Ученик, 7Б" in await audit.text()
    entry = await services.db.fetchone(
        "SELECT * FROM audit_log WHERE action = 'invite.create' ORDER BY id DESC LIMIT 1"
    )
    assert entry is not None and entry["actor_id"] == orlov.id and entry["org_id"] == school


async def test_staff_invite_and_the_form_defaults(
    browse: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    school = await school_id(services)
    admin = await browse("orlov")
    page = await invites_page(admin, school)
    default = (today(clock) + timedelta(days=14)).isoformat()
    latest = (today(clock) + timedelta(days=90)).isoformat()
    assert f'value="{default}"' in page and f'max="{latest}"' in page
    status, location, _ = await create(admin, school, role="staff", position="counsellor",
                                       group="", until="", uses="")  # fmt: skip
    assert status == 303
    invite_id = int(location.split("new=")[1])
    row = await services.db.fetchone("SELECT * FROM invites WHERE id = ?", (invite_id,))
    assert row is not None
    assert (row["role"], row["position"], row["group_id"], row["max_uses"]) == (
        "staff", "counsellor", None, 30
    )  # fmt: skip
    expected = datetime.combine(date.fromisoformat(default) + timedelta(days=1), time(0), ZONE)
    assert datetime.fromisoformat(row["expires_at"]) == expected
    assert "Советник по воспитанию" in item_of(await invites_page(admin, school), invite_id)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"role": "student", "group": ""}, "для ученика он обязателен"),
        ({"role": "staff", "position": "admin"}, "выберите должность"),
        ({"role": "guest"}, "Выберите, кого приглашаете"),
        ({"role": "parent", "until": "-1"}, "уже прошла"),
        ({"role": "parent", "until": "+91"}, "не больше 90 дней"),
        ({"role": "parent", "until": "завтра"}, "ГГГГ-ММ-ДД"),
        ({"role": "parent", "uses": "0"}, "от 1 до 1000"),
        ({"role": "parent", "uses": "1001"}, "от 1 до 1000"),
        ({"role": "parent", "uses": "много"}, "от 1 до 1000"),
    ],
)
async def test_the_form_refuses_what_it_cannot_keep(
    browse: BrowserFactory,
    services: Services,
    clock: ManualClock,
    fields: dict[str, str],
    problem: str,
) -> None:
    school = await school_id(services)
    admin = await browse("orlov")
    until = fields.get("until", "")
    if until.startswith(("+", "-")):
        until = (today(clock) + timedelta(days=int(until))).isoformat()
    before = await services.db.fetchval("SELECT count(*) FROM invites")
    status, _, page = await create(admin, school, **{**fields, "until": until})
    assert status == 400
    assert problem in page
    assert await services.db.fetchval("SELECT count(*) FROM invites") == before
    assert not await services.db.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'invite.create'"
    )


async def test_a_class_of_another_school_is_refused(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    gymnasium = await org_id(services, "МАОУ «Гимназия № 5»")
    foreign = await group_id(services, "6А", gymnasium)
    admin = await browse("orlov")
    status, _, page = await create(admin, school, role="student", group=str(foreign))
    assert status == 400 and "для ученика он обязателен" in page
    # Today is the last valid day one may choose.
    status, _, _ = await create(admin, school, role="parent", until="")
    assert status == 303


async def test_csrf_is_required(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    admin = await browse("orlov")
    before = await services.db.fetchval("SELECT count(*) FROM invites")
    response = await admin.post(f"/admin/org/{school}/invites", data={"role": "parent"})
    assert response.status == 403
    assert await services.db.fetchval("SELECT count(*) FROM invites") == before
    token = await services.verification.create_invite(school, RoleKind.PARENT, created_by=None)
    invite_id = await services.db.fetchval("SELECT id FROM invites WHERE token = ?", (token,))
    for data in ({}, {"csrf": "forged"}):
        response = await admin.post(f"/admin/org/{school}/invites/{invite_id}/revoke", data=data)
        assert response.status == 403
    assert (
        await services.db.fetchval("SELECT revoked_at FROM invites WHERE id = ?", (invite_id,))
        is None
    )
    assert (await services.verification.use_invite(777_001, token)).status == Status.OK


async def test_uses_are_listed_by_name_until_the_limit(
    browse: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    school = await school_id(services)
    admin = await browse("orlov")
    status, location, _ = await create(admin, school, role="parent", uses="2")
    assert status == 303
    invite_id = int(location.split("new=")[1])
    token = await services.db.fetchval("SELECT token FROM invites WHERE id = ?", (invite_id,))
    verification = services.verification
    assert (await verification.use_invite(777_101, token, "Инна", "Котова")).status == Status.OK
    # The same person again takes no second place.
    assert (await verification.use_invite(777_101, token, "Инна", "Котова")).status == Status.OK
    item = item_of(await invites_page(admin, school), invite_id)
    assert "Инна Котова" in item and "1 из 2" in item and "действует" in item
    assert clock.now().astimezone(ZONE).strftime("%d.%m.%Y %H:%M") in item.split("Инна Котова")[1]
    assert (await verification.use_invite(777_102, token, "Пётр", "Рыбин")).status == Status.OK
    assert (
        await verification.use_invite(777_103, token, "Лишний", "Гость")
    ).status == Status.EXHAUSTED
    item = item_of(await invites_page(admin, school), invite_id)
    assert "Инна Котова" in item and "Пётр Рыбин" in item and "Лишний" not in item
    assert "2 из 2" in item and "исчерпано" in item
    assert "<svg" not in item and "Отозвать" not in item  # a used-up link is not offered
    rows = await services.db.fetchall(
        "SELECT p.vk_user_id FROM invite_uses u JOIN persons p ON p.id = u.person_id "
        "WHERE u.invite_id = ? ORDER BY u.id",
        (invite_id,),
    )
    assert [r["vk_user_id"] for r in rows] == [777_101, 777_102]
    # Joining gave the role.
    person = await services.people.person_by_vk(777_102)
    assert person is not None
    roles = await services.people.active_roles(person.id)
    assert [(r.role, r.org_id) for r in roles] == [(RoleKind.PARENT, school)]
    assert await services.db.fetchval("SELECT count(*) FROM persons WHERE vk_user_id = 777103") == 0


async def test_two_people_at_once_for_the_last_place(services: Services) -> None:
    school = await school_id(services)
    token = await services.verification.create_invite(
        school, RoleKind.PARENT, created_by=None, max_uses=1
    )
    results = await asyncio.gather(
        services.verification.use_invite(777_201, token),
        services.verification.use_invite(777_202, token),
    )
    assert sorted(r.status for r in results) == sorted([Status.OK, Status.EXHAUSTED])
    assert (
        await services.db.fetchval(
            "SELECT count(*) FROM invite_uses u JOIN invites i ON i.id = u.invite_id "
            "WHERE i.token = ?",
            (token,),
        )
        == 1
    )


async def test_expiry_is_shown_and_kept(
    browse: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    school = await school_id(services)
    admin = await browse("orlov")
    status, location, _ = await create(admin, school, role="parent", until=today(clock).isoformat())
    assert status == 303
    invite_id = int(location.split("new=")[1])
    token = await services.db.fetchval("SELECT token FROM invites WHERE id = ?", (invite_id,))
    midnight = datetime.combine(today(clock) + timedelta(days=1), time(0), ZONE)
    # Sessions last hours: each look is a fresh launch on the moved clock.
    clock.set(midnight - timedelta(seconds=1))
    admin = await browse("orlov")
    assert "действует" in item_of(await invites_page(admin, school), invite_id)
    clock.set(midnight)
    admin = await browse("orlov")
    item = item_of(await invites_page(admin, school), invite_id)
    assert "истекло" in item and "<svg" not in item
    assert (await services.verification.use_invite(777_301, token)).status == Status.EXPIRED


async def test_revoke_stops_the_link_once_and_is_audited(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    admin = await browse("orlov")
    status, location, _ = await create(admin, school, role="parent")
    assert status == 303
    invite_id = int(location.split("new=")[1])
    token = await services.db.fetchval("SELECT token FROM invites WHERE id = ?", (invite_id,))
    page = await invites_page(admin, school)
    url = f"/admin/org/{school}/invites/{invite_id}/revoke"
    response = await admin.post(url, data={"csrf": csrf_of(page)}, allow_redirects=False)
    assert response.status == 303 and "done=invite_revoked" in response.headers["Location"]
    page = await (await admin.get(response.headers["Location"])).text()
    assert "Приглашение отозвано" in page
    item = item_of(page, invite_id)
    assert "отозвано" in item and "<svg" not in item
    assert (await services.verification.use_invite(777_401, token)).status == Status.INVALID
    # Again: nothing more happens, one audit entry.
    response = await admin.post(url, data={"csrf": csrf_of(page)}, allow_redirects=False)
    assert response.status == 303
    entries = await services.db.fetchall(
        "SELECT target FROM audit_log WHERE action = 'invite.revoke'"
    )
    assert [e["target"] for e in entries] == [f"№ {invite_id} — Родитель"]
    audit = await (await admin.get(f"/admin/org/{school}/audit")).text()
    assert f"Отозвано приглашение: № {invite_id} — Родитель" in audit
    # Another school's invite is not found under this school.
    gymnasium = await org_id(services, "МАОУ «Гимназия № 5»")
    other = await services.verification.create_invite(gymnasium, RoleKind.PARENT, created_by=None)
    other_id = await services.db.fetchval("SELECT id FROM invites WHERE token = ?", (other,))
    response = await admin.post(
        f"/admin/org/{school}/invites/{other_id}/revoke", data={"csrf": csrf_of(page)}
    )
    assert response.status == 404
    assert (await admin.get(f"/admin/org/{school}/invites/{other_id}/qr.svg")).status == 404
    assert (await services.verification.use_invite(777_402, other)).status == Status.OK


async def test_the_demo_school_has_invites(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    page = await invites_page(await browse("orlov"), school)
    for badge in ("действует", "истекло", "отозвано"):
        assert badge in page
    assert "Родитель · 7Б" in page and "1 из 30" in page
    parent = await services.people.person_by_vk(vk("pa02"))
    assert parent is not None and parent.full_name.split()[0] in page


async def test_the_link_followed_in_the_sandbox_joins_the_school(
    tmp_path: Path, clock: ManualClock
) -> None:
    async with cabinet_beside_bot(tmp_path, clock) as (h, browse):
        school = await school_id(h.services)
        seventh = await group_id(h.services, "7Б", school)
        admin = await browse("orlov")
        status, location, _ = await create(admin, school, role="student", group=str(seventh))
        assert status == 303
        page = await (await admin.get(location)).text()
        match = LINK.search(page)
        assert match is not None and int(match[1]) == h.group_id  # the bot's own community
        newcomer = 900_501
        h.sandbox.runtime.state.create_user("Тимур", "Сафин", newcomer)
        await h.say(newcomer, match[0])  # pasted into the web chat, as the sandbox follows it
        assert "7Б" in h.last_reply(newcomer)["text"]
        person = await h.services.people.person_by_vk(newcomer)
        assert person is not None
        assert [g.name for g in await h.services.people.groups_of_student(person.id)] == ["7Б"]
        assert (await h.services.identities.get(newcomer)).as_sender() == RoleKind.STUDENT
        page = await (await admin.get(f"/admin/org/{school}/invites")).text()
        assert "Тимур Сафин" in page


@needs_chromium
async def test_create_an_invite_in_chromium(chromium_as: ChromiumAs, services: Services) -> None:
    school = await school_id(services)
    async with chromium_as("orlov", f"/admin/org/{school}/invites") as page:
        form = page.locator("form.inv-new")
        await form.locator("select[name=role]").select_option("student")
        await form.locator("select[name=group]").select_option(label="7Б")
        await form.locator("input[name=uses]").fill("5")
        await form.locator("button[type=submit]").click()
        await page.wait_for_url("**/invites?done=invite_created*")
        assert "Приглашение создано." in await page.inner_text(".cab-notice")
        invite_id = int(page.url.split("new=")[1])
        item = page.locator(f'li[data-invite="{invite_id}"]')
        assert "Ученик · 7Б" in await item.inner_text()
        qr = item.locator("figure.inv-qr-figure svg")
        await qr.wait_for(state="visible")
        box = await qr.bounding_box()
        assert box is not None and box["width"] >= 150 and abs(box["width"] - box["height"]) < 1
        link = await item.locator(".inv-link input").input_value()
        assert LINK.fullmatch(link)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390


pytestmark = pytest.mark.usefixtures("cabinet_server")
