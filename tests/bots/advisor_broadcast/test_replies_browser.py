"""Broadcasts both ways in a real headless Chromium: a parent opens the counsellor's broadcast in
the sandbox web chat and answers it; the counsellor, in her own web chat, sees in the bot's
report that the parent has read it, and reads the answer under «Ответы».

Needs Debian's chromium (`make browser`)."""

from __future__ import annotations

from pathlib import Path

from bots.advisor_broadcast import plugin
from core.broadcast import Audience
from sferum.testing import bot_harness
from tests.core.broadcast.counsellor import counsellor_broadcast, group

from ...browser import DESKTOP, chromium_page, needs_chromium

pytestmark = needs_chromium


async def test_a_parent_reads_and_answers_the_counsellor_sees_both(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        broadcast_id = await counsellor_broadcast(
            h,
            Audience.group_parents(await group(h, "s112-9a")),
            "{{ first_name }}, родительское собрание 9А — в четверг в 18:00.",
            title="Собрание 9А",
            source="advisor_broadcast",
        )
        await h.run_due()
        parent, volkova = h.vk("pa04"), h.vk("volkova")
        community = -h.group_id

        async with chromium_page(viewport=DESKTOP, timeout_ms=10_000) as page:
            # The parent picks herself and opens the community's dialog: the broadcast is
            # there, and now read.
            await page.goto(f"{h.sandbox.url}/?peer={community}")
            await page.click(f'a.person[data-user="{parent}"]')
            await page.wait_for_url(f"**/chat/{parent}?peer={community}")
            await page.locator(".msg.in .text", has_text="родительское собрание 9А").wait_for()

            # She answers in the dialog; the bot says the counsellor will see it.
            await page.fill("#text", "Спасибо, обязательно придём!")
            await page.press("#text", "Enter")
            await page.locator(".msg.in .text", has_text="передан автору").wait_for()
            taken = await page.locator(".msg.in .text").last.inner_text()
            assert "«Собрание 9А»" in taken and "Анна Волкова" in taken

            # The counsellor opens her own dialog with the bot.
            await page.goto(f"{h.sandbox.url}/chat/{volkova}?peer={community}")
            await page.fill("#text", "меню")
            await page.press("#text", "Enter")
            await page.locator(".msg.in .text", has_text="здравствуйте").wait_for()
            await page.click("button.kb-btn[data-kind=text] >> text=Отчёты")
            await page.click(f"button.kb-btn[data-kind=text] >> text=Подробнее № {broadcast_id}")
            report = page.locator(".msg.in .text", has_text=f"Рассылка № {broadcast_id}")
            await report.wait_for()
            text = await report.last.inner_text()
            assert "доставлено: 2; прочитали: 1" in text
            assert "— 9А: получили 2, прочитали 1, не доставлено 0" in text
            assert "Получено 1 ответ от получателей" in text

            await page.click(f"button.kb-btn >> text=Ответы на № {broadcast_id} (1)")
            answers = page.locator(".msg.in .text", has_text="Ответов на рассылку")
            await answers.wait_for()
            assert "«Спасибо, обязательно придём!»" in await answers.last.inner_text()
            assert await page.locator("button.kb-btn >> text=Ответить:").count() == 1
            await page.screenshot(path=str(tmp_path / "answers.png"))

        # What the browser showed is what is stored.
        row = await h.services.db.fetchone(
            "SELECT how, text FROM broadcast_replies WHERE broadcast_id = ?", (broadcast_id,)
        )
        assert row is not None and (row["how"], row["text"]) == (
            "after",
            "Спасибо, обязательно придём!",
        )
