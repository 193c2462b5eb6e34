"""Every role's pages, the JSON API, role linking by journal code, headers and escaping."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from urllib.parse import urlencode

from aiohttp import web

from core.clock import ManualClock
from core.demo.loader import DEMO_JOURNAL_CODE
from core.people import RoleKind
from core.runtime.services import Services
from miniapp.journal.sqlite import SqliteJournal
from miniapp.keys import HOME_LINKS, HomeLink
from miniapp.viewer import require_admin

from .conftest import AppFactory, Browser, BrowserFactory, launch_query, me, vk

TODAY = date(2026, 11, 23)  # the clock fixture's Monday in Novosibirsk


async def person_id(services: Services, key: str) -> int:
    person = await services.people.person_by_vk(vk(key))
    assert person is not None
    return person.id


async def own_id(browser: Browser) -> str:
    students = (await me(browser))["students"]
    return str(students[0]["id"])  # type: ignore[index]


async def test_student_schedule_shows_the_week(open_as: BrowserFactory, services: Services
                                               ) -> None:
    browser = await open_as("st08")
    sid = await own_id(browser)
    response = await browser.get(f"/s/{sid}/schedule")
    assert response.status == 200
    page = html.unescape(await response.text())
    assert "23–29 ноября" in page and "Понедельник, 23 ноября" in page and "сегодня" in page
    lessons = await SqliteJournal(services.db).student_week(
        await person_id(services, "st08"), TODAY
    )
    assert len(lessons) >= 25
    for lesson in lessons:
        assert lesson.subject in page and lesson.room in page and lesson.teacher in page
        assert f"{lesson.starts}–{lesson.ends}" in page
    # Homework due at a lesson is shown under it.
    assert "ДЗ:" in page
    # Another week, and a bad parameter falls back to this week instead of failing.
    nxt = html.unescape(await (await browser.get(f"/s/{sid}/schedule?week=2026-11-30")).text())
    assert "30 ноября – 6 декабря" in nxt and "к текущей неделе" in nxt
    bad = await browser.get(f"/s/{sid}/schedule?week=не-дата")
    assert bad.status == 200 and "23–29 ноября" in html.unescape(await bad.text())


async def test_student_homework_with_due_dates(open_as: BrowserFactory, services: Services
                                               ) -> None:
    browser = await open_as("st08")
    sid = await own_id(browser)
    page = html.unescape(await (await browser.get(f"/s/{sid}/homework")).text())
    items = await SqliteJournal(services.db).student_homework(
        await person_id(services, "st08"), TODAY, TODAY + timedelta(days=14)
    )
    assert items
    assert "К понедельнику, 23 ноября" in page and "К вторнику, 24 ноября" in page
    for item in items:
        assert item.text in page and item.subject in page
    assert "Прошедшие задания за неделю" in page


async def test_student_grades_with_term_averages(open_as: BrowserFactory, services: Services
                                                 ) -> None:
    browser = await open_as("st08")
    sid = await own_id(browser)
    response = await browser.get(f"/s/{sid}/grades")
    page = html.unescape(await response.text())
    report = await SqliteJournal(services.db).student_grades(
        await person_id(services, "st08"), TODAY
    )
    titles = [t.title for t in report.terms]
    assert titles == ["1 четверть", "2 четверть", "1 полугодие"]
    for title in titles:
        assert title in page
    q2 = report.terms[1]
    for subject in report.subjects:
        assert subject.subject in page
        average = subject.averages[q2.id]
        if average is not None:
            assert f"{average:.2f}".replace(".", ",") in page
    # Marks dated after today are not shown (the demo term runs to 28 December).
    assert "24.11" not in page and "28.12" not in page
    q1 = report.terms[0]
    first = html.unescape(await (await browser.get(f"/s/{sid}/grades?term={q1.id}")).text())
    some = next(s for s in report.subjects if s.marks_in(q1))
    assert f"{some.marks_in(q1)[0].day:%d.%m}" in first
    assert 'class="chip on" href="?term=' + str(q1.id) in first


async def test_parent_switches_between_own_children(open_as: BrowserFactory) -> None:
    pa00 = await open_as("pa00")
    home = html.unescape(await (await pa00.get("/home")).text())
    assert "Артём Иванов" in home and "Иван Кузнецов" in home and "Мой дневник" not in home
    children = (await me(pa00))["students"]
    assert [c["name"] for c in children] == ["Артём Иванов", "Иван Кузнецов"]  # type: ignore[index,union-attr]
    first, second = (str(c["id"]) for c in children)  # type: ignore[index,union-attr]
    page = html.unescape(await (await pa00.get(f"/s/{first}/grades")).text())
    # The switcher links to the same section for the other child.
    assert f'href="/s/{second}/grades">Иван' in page and 'aria-current="true"' in page
    assert (await pa00.get(f"/s/{second}/schedule")).status == 200


async def test_teacher_sees_classes_journal_and_homework(
    open_as: BrowserFactory, services: Services
) -> None:
    smirnova = await open_as("smirnova")
    home = html.unescape(await (await smirnova.get("/home")).text())
    assert "Мои классы" in home and home.count("/journal") == 4
    classes = (await me(smirnova))["classes"]
    titles = sorted(c["title"] for c in classes)  # type: ignore[index,union-attr]
    assert titles == ["Литература, 11А", "Литература, 9А", "Русский язык, 11А",
                      "Русский язык, 9А"]
    cid = next(c["id"] for c in classes if c["title"] == "Литература, 9А")  # type: ignore[index,union-attr]
    journal = html.unescape(await (await smirnova.get(f"/c/{cid}/journal")).text())
    for name in ("Новиков Тимофей", "Волкова Милана", "Морозов Лев", "Фёдорова Ева"):
        assert name in journal
    assert "2 четверть" in journal and "Ср." in journal
    api = await (await smirnova.get(f"/api/journal/class/{cid}/journal")).json()
    assert api["term"]["title"] == "2 четверть" and len(api["rows"]) == 4
    assert all(len(row["marks"]) == len(api["columns"]) for row in api["rows"])
    homework = html.unescape(await (await smirnova.get(f"/c/{cid}/homework")).text())
    assert "задано" in homework and "Журнал" in homework
    week = html.unescape(await (await smirnova.get("/t/week")).text())
    assert "Литература, 9А" in week and "Русский язык, 11А" in week


async def test_staff_without_classes_and_unlinked_user(open_as: BrowserFactory) -> None:
    volkova = await open_as("volkova")
    page = html.unescape(await (await volkova.get("/home")).text())
    assert "не закреплены классы" in page
    assert (await volkova.get("/t/week")).status == 403
    guest = await open_as("guest-adult")
    page = html.unescape(await (await guest.get("/home")).text())
    assert "Как получить доступ к журналу" in page and "любому боту" in page
    assert 'name="csrf"' in page


async def test_linking_with_a_journal_code(open_as: BrowserFactory, services: Services) -> None:
    guest = await open_as("guest-adult")
    page = await (await guest.get("/link")).text()
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    # No token, or another session's token: refused before anything happens.
    assert (await guest.post("/link", data={"code": "ABCD-EFGH"})).status == 403
    other = await open_as("guest-minor")
    other_page = await (await other.get("/link")).text()
    other_csrf = other_page.split('name="csrf" value="')[1].split('"')[0]
    assert other_csrf != csrf
    refused = await guest.post("/link", data={"code": "ABCD-EFGH", "csrf": other_csrf})
    assert refused.status == 403
    malformed = await guest.post("/link", data={"code": "привет", "csrf": csrf, "confirm": "1"})
    assert malformed.status == 400
    assert "не похоже на код" in html.unescape(await malformed.text())
    wrong = await guest.post("/link", data={"code": "ABCD-EFGH", "csrf": csrf, "confirm": "1"})
    assert wrong.status == 400 and "Такого кода нет" in await wrong.text()
    # pa11 is in the journal without a VK account; the school gave her a one-time code.
    code = DEMO_JOURNAL_CODE
    done = await guest.post("/link", data={"code": code.lower(), "csrf": csrf, "confirm": "1"})
    assert done.status == 200 and "Готово!" in await done.text()
    home = html.unescape(await (await guest.get("/home")).text())
    assert "Здравствуйте" in home and "/grades" in home  # the child's diary is now offered


async def test_security_headers_everywhere(open_as: BrowserFactory) -> None:
    browser = await open_as("st08")
    sid = await own_id(browser)
    for path in ("/home", f"/s/{sid}/grades", "/api/me", "/nope", "/static/app.css",
                 "/s/AAAAAAAAAAAAAAAA/grades"):
        response = await browser.get(path)
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        csp = headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src 'self';" in csp, path
        assert "unsafe-" not in csp and "nonce-" not in csp, path
        assert "frame-ancestors 'self' https://vk.com" in csp, path
    page = await browser.get(f"/s/{sid}/grades")
    assert page.headers["Cache-Control"] == "no-store"
    text = await page.text()
    # The one script is the app's own file (VK Bridge), empty-bodied; no inline styles.
    scripts = re.findall(r"<script[^>]*>.*?</script>", text, re.S)
    assert len(scripts) == 1, scripts
    assert re.fullmatch(r'<script src="/static/vk-bridge\.js\?v=[0-9a-f]{10}" defer></script>',
                        scripts[0]), scripts
    assert "style=" not in text
    css = await browser.get("/static/app.css")
    assert css.status == 200 and "max-age" in css.headers["Cache-Control"]


async def test_templates_escape_what_people_typed(open_as: BrowserFactory, services: Services
                                                  ) -> None:
    await services.db.execute(
        "UPDATE journal_line_items SET description = ? WHERE id = (SELECT li.id FROM "
        "journal_line_items li JOIN journal_categories c ON c.id = li.category_id "
        "JOIN journal_enrollments e ON e.class_id = li.class_id "
        "JOIN persons p ON p.id = e.person_id WHERE c.is_homework = 1 AND p.vk_user_id = ? "
        "AND li.due_on = '2026-11-24' LIMIT 1)",
        ('<script>alert("x")</script><b>жирный</b>', vk("st08")),
    )
    browser = await open_as("st08")
    page = await (await browser.get(f"/s/{await own_id(browser)}/homework")).text()
    assert "<script>alert" not in page and "<b>жирный</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


async def test_json_api_and_launch_header(open_as: BrowserFactory, clock: ManualClock) -> None:
    browser = await open_as("st08")
    sid = await own_id(browser)
    grades = await (await browser.get(f"/api/journal/student/{sid}/grades")).json()
    assert grades["term"]["title"] == "2 четверть"
    assert {s["subject"] for s in grades["subjects"]} >= {"Алгебра", "Русский язык"}
    assert all(m["date"] <= "2026-11-23" for s in grades["subjects"] for m in s["marks"])
    schedule = await (await browser.get(f"/api/journal/student/{sid}/schedule")).json()
    assert schedule["week"] == "2026-11-23" and len(schedule["days"][0]["lessons"]) == 6
    homework = await (await browser.get(f"/api/journal/student/{sid}/homework")).json()
    assert all(h["due_on"] >= "2026-11-23" for h in homework["upcoming"])
    # A bot or front-end without the cookie sends the signed launch parameters instead.
    bare = await open_as(None)
    query = urlencode(launch_query(vk("st08"), int(clock.now().timestamp())))
    ok = await bare.get(
        f"/api/journal/student/{sid}/grades", headers={"Authorization": "VK " + query}
    )
    assert ok.status == 200
    forged = query.replace(str(vk("st08")), str(vk("st09")))
    denied = await bare.get("/api/me", headers={"Authorization": "VK " + forged})
    assert denied.status == 401 and (await denied.json())["error"] == "unauthorized"
    missing = await bare.get("/api/me")
    assert missing.status == 401 and missing.content_type == "application/json"
    other = await open_as("st09")
    forbidden = await other.get(f"/api/journal/student/{sid}/grades")
    assert forbidden.status == 403 and (await forbidden.json())["error"] == "forbidden"


async def test_error_pages_are_human(open_as: BrowserFactory) -> None:
    browser = await open_as("st08")
    missing = await browser.get("/no/such/page")
    assert missing.status == 404 and "Страница не найдена" in await missing.text()
    wrong_method = await browser.post("/home")
    assert wrong_method.status == 405 and "Traceback" not in await wrong_method.text()
    huge = await browser.post("/link", data={"code": "x" * 100_000, "csrf": "y"})
    assert huge.status == 413


async def test_extension_routes_and_admin_check(
    make_server: AppFactory, clock: ManualClock
) -> None:
    async def activity(request: web.Request) -> web.Response:
        viewer = await require_admin(request)
        assert viewer.identity.person is not None
        return web.Response(text=f"monitoring for {viewer.identity.person.first_name}")

    def admin_pages(app: web.Application) -> None:
        app.router.add_get("/admin/activity", activity)
        app[HOME_LINKS].append(
            HomeLink(
                "Мониторинг активности",
                "/admin/activity",
                lambda identity: identity.has(RoleKind.STAFF),
            )
        )

    server = await make_server(extra_routes=[admin_pages])
    admin, teacher = Browser(server, clock), Browser(server, clock)
    try:
        assert (await admin.launch(vk("orlov"))).status == 303
        assert (await teacher.launch(vk("smirnova"))).status == 303
        ok = await admin.get("/admin/activity")
        assert ok.status == 200 and "Дмитрий" in await ok.text()
        assert (await teacher.get("/admin/activity")).status == 403
        assert "Мониторинг активности" in await (await admin.get("/home")).text()
    finally:
        await admin.close()
        await teacher.close()
