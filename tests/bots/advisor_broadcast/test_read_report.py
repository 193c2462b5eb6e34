"""Read status through the sandbox: a recipient who opens the dialog in the web chat has read the
broadcast (VK's out_read), and the author's report — in the bot and `sferum broadcast status` —
shows delivered / read / failed for each audience group."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bots.advisor_broadcast import plugin
from core.broadcast import Audience
from sferum.cli import main
from sferum.testing import Harness, bot_harness
from tests.core.broadcast.counsellor import counsellor_broadcast, group


async def opens_dialog(h: Harness, key: str) -> None:
    """The person opens the community's dialog in the sandbox web chat."""
    url = f"{h.sandbox.url}/chat/{h.vk(key)}"
    async with h.http.get(url, params={"peer": str(-h.group_id)}) as page:
        assert page.status == 200


async def report(h: Harness, broadcast_id: int) -> str:
    volkova = h.vk("volkova")
    await h.say(volkova, "Подробнее", {"ab": "details", "id": broadcast_id})
    return str(h.last_reply(volkova)["text"])


async def test_the_report_counts_reads_by_class(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        # pa07, a parent in 11А, no longer lets the community write: VK refuses her copy.
        h.sandbox.runtime.state.set_allowed(
            h.sandbox.runtime.state.communities[h.group_id], h.vk("pa07"), False
        )
        parents = Audience.group_parents(await group(h, "s112-9a"), await group(h, "s112-11a"))
        broadcast_id = await counsellor_broadcast(
            h, parents, "Собрание родителей в четверг", title="Собрание", source="advisor_broadcast"
        )
        await h.run_due()
        first = await report(h, broadcast_id)
        assert "прочитали: 0" in first
        assert "— 9А: получили 2, прочитали 0, не доставлено 0" in first
        assert "— 11А: получили 1, прочитали 0, не доставлено 1" in first

        await opens_dialog(h, "pa04")
        await opens_dialog(h, "pa06")
        # The marks were asked a moment ago: the next look is a minute later.
        assert "прочитали: 0" in await report(h, broadcast_id)
        h.clock.advance(timedelta(seconds=61))
        later = await report(h, broadcast_id)
        assert "доставлено: 3; прочитали: 2" in later
        assert "— 9А: получили 2, прочитали 1, не доставлено 0" in later
        assert "— 11А: получили 1, прочитали 1, не доставлено 1" in later


async def test_the_whole_school_is_reported_by_role_and_in_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        school = await h.services.db.fetchval(
            "SELECT id FROM organisations WHERE external_id = 'demo:school:s112'"
        )
        broadcast_id = await counsellor_broadcast(
            h,
            Audience.organisation(int(school)),
            "Школа закрыта на карантин до понедельника",
            title="Карантин",
            source="advisor_broadcast",
        )
        await h.run_due()
        for key in ("orlov", "pa00", "st00", "st01"):
            await opens_dialog(h, key)
        text = await report(h, broadcast_id)
        status = await h.services.broadcasts.status(broadcast_id)
        lines = [line for line in text.splitlines() if line.startswith("— ")]
        assert [line.split(":")[0] for line in lines[:3]] == [
            "— Сотрудники",
            "— Родители",
            "— Ученики",
        ]
        assert "— Сотрудники: получили 4, прочитали 1" in text  # the author is not a recipient
        assert "— Ученики: получили 16, прочитали 2" in text
        assert f"доставлено: {status.sent}; прочитали: 4" in text

        # The CLI asks VK itself (the configured community is the harness's sandbox one).
        await opens_dialog(h, "kuznetsov")
        settings = h.services.settings
        monkeypatch.setenv("SFERUM_DB_PATH", settings.db_path)
        if settings.db_url is not None:  # the PostgreSQL pass: the CLI opens the same schema
            monkeypatch.setenv("SFERUM_DB_URL", settings.db_url)
        monkeypatch.setenv("SFERUM_VK_API_URL", settings.vk_api_url)
        monkeypatch.setenv("SFERUM_VK_TOKEN", settings.vk_token or "")
        monkeypatch.setenv("SFERUM_VK_GROUP_ID", str(h.group_id))
        # With a token the settings are real VK's: they want a mini-app key of VK's shape.
        monkeypatch.setenv("SFERUM_VK_APP_SECRET", "TestAppKey0123456789")
        code = await asyncio.to_thread(
            main, ["broadcast", "status", str(broadcast_id)], clock=h.clock
        )
        assert code == 0
        out = capsys.readouterr().out
        assert "По группам:" in out
        assert "сотрудники: получили 4, прочитали 2, не доставлено 0" in out
        assert "ученики: получили 16, прочитали 2" in out
