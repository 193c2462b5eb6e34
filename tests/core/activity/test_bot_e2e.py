"""«мониторинг» through the sandbox: the summary, its buttons, the Monday report."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.activity.handlers import labeler, setup
from core.activity.importer import PlatformImporter
from core.activity.texts import T
from core.people import OrgKind, Position, RoleKind
from core.plugins.spec import Plugin
from sferum.testing import bot_harness

NSK = ZoneInfo("Asia/Novosibirsk")
SAMPLE = Path(__file__).parents[3] / "core" / "activity" / "samples" / "platform_stats_demo.csv"
# Mounted as a plugin here; in production the lead mounts it next to core's verification labeler.
MONITORING = Plugin(name="monitoring_probe", title="Мониторинг", labelers=[labeler], texts=T)


def keyboard_of(message: dict[str, object]) -> list[dict[str, object]]:
    raw = message.get("keyboard")
    data = json.loads(raw) if isinstance(raw, str) else raw
    assert isinstance(data, dict)
    return [button["action"] for row in data["buttons"] for button in row]


async def test_admin_summary_buttons_and_weekly_report(tmp_path: Path) -> None:
    async with bot_harness([MONITORING], tmp_path) as h:
        setup(h.services)
        await PlatformImporter(h.services.db, h.clock).import_file(SAMPLE)
        admin, teacher = h.vk("orlov"), h.vk("kuznetsov")
        school = int(
            await h.services.db.fetchval(
                "SELECT id FROM organisations WHERE name = 'МБОУ СОШ № 112'"
            )
        )

        await h.say(teacher, "мониторинг")
        assert "доступен администраторам" in h.last_reply(teacher)["text"]

        await h.say(admin, "Мониторинг")
        reply = h.last_reply(admin)
        text = reply["text"]
        # The week that has just ended (16–22 November), from the imported platform statistics.
        assert text.startswith("📊 Мониторинг: МБОУ СОШ № 112\nНеделя 16–22 ноября")
        assert "✅ Школа подключена" in text
        assert "🟢 Педагоги, создавшие чат: 66,7 % (2 из 3)" in text
        assert "▫️ Активные обучающиеся: 75,0 % (12 из 16) ▼ 3,6" in text  # 11 of 14 before
        actions = keyboard_of(reply)
        assert actions[0]["type"] == "open_app"
        assert actions[0]["app_id"] == h.services.settings.vk_app_id
        assert [a.get("label") for a in actions[1:]] == [
            "Текущая неделя",
            "Присылать по понедельникам",
        ]

        event = await h.press(admin, {"mon": "sub", "org": school})
        assert "по понедельникам" in (await h.snackbar(admin, event))["text"]
        jobs = await h.services.jobs.jobs("monitoring.weekly")
        assert len(jobs) == 1
        due = datetime.fromisoformat(jobs[0]["next_run"]).astimezone(NSK)
        assert due == datetime(2026, 11, 30, 9, 0, tzinfo=NSK)

        event = await h.press(admin, {"mon": "now", "org": school})
        assert "текущую неделю" in (await h.snackbar(admin, event))["text"]
        assert h.last_reply(admin)["text"].startswith(
            "📊 Мониторинг: МБОУ СОШ № 112\nТекущая неделя (23–29 ноября)"
        )

        # Monday 09:00 next week: the report of 23–29 November arrives by itself. Kuznetsov
        # wrote to the bot this week: one of three teachers active.
        await h.services.activity.flush()
        h.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=NSK))
        assert await h.run_due() == 1
        report = h.last_reply(admin)["text"]
        assert report.startswith("📊 Мониторинг: МБОУ СОШ № 112\nНеделя 23–29 ноября")
        assert "▫️ Активные педагоги: 33,3 % (1 из 3)" in report
        assert keyboard_of(h.last_reply(admin))[-1]["label"] == "Не присылать отчёт"

        event = await h.press(admin, {"mon": "unsub", "org": school})
        assert "Больше не пришлю" in (await h.snackbar(admin, event))["text"]
        assert await h.services.jobs.jobs("monitoring.weekly") == []

        # An admin who lost the role: the buttons he still has refuse politely.
        orlov = await h.person_id("orlov")
        for role in await h.services.people.active_roles(orlov):
            if role.position == Position.ADMIN:
                await h.services.people.revoke_role(role.id, by_person_id=None, reason="test")
        h.services.identities.invalidate(admin)
        event = await h.press(admin, {"mon": "sub", "org": school})
        assert "только администраторам" in (await h.snackbar(admin, event))["text"]
        assert await h.services.jobs.jobs("monitoring.weekly") == []


async def test_region_admin_gets_the_region(tmp_path: Path) -> None:
    async with bot_harness([MONITORING], tmp_path) as h:
        setup(h.services)
        people = h.services.people
        region = (await people.organisations(OrgKind.REGION))[0]
        orlov = await h.person_id("orlov")
        await people.grant_role(
            orlov, RoleKind.STAFF, region.id, position=Position.ADMIN, method="test"
        )
        h.services.identities.invalidate(h.vk("orlov"))
        await h.say(h.vk("orlov"), "мониторинг")
        replies = h.replies(h.vk("orlov"))
        # The region covers his school: one summary, the region's.
        assert len(replies) == 1
        assert replies[0]["text"].startswith("📊 Мониторинг: Новосибирская область")


async def test_weekly_report_stops_when_the_admin_lost_the_role(tmp_path: Path) -> None:
    async with bot_harness([MONITORING], tmp_path) as h:
        setup(h.services)
        admin = h.vk("orlov")
        school = int(
            await h.services.db.fetchval(
                "SELECT id FROM organisations WHERE name = 'МБОУ СОШ № 112'"
            )
        )
        await h.say(admin, "мониторинг")
        event = await h.press(admin, {"mon": "sub", "org": school})
        assert "по понедельникам" in (await h.snackbar(admin, event))["text"]
        orlov = await h.person_id("orlov")
        for role in await h.services.people.active_roles(orlov):
            if role.position == Position.ADMIN:
                await h.services.people.revoke_role(role.id, by_person_id=None, reason="test")
        h.replies(admin)  # read so far
        h.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=NSK))
        assert await h.run_due() == 1
        assert h.replies(admin) == []  # no report
        assert await h.services.jobs.jobs("monitoring.weekly") == []
        subscriptions = await h.services.db.fetchval(
            "SELECT count(*) FROM monitoring_subscriptions WHERE person_id = ?", (orlov,)
        )
        assert subscriptions == 0
