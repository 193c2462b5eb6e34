"""VK Bridge in the mini-app over plain HTTP: every page loads the one bundled script, the script is
served as JavaScript that the CSP allows, the bundle matches its lock file and ships its licence,
and the pages carry their data without any script running."""

from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import date
from pathlib import Path

from aiohttp.test_utils import TestServer

from core.clock import ManualClock
from core.runtime.services import Services
from miniapp.admin import setup as admin_pages
from miniapp.journal.sqlite import SqliteJournal
from miniapp.pages import STATIC_DIR

from .conftest import AppFactory, Browser, BrowserFactory, browsers, me, vk

TODAY = date(2026, 11, 23)
BRIDGE_DIR = Path(__file__).resolve().parents[2] / "miniapp" / "bridge"
SCRIPT_TAG = re.compile(r'<script src="(/static/vk-bridge\.js\?v=([0-9a-f]{10}))" defer></script>')


def bridge_tag(page: str) -> tuple[str, str]:
    """The page's one script tag, in <head>: (its src, its version)."""
    head = page.split("</head>", 1)[0]
    tags = SCRIPT_TAG.findall(head)
    assert len(tags) == 1 and page.count("<script") == 1, re.findall(r"<script[^>]*>", page)
    src, version = tags[0]
    return src, version


async def pages_of(browser: Browser, paths: list[str]) -> dict[str, str]:
    out = {}
    for path in paths:
        response = await browser.get(path)
        assert response.content_type == "text/html", path
        out[path] = await response.text()
    return out


async def test_every_page_loads_the_bridge_script(
    make_server: AppFactory, clock: ManualClock
) -> None:
    server: TestServer = await make_server(extra_routes=[admin_pages])
    expected = hashlib.sha256((STATIC_DIR / "vk-bridge.js").read_bytes()).hexdigest()[:10]
    async with browsers(server, clock) as open_as:
        student = await open_as("st08")
        sid = (await me(student))["students"][0]["id"]  # type: ignore[index]
        teacher = await open_as("smirnova")
        cid = (await me(teacher))["classes"][0]["id"]  # type: ignore[index]
        admin = await open_as("orlov")
        guest = await open_as("guest-adult")
        stranger = await open_as(None)
        seen = {
            **await pages_of(
                student,
                [
                    "/home",
                    f"/s/{sid}/schedule",
                    f"/s/{sid}/homework",
                    f"/s/{sid}/grades",
                    "/no/such/page",
                ],
            ),
            **await pages_of(teacher, ["/t/week", f"/c/{cid}/journal", f"/c/{cid}/homework"]),
            **await pages_of(admin, ["/admin/monitoring"]),
            **await pages_of(guest, ["/link"]),
            # A launch with a forged sign: the error page is a page of the app too.
            **await pages_of(stranger, ["/?vk_user_id=1&vk_app_id=1&vk_ts=1&sign=forged"]),
        }
        for path, page in seen.items():
            _, version = bridge_tag(page)
            # The version is the file's content hash, so a rebuilt bundle is never served stale.
            assert version == expected, path
        assert "Оценки" in seen[f"/s/{sid}/grades"]
        assert "Страница не найдена" in seen["/no/such/page"]


async def test_bridge_script_is_served_as_javascript_and_allowed(open_as: BrowserFactory) -> None:
    browser = await open_as("st08")
    home = await browser.get("/home")
    src, _ = bridge_tag(await home.text())
    # Same origin, and the page's CSP lets exactly such scripts run (no inline ones).
    assert src.startswith("/static/")
    directives = [d.strip() for d in home.headers["Content-Security-Policy"].split(";")]
    assert "script-src 'self'" in directives
    script = await browser.get(src)
    assert script.status == 200
    # nosniff is on: a browser runs the file only if it comes with a JavaScript type.
    assert script.content_type in ("text/javascript", "application/javascript")
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in script.headers["Cache-Control"]
    body = await script.text()
    assert body.startswith("/*! vk-bridge.js")
    for name in ("VKWebAppInit", "VKWebAppGetConfig", "VKWebAppUpdateConfig", "vk-connect"):
        assert name in body, name
    licence = await browser.get("/static/vk-bridge.LICENSE.txt")
    assert licence.status == 200 and "MIT License" in await licence.text()


def test_the_bundle_is_built_from_the_locked_versions() -> None:
    """Catches a lock file bumped without `make bridge` (or a hand-edited bundle)."""
    lock = json.loads((BRIDGE_DIR / "package-lock.json").read_text())
    bridge = lock["packages"]["node_modules/@vkontakte/vk-bridge"]["version"]
    esbuild = lock["packages"]["node_modules/esbuild"]["version"]
    header = (STATIC_DIR / "vk-bridge.js").read_text().split("*/", 1)[0]
    assert f"@vkontakte/vk-bridge {bridge}, MIT licence" in header
    assert f"with esbuild {esbuild}." in header
    licence = (STATIC_DIR / "vk-bridge.LICENSE.txt").read_text()
    assert f"@vkontakte/vk-bridge {bridge}" in licence and "V Kontakte, LLC" in licence
    # The bundle's source imports the package it claims to contain.
    assert 'from "@vkontakte/vk-bridge"' in (BRIDGE_DIR / "src" / "app.js").read_text()


async def test_pages_carry_their_data_without_javascript(
    open_as: BrowserFactory, services: Services
) -> None:
    """What a client with scripts off (or a failed bundle) gets: the whole page from the server."""
    browser = await open_as("st08")
    sid = (await me(browser))["students"][0]["id"]  # type: ignore[index]
    person = await services.people.person_by_vk(vk("st08"))
    assert person is not None
    journal = SqliteJournal(services.db)
    grades = html.unescape(await (await browser.get(f"/s/{sid}/grades")).text())
    report = await journal.student_grades(person.id, TODAY)
    marked = [s for s in report.subjects if s.marks]
    assert marked
    for subject in marked:
        assert subject.subject in grades
    schedule = html.unescape(await (await browser.get(f"/s/{sid}/schedule")).text())
    for lesson in await journal.student_week(person.id, TODAY):
        assert lesson.subject in schedule and f"{lesson.starts}–{lesson.ends}" in schedule
    for page in (grades, schedule):
        # Nothing waits for a script to be shown, and the server does not guess the scheme.
        assert "<noscript" not in page and " hidden" not in page
        assert '<html lang="ru">' in page and "data-scheme" not in page
    # The launch itself is a plain redirect with a cookie: no script is needed to get in.
    fresh = await open_as(None)
    launch = await fresh.launch(vk("st08"))
    assert launch.status == 303 and launch.headers["Location"].endswith("/home")
