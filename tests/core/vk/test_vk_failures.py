"""VK failing as a whole: HTTP 500 pages and answers that are not JSON are retried with backoff
and one log line each (no hot loop, no traceback flood); a hanging VK frees a reply after the
configured timeout instead of aiohttp's five minutes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from core.broadcast.engine import MAX_ATTEMPTS
from core.vk.batch_sender import (
    BadAnswer,
    Batch,
    BatchSender,
    PeerResult,
    VkCallError,
    _parse,
)
from sandbox.config import FaultConfig
from sferum.testing import bot_harness

from ..broadcast.helpers import BulkAudience, bulk_audience


class Pauses:
    """The sender's sleep: records each pause and returns at once (simulated time)."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


def _backing_off(audience: BulkAudience, pauses: Pauses, attempts: int) -> BatchSender:
    """The community's sender with ``attempts`` tries a call and pauses from 0.25 s, doubling."""
    return BatchSender(
        audience.community.access_token,
        audience.sandbox.api_url,
        1000,
        max_attempts=attempts,
        backoff_s=0.25,
        sleep=pauses,
    )


def _lines_of(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == name]


def test_answers_that_are_not_the_apis_are_bad_answers() -> None:
    for status, raw in [
        (500, b"<html>500 Internal Server Error</html>"),
        (502, b'{"response": 1}'),  # whatever the body, a 5xx is not the API's answer
        (200, b"<html>maintenance</html>"),
        (200, b""),
        (200, b"\xff\xfe"),
        (200, b"null"),
        (200, b"[1, 2]"),
    ]:
        with pytest.raises(BadAnswer):
            _parse(status, raw)
    assert _parse(200, b'{"error": {"error_code": 6}}') == {"error": {"error_code": 6}}


async def test_http_500_is_retried_with_growing_pauses_and_one_line_per_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pauses = Pauses()
    async with bulk_audience(3, faults=FaultConfig(http500_share=1.0)) as audience:
        sender = _backing_off(audience, pauses, attempts=5)
        batch = Batch(tuple(audience.vk_ids), "Собрание в четверг.", random_id=7)
        with (
            caplog.at_level(logging.WARNING, logger="sferum.sender"),
            pytest.raises(VkCallError) as failed,
        ):
            await sender.send_execute([batch])
        await sender.close()
        stats = audience.sandbox.runtime.state.stats
        assert stats.api_calls == 5  # the attempts, not a flood
        assert stats.messages_delivered == 0
    assert failed.value.code == -1 and "HTTP 500" in failed.value.message
    assert pauses.taken == [0.25, 0.5, 1.0, 2.0]  # a pause before every retry, each twice longer
    assert sender.stats.api_calls == 5 and sender.stats.errors_by_code == {-1: 5}
    lines = _lines_of(caplog, "sferum.sender")
    assert len(lines) == 5
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in lines)
    assert "HTTP 500" in lines[0].getMessage() and "giving up" in lines[-1].getMessage()


async def test_a_broadcast_while_vk_answers_500_backs_off_and_ends(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Once a hot loop: the rows of a call that raised were picked again at once, forever."""
    pauses = Pauses()
    async with (
        bulk_audience(40, faults=FaultConfig(http500_share=1.0)) as audience,
        audience.school(tmp_path / "sferum.db", rate_limit=1000) as school,
    ):
        sender = _backing_off(audience, pauses, attempts=3)
        school.services.broadcasts.register_sender(school.group_id, sender)
        broadcast_id = await school.broadcast_to_parents("Собрание в четверг.")
        with caplog.at_level(logging.WARNING):
            # A guard only: the run ends after MAX_ATTEMPTS rounds of three attempts.
            status = await asyncio.wait_for(school.services.broadcasts.run(broadcast_id), 60)
        stats = audience.sandbox.runtime.state.stats
        # One execute call carries all 40; each round retries it three times, then gives up.
        assert stats.api_calls == MAX_ATTEMPTS * 3
        assert stats.messages_delivered == 0
    assert status.status == "done" and status.failed == 40
    assert status.reasons == {"retries_exhausted": 40}
    assert pauses.taken == [0.25, 0.5] * MAX_ATTEMPTS
    assert len(_lines_of(caplog, "sferum.sender")) == MAX_ATTEMPTS * 3
    assert len(_lines_of(caplog, "sferum.broadcast")) == MAX_ATTEMPTS
    assert all(r.exc_info is None for r in caplog.records)


async def test_a_reply_gives_up_after_the_configured_timeout(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path, vk_timeout_s=0.5) as h:
        student = h.vk("st00")
        # Longer than the configured timeout: without it the call would wait for the answer
        # (aiohttp's default is 5 minutes) and get the error 10 that comes after the hang.
        h.sandbox.runtime.faults.update({"hang_share": 1.0, "hang_seconds": 3.0})
        with pytest.raises(TimeoutError):
            await h.community.api.messages.send(peer_id=student, message="Ответ", random_id=0)
        h.sandbox.runtime.faults.update({"hang_share": 0.0})
        # The limiter slot and the token are free again.
        await h.community.api.messages.send(peer_id=student, message="Ответ", random_id=0)
        assert h.last_reply(student)["text"] == "Ответ"


async def test_a_broadcast_whose_calls_raise_something_unexpected_ends_too(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Not only VK's failures: any exception of a call counts as an attempt of its recipients,
    or they would be picked again at once, round after round."""
    calls: list[int] = []

    class Broken(BatchSender):
        async def send_execute(self, batches: Sequence[Batch]) -> list[PeerResult]:
            calls.append(len(batches))
            raise KeyError("response")  # e.g. an answer of a shape nobody expected

    async with (
        bulk_audience(5) as audience,
        audience.school(tmp_path / "sferum.db", rate_limit=1000) as school,
    ):
        broken = Broken(audience.community.access_token, audience.sandbox.api_url, 1000)
        school.services.broadcasts.register_sender(school.group_id, broken)
        broadcast_id = await school.broadcast_to_parents("Собрание в четверг.")
        with caplog.at_level(logging.ERROR, logger="sferum.broadcast"):
            status = await asyncio.wait_for(school.services.broadcasts.run(broadcast_id), 60)
    assert calls == [1] * MAX_ATTEMPTS
    assert status.status == "done" and status.reasons == {"retries_exhausted": 5}
    assert len(_lines_of(caplog, "sferum.broadcast")) == MAX_ATTEMPTS
