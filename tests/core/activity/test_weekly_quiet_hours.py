"""The Monday report goes through core's outbox: a job that fires late at night (the process was
down at 09:00) holds it back until the admin's working hours and sends it once; at 09:00 it goes
at once, and the same week's job run again sends nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from core.activity.handlers import labeler, setup
from core.activity.scheduled import KIND, OUTBOX_KIND, WEEKLY
from core.activity.texts import T
from core.plugins.spec import Plugin
from core.scheduling import Job, Weekly
from sferum.testing import Harness, bot_harness

NSK = ZoneInfo("Asia/Novosibirsk")
MONITORING = Plugin(name="monitoring_probe", title="Мониторинг", labelers=[labeler], texts=T)
HEADER = "📊 Мониторинг: МБОУ СОШ № 112\nНеделя 23–29 ноября"


async def subscribe(h: Harness) -> tuple[int, int]:
    """Orlov subscribes to his school's Monday report; (his VK id, the school's id)."""
    setup(h.services)
    admin = h.vk("orlov")
    school = int(
        await h.services.db.fetchval("SELECT id FROM organisations WHERE name = 'МБОУ СОШ № 112'")
    )
    await h.say(admin, "мониторинг")
    event = await h.press(admin, {"mon": "sub", "org": school})
    assert "по понедельникам" in (await h.snackbar(admin, event))["text"]
    h.replies(admin)
    return admin, school


def reports(h: Harness, admin: int) -> list[str]:
    return [m["text"] for m in h.replies(admin) if m["text"].startswith(HEADER)]


async def test_a_report_fired_at_night_waits_for_working_hours_once(tmp_path: Path) -> None:
    async with bot_harness([MONITORING], tmp_path) as h:
        admin, _ = await subscribe(h)
        h.clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=NSK))  # down at 09:00, back at night
        assert await h.run_due() == 1
        assert reports(h, admin) == []
        h.clock.advance(timedelta(hours=4))  # 03:00: still night
        await h.run_due()
        assert reports(h, admin) == []

        h.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=NSK))
        assert await h.run_due() == 1
        assert len(reports(h, admin)) == 1
        h.clock.advance(timedelta(hours=2))
        await h.run_due()
        assert reports(h, admin) == []
        orlov = await h.person_id("orlov")
        [row] = await h.services.db.fetchall(
            "SELECT key, state, deferred FROM outbox_messages WHERE kind = ?", (OUTBOX_KIND,)
        )
        assert row["state"] == "sent" and row["deferred"] == 1
        assert row["key"].startswith(f"{orlov}:")


async def test_a_report_at_nine_goes_at_once_and_a_rerun_sends_nothing(tmp_path: Path) -> None:
    async with bot_harness([MONITORING], tmp_path) as h:
        admin, school = await subscribe(h)
        nine = datetime(2026, 11, 30, 9, 0, tzinfo=NSK)
        h.clock.set(nine)
        assert await h.run_due() == 1
        assert len(reports(h, admin)) == 1

        # The same week's job run again (a retry after a crash) sends nothing more.
        weekly = h.services.get(WEEKLY)
        orlov = await h.person_id("orlov")
        again = Job(
            f"{KIND}:{orlov}:{school}",
            KIND,
            Weekly((1,), nine.time(), "Asia/Novosibirsk"),
            {"person_id": orlov, "org_id": school, "group_id": h.group_id},
            nine,
            2,
        )
        assert await weekly.fire(again)
        await h.settle()
        assert reports(h, admin) == []
