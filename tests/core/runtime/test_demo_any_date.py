"""`sferum run` shows a living school on any date: started a year and more before or after the
week the demo was written for, in a summer holiday too, the embedded default has upcoming events,
this week's lessons in the e-journal, appeals with deadlines ahead, open trainer assignments and
the monitoring weeks that have just ended."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from bots.exam_trainer.assignments import open_for_student
from bots.pushkin_card.catalog import Catalog, Query
from bots.pushkin_card.dates import Period, window
from bots.rosobrnadzor_helper.appeals import list_queue
from core.activity.report import Reports
from core.clock import ManualClock
from core.config import Settings
from core.demo.district import build
from core.people import OrgKind
from core.vk.launch_params import sign_launch_params
from sferum.app import start

VK = build().vk_ids()
MOMENTS = [
    datetime(2026, 11, 23, 3, 0, tzinfo=UTC),  # the week the demo was written for
    datetime(2027, 12, 2, 5, 0, tzinfo=UTC),  # a year later
    datetime(2025, 11, 28, 8, 30, tzinfo=UTC),  # a year earlier, a Friday
    datetime(2028, 7, 19, 6, 0, tzinfo=UTC),  # a summer holiday, two years on
]


def _launch(vk_user_id: int, settings: Settings, now: datetime) -> str:
    params = {
        "vk_user_id": str(vk_user_id),
        "vk_app_id": str(settings.vk_app_id),
        "vk_ts": str(int(now.timestamp())),
        "vk_platform": "desktop_web",
    }
    return urlencode({**params, "sign": sign_launch_params(params, settings.app_secret)})


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.date().isoformat())
async def test_the_demo_is_alive_whenever_it_starts(tmp_path: Path, moment: datetime) -> None:
    clock = ManualClock(moment)
    settings = Settings(db_path=str(tmp_path / "sferum.db"), sandbox_port=0, miniapp_port=0)
    running = await start(settings, clock=clock)
    try:
        services = running.services
        now = clock.now()

        # Pushkin card: events in Новосибирск this week and after.
        catalog = Catalog(services.db)
        city = await catalog.city("Новосибирск")
        assert city is not None
        page = await catalog.search(Query(city.name, window(Period.WEEK, now, city.zone)))
        assert page.items, "no events this week"
        assert all(item.at >= now - timedelta(hours=12) for item in page.items)

        # The e-journal: a student opens the mini-app and sees today's week with lessons.
        jar = aiohttp.CookieJar(unsafe=True)  # the mini-app is on 127.0.0.1
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            url = f"{running.urls['miniapp']}/?{_launch(VK['st08'], settings, now)}"
            async with http.get(url) as response:
                home = await response.text()
                assert response.status == 200
            found = re.search(r'href="(/s/[^"/]+/schedule)', home)
            assert found is not None, home
            async with http.get(running.urls["miniapp"] + found.group(1)) as response:
                page_text = await response.text()
        assert response.status == 200, page_text
        assert "Русский язык" in page_text or "Алгебра" in page_text
        around = [(now + timedelta(days=days)).date().isoformat() for days in (-7, 7)]
        lessons = await services.db.fetchval(
            "SELECT count(*) FROM journal_lessons WHERE day BETWEEN ? AND ?", tuple(around)
        )
        assert lessons > 100

        # Appeals: the operators' queue has open appeals, none of them past its deadline.
        queue = await list_queue(services.db)
        open_ones = [a for a in queue if a.is_open]
        assert len(open_ones) >= 3
        assert all(a.due_at > now for a in open_ones)
        assert any(a.due_at - now < timedelta(days=5) for a in open_ones)

        # The trainer: 9А has an assignment st10 has not started, due in the coming days.
        st10 = await services.people.person_by_vk(VK["st10"])
        assert st10 is not None
        mine = await open_for_student(services.db, st10.id, now)
        assert mine and mine[0][0].due_at > now and mine[0][1] == 0

        # Monitoring: the week that has just ended has the platform's numbers for the schools.
        region = (await services.people.organisations(OrgKind.REGION))[0]
        reports = Reports.over(services.db, clock)
        week = (await reports.week_for(region.id)).previous()
        report = await reports.unit_report(region.id, week)
        assert report.source != "none" and report.current.teachers > 0
    finally:
        await running.stop()
