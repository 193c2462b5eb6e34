"""The broadcast engine through the sandbox: timing, recurrence, policy, quiet hours, cancel."""

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from core.broadcast import Audience, BroadcastError, BroadcastSpec, LinkButton
from core.broadcast.engine import MAX_ATTEMPTS
from core.scheduling import Weekly
from core.vk.batch_sender import BatchSender
from sferum.testing import Harness, bot_harness


async def _spec(h: Harness, audience: Audience, **extra: object) -> BroadcastSpec:
    author = await h.person_id("volkova")  # the counsellor of СОШ № 112
    return BroadcastSpec(
        author,
        h.group_id,
        audience,
        "Здравствуйте, {{ first_name }}! Завтра субботник.",
        title="Субботник",
        **extra,
    )  # type: ignore[arg-type]


def _texts(h: Harness, key: str) -> list[str]:
    return [m["text"] for m in h.conversation(h.vk(key)) if m["from_id"] == -h.group_id]


async def _school_groups(h: Harness) -> dict[str, int]:
    rows = await h.services.db.fetchall("SELECT id, external_id FROM groups")
    return {r["external_id"].removeprefix("demo:group:"): r["id"] for r in rows}


async def test_scheduled_broadcast_fires_at_its_time_with_personal_texts(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        groups = await _school_groups(h)
        at = h.clock.now() + timedelta(hours=2)
        spec = await _spec(
            h,
            Audience.groups(groups["s112-7b"]),
            schedule=at,
            buttons=(LinkButton("Подробнее", "https://school.example/sub"),),
        )
        broadcast_id = await h.services.broadcasts.create(spec)
        assert await h.run_due() == 0
        assert _texts(h, "st04") == []
        h.clock.advance(timedelta(hours=2))
        await h.run_due()
        status = await h.services.broadcasts.status(broadcast_id)
        assert status.status == "done" and status.sent == status.total == 4
        received = h.conversation(h.vk("st04"))[-1]
        assert received["text"] == "Здравствуйте, Михаил! Завтра субботник." or received[
            "text"
        ].startswith("Здравствуйте, ")
        first_name = (await h.services.people.person(await h.person_id("st04"))).first_name  # type: ignore[union-attr]
        assert received["text"] == f"Здравствуйте, {first_name}! Завтра субботник."
        assert "open_link" in str(received.get("keyboard"))


async def test_recurring_broadcast_recurs(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        groups = await _school_groups(h)
        weekly = Weekly((1, 4), time(11, 0), "Asia/Novosibirsk")  # Mon and Thu, 11:00 local
        broadcast_id = await h.services.broadcasts.create(
            await _spec(h, Audience.groups(groups["s112-5a"]), schedule=weekly)
        )
        h.clock.advance(timedelta(hours=1, minutes=1))  # Monday 11:01
        await h.run_due()
        h.clock.advance(timedelta(days=3))  # Thursday 11:01
        await h.run_due()
        h.clock.advance(timedelta(days=1))  # Friday: nothing
        await h.run_due()
        status = await h.services.broadcasts.status(broadcast_id)
        assert status.recurring and status.runs == 2
        assert len(_texts(h, "st00")) == 2


async def test_policy_skipped_recipients_are_reported(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        services = h.services
        # A parent author may broadcast only if staff: refused outright.
        with pytest.raises(BroadcastError, match="сотрудники"):
            await services.broadcasts.create(
                BroadcastSpec(await h.person_id("pa00"), h.group_id, Audience.persons(1), "x")
            )
        guests = [await h.person_id(k) for k in ("guest-adult", "guest-minor", "st00")]
        # The counsellor to: a no-role adult (allow), a no-role minor (allow by id), a student.
        journal_only = await h.person_id("pa11")  # no VK account
        broadcast_id = await services.broadcasts.create(
            await _spec(h, Audience.persons(*guests, journal_only))
        )
        await h.run_due()
        status = await services.broadcasts.status(broadcast_id)
        assert status.skipped == 1 and status.reasons == {"no_vk_account": 1}
        assert status.sent == 3


async def test_quiet_hours_defer_students_to_morning_and_staff_to_working_hours(
    tmp_path: Path,
) -> None:
    evening = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # Friday 22:30 in Novosibirsk
    async with bot_harness([], tmp_path) as h:
        h.clock.set(evening)
        groups = await _school_groups(h)
        broadcast_id = await h.services.broadcasts.create(
            await _spec(
                h, Audience.organisation((await h.services.people.group(groups["s112-5a"])).org_id)
            )  # type: ignore[union-attr]
        )
        await h.run_due()
        status = await h.services.broadcasts.status(broadcast_id)
        assert status.status == "sending" and status.deferred == status.pending > 0
        assert _texts(h, "st00") == [] and _texts(h, "smirnova") == []
        assert _texts(h, "pa00") != []  # parents are not in quiet hours
        h.clock.set(datetime(2026, 11, 28, 1, 5, tzinfo=UTC))  # Saturday 08:05: students
        await h.run_due()
        assert _texts(h, "st00") != [] and _texts(h, "smirnova") == []
        h.clock.set(datetime(2026, 11, 30, 1, 5, tzinfo=UTC))  # Monday 08:05: staff
        await h.run_due()
        assert _texts(h, "smirnova") != []
        final = await h.services.broadcasts.status(broadcast_id)
        assert final.status == "done" and final.pending == 0


async def test_cancel_stops_a_scheduled_broadcast(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        groups = await _school_groups(h)
        spec = await _spec(
            h, Audience.groups(groups["s112-9a"]), schedule=h.clock.now() + timedelta(hours=1)
        )
        broadcast_id = await h.services.broadcasts.create(spec)
        with pytest.raises(BroadcastError):  # a teacher who is not the author nor an admin
            await h.services.broadcasts.cancel(broadcast_id, await h.person_id("kuznetsov"))
        assert await h.services.broadcasts.cancel(broadcast_id, await h.person_id("volkova"))
        h.clock.advance(timedelta(hours=2))
        await h.run_due()
        assert (await h.services.broadcasts.status(broadcast_id)).status == "cancelled"
        assert _texts(h, "st08") == []


async def test_recipients_failing_every_attempt_are_given_up_and_the_broadcast_ends(
    tmp_path: Path,
) -> None:
    async with bot_harness([], tmp_path) as h:
        groups = await _school_groups(h)
        community = h.sandbox.runtime.state.communities[h.group_id]
        # One attempt per call and no back-off, so each round is one attempt per recipient.
        h.services.broadcasts.register_sender(
            h.group_id,
            BatchSender(
                community.access_token, h.sandbox.api_url, 1000, max_attempts=1, backoff_s=0
            ),
        )
        h.sandbox.runtime.faults.update({"error10_share": 1.0})  # VK is down for good
        spec = await _spec(h, Audience.groups(groups["s112-7b"]))
        broadcast_id = await h.services.broadcasts.create(spec)
        status = await h.services.broadcasts.run(broadcast_id)
        assert status.status == "done"
        assert status.sent == 0 and status.failed == status.total == 4
        assert status.reasons == {"retries_exhausted": 4}
        attempts = await h.services.db.fetchrows(
            "SELECT attempts FROM broadcast_deliveries WHERE broadcast_id = ?", (broadcast_id,)
        )
        assert [a for (a,) in attempts] == [MAX_ATTEMPTS] * 4
        assert _texts(h, "st04") == []
