"""The whole path in a real headless Chromium: `sferum run`'s embedded stack (sandbox, bots,
mini-app), a student writes «журнал» in the sandbox web chat, presses the bot's open_app button and
sees their own grades in the mini-app. Needs Debian's chromium (`apt-get install -y chromium`).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from core.config import Settings
from core.demo.district import build
from miniapp.journal.sqlite import SqliteJournal
from sferum.app import start

from ..browser import chromium_page, needs_chromium

pytestmark = needs_chromium


async def test_student_opens_the_journal_from_the_web_chat(tmp_path: Path) -> None:
    settings = Settings(db_path=str(tmp_path / "sferum.db"), sandbox_port=0, miniapp_port=0)
    running = await start(settings)
    student = build().vk_ids()["st08"]
    try:
        sandbox, miniapp = running.urls["sandbox"], running.urls["miniapp"]
        community = running.communities[0]
        person = await running.services.people.person_by_vk(student)
        assert person is not None
        # What the page must show: the journal's own figures for this student.
        today = running.services.clock.now().date()
        report = await SqliteJournal(running.services.db).student_grades(person.id, today)
        subjects = [s.subject for s in report.subjects]
        assert subjects and any(s.marks for s in report.subjects)

        # A phone-sized window, as inside VK.
        async with chromium_page() as page:
            await page.goto(f"{sandbox}/?peer={-community.group_id}")
            await page.click(f'a.person[data-user="{student}"]')
            await page.wait_for_url(f"**/chat/{student}?peer={-community.group_id}")

            await page.fill("#text", "журнал")
            await page.press("#text", "Enter")
            button = page.locator("a.kb-btn[data-kind=open_app]", has_text="Открыть журнал")
            await button.wait_for()

            # The web chat opens the app in a frame over the chat, as VK's web client does.
            await button.click()
            handle = await page.locator("#app-frame").element_handle()
            assert handle is not None
            app = await handle.content_frame()
            assert app is not None
            await app.wait_for_url(lambda url: url.startswith(f"{miniapp}/home"))
            # The launch was verified and exchanged for a session: the student's home page.
            assert urlsplit(app.url).netloc == urlsplit(miniapp).netloc
            assert urlsplit(app.url).path == "/home"
            await app.locator("a.tile", has_text="Оценки").wait_for()
            assert person.first_name in await app.inner_text("body")

            await app.click("a.tile >> text=Оценки")
            await app.wait_for_url("**/grades*")
            assert await app.inner_text("h1") == "Оценки"
            shown = await app.locator(".subject-card .subject").all_inner_texts()
            assert set(subjects) <= set(shown)
            marks = await app.locator(".subject-card .mark b").all_inner_texts()
            assert marks and all(m.strip() for m in marks)
            # No horizontal scrolling on a phone screen.
            width = await app.evaluate("document.documentElement.scrollWidth")
            assert width <= 390
            await page.screenshot(path=str(tmp_path / "grades.png"))
    finally:
        await running.stop()
