"""Join requests and decisions are messages the person did not just ask for: the admin's alert
waits for their working hours, the decision for the requester's night to end — exactly once,
also when the bot restarts in between (core/outbox)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from core.clock import ManualClock
from sferum.testing import Harness, bot_harness
from tests.core.outbox.world import MONDAY_NIGHT, TUESDAY_MORNING, local, restarted

from .join_steps import request_to_join_7b

NEWCOMER = 900_003


def alerts(h: Harness, vk_id: int) -> list[str]:
    return [m["text"] for m in h.conversation(vk_id) if "Новая заявка" in m["text"]]


async def file_request(h: Harness) -> int:
    request_id = await request_to_join_7b(h, NEWCOMER)
    # The newcomer's own step is answered at once, whatever the hour.
    assert "отправлена администратору" in h.last_reply(NEWCOMER)["text"]
    return request_id


async def test_a_request_at_night_reaches_the_admin_at_eight_once_across_a_restart(
    tmp_path: Path,
) -> None:
    async with bot_harness([], tmp_path, clock=ManualClock(MONDAY_NIGHT)) as h:
        admin = h.vk("orlov")
        await file_request(h)
        assert alerts(h, admin) == []
        h.clock.set(TUESDAY_MORNING - timedelta(minutes=1))
        await h.run_due()
        assert alerts(h, admin) == []
        h.clock.set(TUESDAY_MORNING)
        async with restarted(h, []) as after:
            assert await after.jobs.run_due() == 1
            await h.settle()
            [alert] = alerts(h, admin)
            assert "Орлов" in alert
            h.clock.advance(timedelta(hours=1))
            assert await after.jobs.run_due() == 0
        await h.run_due()  # the process before the restart finds nothing left either
        assert len(alerts(h, admin)) == 1


async def test_a_request_by_day_reaches_the_admin_at_once_and_a_late_decision_waits(
    tmp_path: Path,
) -> None:
    tuesday_afternoon = local(2026, 11, 24, 15, 0)
    async with bot_harness([], tmp_path, clock=ManualClock(tuesday_afternoon)) as h:
        admin = h.vk("orlov")
        request_id = await file_request(h)
        assert len(alerts(h, admin)) == 1
        # The admin decides at 21:30 (their own press is answered at once); the newcomer, a
        # student now, hears of it in the morning.
        h.clock.set(local(2026, 11, 24, 21, 30))
        h.replies(NEWCOMER)
        await h.press(admin, {"core": "join_decide", "id": request_id, "ok": 1})
        assert "одобрена" in h.last_reply(admin)["text"]
        assert h.replies(NEWCOMER) == []
        h.clock.set(local(2026, 11, 25, 8, 0))
        await h.run_due()
        [decision] = h.replies(NEWCOMER)
        assert "одобрена" in decision["text"]
        await h.run_due()
        assert h.replies(NEWCOMER) == []
