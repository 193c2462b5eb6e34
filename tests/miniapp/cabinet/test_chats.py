"""«Чаты сообщества»: who may see them, counts equal to what core recorded in each chat, the order
by activity, the class filter, a chat's card with its members and their roles, and Chromium."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from core.activity import ActivityKind
from core.clock import ManualClock
from core.demo.district import TIMEZONE
from core.runtime.services import Services

from ...browser import needs_chromium
from ..conftest import BrowserFactory, vk
from .access import assert_admins_only
from .conftest import ChromiumAs, make_region_admin, org_id, school_id


async def chat(services: Services, title: str) -> tuple[int, int]:
    """(chat id, peer id) of a demo chat."""
    row = await services.db.fetchone("SELECT id, peer_id FROM chats WHERE title = ?", (title,))
    assert row is not None, title
    return int(row["id"]), int(row["peer_id"])


async def record(
    services: Services,
    key: str,
    peer_id: int,
    n: int,
    *,
    ago: timedelta = timedelta(hours=1),
    kind: ActivityKind = ActivityKind.GROUP_CHAT_MESSAGE,
) -> None:
    """``n`` events of a demo person in a chat, as the core middleware records them."""
    person = await services.people.person_by_vk(vk(key))
    assert person is not None
    for i in range(n):
        await services.activity.record(
            vk(key),
            kind,
            person_id=person.id,
            peer_id=peer_id,
            group_id=1,
            at=services.clock.now() - ago - timedelta(minutes=i),
        )
    await services.activity.flush()


def rows(page: str) -> dict[str, list[str]]:
    """The list's table: chat title -> its cells."""
    found: dict[str, list[str]] = {}
    for row in re.findall(r'<tr data-chat="\d+">(.*?)</tr>', page, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        found[cells[0]] = cells
    return found


def titles(page: str) -> list[str]:
    return list(rows(page))


async def test_access_matrix(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    chat_id, _ = await chat(services, "9А класс")
    g5_chat, _ = await chat(services, "Педагоги Гимназии № 5")
    used = await assert_admins_only(
        browse,
        [f"/admin/org/{school}/chats", f"/admin/org/{school}/chats/{chat_id}"],
        refused=("novikov", "smirnova", "st08"),
    )
    admin, other = used["orlov"], used["novikov"]
    # The gymnasium's chat is not found through the school's cabinet.
    assert (await admin.get(f"/admin/org/{school}/chats/{g5_chat}")).status == 404
    assert (await admin.get(f"/admin/org/{school}/chats/abc")).status == 404
    # A region admin sees every school's chats, with the organisation named.
    region = await make_region_admin(services, "novikov")
    page = await (await other.get(f"/admin/org/{region}/chats")).text()
    assert "Педагоги Гимназии № 5" in page and "9А класс" in page
    assert "<th>Организация</th>" in page
    assert (await other.get(f"/admin/org/{school}/chats/{chat_id}")).status == 200


async def test_counts_equal_what_was_recorded_and_the_most_active_come_first(
    browse: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    school = await school_id(services)
    _, peer_9a = await chat(services, "9А класс")
    _, peer_staff = await chat(services, "Педагоги СОШ № 112")
    _, peer_parents = await chat(services, "Родители 9А")
    _, peer_g5 = await chat(services, "Педагоги Гимназии № 5")
    await record(services, "st08", peer_9a, 4)
    await record(services, "smirnova", peer_9a, 3, ago=timedelta(days=2))
    # Older than seven days: not counted, though it is the chat's last activity.
    await record(services, "st09", peer_9a, 5, ago=timedelta(days=8))
    await record(services, "orlov", peer_staff, 9, ago=timedelta(days=1))
    # A call is activity, not a message.
    await record(services, "smirnova", peer_parents, 1, ago=timedelta(days=9))
    await record(
        services, "smirnova", peer_parents, 1, ago=timedelta(minutes=5), kind=ActivityKind.CALL
    )
    await record(services, "novikov", peer_g5, 20)  # another school's
    admin = await browse("orlov")
    page = await (await admin.get(f"/admin/org/{school}/chats")).text()
    table = rows(page)
    assert "Педагоги Гимназии № 5" not in table
    assert titles(page)[:3] == ["Педагоги СОШ № 112", "9А класс", "Родители 9А"]
    members_9a = await services.db.fetchval(
        "SELECT count(*) FROM chat_members m JOIN chats c ON c.id = m.chat_id "
        "WHERE c.title = '9А класс'"
    )
    assert table["9А класс"][2:4] == [str(members_9a), "7"]
    assert table["Педагоги СОШ № 112"][3] == "9"
    parents = table["Родители 9А"]
    assert parents[3] == "0"
    called = (clock.now() - timedelta(minutes=5)).astimezone(ZoneInfo(TIMEZONE))
    assert parents[4] == called.strftime("%d.%m.%Y %H:%M")
    # A chat with nothing recorded shows a dash and comes after the active ones.
    assert table["Кружок робототехники"][3:] == ["0", "—"]
    assert titles(page)[-1] != "9А класс"
    # A week later the 9А messages have left the window; the staff chat's too.
    clock.advance(timedelta(days=7))
    admin = await browse("orlov")  # launched again: a week-old session has ended
    table = rows(await (await admin.get(f"/admin/org/{school}/chats")).text())
    assert table["9А класс"][3] == "0" and table["Педагоги СОШ № 112"][3] == "0"


async def test_filter_by_class(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    group = await services.db.fetchval(
        "SELECT g.id FROM groups g WHERE g.name = '9А' AND g.org_id = ?", (school,)
    )
    admin = await browse("orlov")
    page = await (await admin.get(f"/admin/org/{school}/chats?class={group}")).text()
    assert titles(page) == ["9А класс"]
    assert f'<option value="{group}" selected>' in page
    # A class of another school is ignored: the whole list.
    gymnasium = await org_id(services, "МАОУ «Гимназия № 5»")
    other = await services.db.fetchval(
        "SELECT id FROM groups WHERE org_id = ? LIMIT 1", (gymnasium,)
    )
    page = await (await admin.get(f"/admin/org/{school}/chats?class={other}")).text()
    assert len(titles(page)) > 1 and "Педагоги Гимназии № 5" not in page


async def test_a_chats_card_lists_members_with_roles(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    chat_id, peer = await chat(services, "Родители 9А")
    await record(services, "smirnova", peer, 2)
    admin = await browse("orlov")
    page = await (await admin.get(f"/admin/org/{school}/chats/{chat_id}")).text()
    assert "<h2>Родители 9А</h2>" in page
    members = await services.db.fetchall(
        "SELECT p.first_name || ' ' || p.last_name AS name FROM chat_members m "
        "JOIN persons p ON p.id = m.person_id WHERE m.chat_id = ?",
        (chat_id,),
    )
    assert len(members) > 2
    for member in members:
        assert member["name"] in page
    body = page.split("<h2>Участники</h2>")[1]
    smirnova = re.search(r"<tr>\s*<td>Ирина Смирнова</td>(.*?)</tr>", body, re.S)
    assert smirnova is not None, body[:800]
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", smirnova[1], re.S)
    ]
    assert "Классный руководитель" in cells[0] and cells[2] == "2"
    assert "Родитель" in body and "9А" in body  # a parent with the child's class


@needs_chromium
async def test_open_a_chats_card_in_chromium(chromium_as: ChromiumAs, services: Services) -> None:
    school = await school_id(services)
    chat_id, peer = await chat(services, "9А класс")
    await record(services, "st08", peer, 3)
    async with chromium_as("orlov") as page:
        await page.goto(page.url.replace("/home", f"/admin/org/{school}"))
        await page.click(".cab-sections >> text=Чаты сообщества")
        await page.wait_for_url(f"**/admin/org/{school}/chats")
        first = page.locator("table.chats-table tbody tr").first
        assert (await first.locator("td").first.inner_text()) == "9А класс"
        await first.locator("a").click()
        await page.wait_for_url(f"**/admin/org/{school}/chats/{chat_id}")
        assert "Участники" in await page.inner_text("main")
        assert await page.locator("table.chats-members tbody tr").count() > 3
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390


pytestmark = pytest.mark.usefixtures("cabinet_server")
