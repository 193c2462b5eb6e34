"""Flood control (VK error 9) as VK documents it: not hammered. The broadcast sender backs off and
sends again only the recipients VK refused, never one it delivered; a whole call refused with 9
is tried again after a pause; a handler's reply (vkbottle through RateLimitedAPI) too. Failed
recipients of peer_ids have no message_id, and nothing of ours reads one there."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from vkbottle import VKAPIError

from core.broadcast.engine import MAX_ATTEMPTS, BroadcastStatus
from core.vk.api import RateLimitedAPI
from core.vk.batch_sender import Batch, BatchSender, PeerResult
from core.vk.rate_limit import RateLimiter
from core.vk.tokens import TokenChannel
from sandbox.faults import FaultInjector

from ..broadcast.helpers import BulkAudience, School, bulk_audience


class Pauses:
    """The sender's sleep: records each pause and returns at once (simulated time); ``then``
    runs at a pause of that number (1 for the first), e.g. VK lifting the flood control."""

    def __init__(self, then: dict[int, Callable[[], object]] | None = None) -> None:
        self.taken: list[float] = []
        self.then = then or {}

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)
        action = self.then.get(len(self.taken))
        if action is not None:
            action()


def _faults(audience: BulkAudience) -> FaultInjector:
    return audience.sandbox.runtime.faults


def _sender(
    audience: BulkAudience, sleep: Callable[[float], Awaitable[None]], max_attempts: int = 6
) -> BatchSender:
    return BatchSender(
        audience.community.access_token,
        audience.sandbox.api_url,
        1000,
        max_attempts=max_attempts,
        sleep=sleep,
    )


async def test_a_flooded_recipient_is_sent_again_alone_after_a_pause() -> None:
    async with bulk_audience(5) as audience:
        peers = list(audience.vk_ids)
        flooded = peers[2]
        faults = _faults(audience)
        faults.update({"flood_peers": [flooded]})
        pauses = Pauses({1: lambda: faults.update({"flood_peers": []})})
        sender = _sender(audience, pauses)
        results = await sender.send_execute([Batch(tuple(peers), "Собрание в четверг.", 77)])
        await sender.close()
        stats = audience.sandbox.runtime.state.stats
        assert [r.peer_id for r in results] == peers
        assert all(r.ok and r.message_id for r in results)
        # Everybody has the message once: the second execute carried only the flooded one
        # (had it carried the others, VK's random_id memory would have counted duplicates).
        assert audience.messages_per_user() == dict.fromkeys(peers, 1)
        assert stats.duplicates_suppressed == 0 and stats.api_calls == 2
        assert pauses.taken == [1.0]  # flood control's pause, longer than error 6's 0.25
        assert sender.stats.errors_by_code == {9: 1} and sender.stats.retries == 1


async def test_a_recipient_flooded_for_good_fails_with_9_after_bounded_tries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with bulk_audience(3) as audience:
        peers = list(audience.vk_ids)
        flooded = peers[0]
        _faults(audience).update({"flood_peers": [flooded]})
        pauses = Pauses()
        sender = _sender(audience, pauses, max_attempts=4)
        with caplog.at_level(logging.WARNING, logger="sferum.sender"):
            results = await sender.send_execute([Batch(tuple(peers), "Собрание.", 78)])
        await sender.close()
        assert results[0] == PeerResult(flooded, error_code=9)
        assert all(r.ok for r in results[1:])
        assert pauses.taken == [1.0, 2.0, 4.0]  # backing off, not hammering
        assert audience.sandbox.runtime.state.stats.errors_by_code == {9: 4}
        assert audience.messages_per_user() == {flooded: 0, peers[1]: 1, peers[2]: 1}
        lines = [r.getMessage() for r in caplog.records if r.name == "sferum.sender"]
        assert len(lines) == 4 and "giving up" in lines[-1]


async def test_several_batches_keep_their_order_and_texts_when_some_are_flooded() -> None:
    async with bulk_audience(6) as audience:
        peers = list(audience.vk_ids)
        faults = _faults(audience)
        faults.update({"flood_peers": [peers[1], peers[4]]})
        pauses = Pauses({2: lambda: faults.update({"flood_peers": []})})
        sender = _sender(audience, pauses)
        batches = [Batch(tuple(peers[:3]), "Первый", 81), Batch(tuple(peers[3:]), "Второй", 82)]
        results = await sender.send_execute(batches)
        await sender.close()
        assert [r.peer_id for r in results] == peers and all(r.ok for r in results)
        assert pauses.taken == [1.0, 2.0]
        state = audience.sandbox.runtime.state
        for peer, text in zip(peers, ["Первый"] * 3 + ["Второй"] * 3, strict=True):
            conv = state.conversation_for(peer, audience.community.owner_id)
            assert conv is not None and [m.text for m in conv.messages] == [text]


async def test_a_whole_call_refused_with_9_is_tried_again_after_a_pause() -> None:
    async with bulk_audience(1) as audience:
        peer = audience.first
        faults = _faults(audience)
        faults.update({"error9_share": 1.0})
        pauses = Pauses({2: lambda: faults.update({"error9_share": 0.0})})
        sender = _sender(audience, pauses)
        result = await sender.send_one(peer, "Напоминание", random_id=91)
        await sender.close()
        assert result.ok and result.message_id
        assert pauses.taken == [1.0, 2.0]
        assert audience.messages_per_user() == {peer: 1}


async def test_a_failed_recipients_item_without_message_id_is_read_as_a_failure() -> None:
    """VK leaves message_id out of a failed recipient's item: a reader taking item["message_id"]
    would raise here instead of reporting 901 for that one recipient."""
    async with bulk_audience(2) as audience:
        state = audience.sandbox.runtime.state
        stranger = state.create_user("Незнакомый", "Человек").id  # never allowed the community
        sender = _sender(audience, Pauses())
        peers = (audience.first, stranger, audience.last)
        raw = await sender.call(
            "messages.send", {"peer_ids": ",".join(map(str, peers)), "random_id": 5, "message": "Х"}
        )
        assert "message_id" not in raw["response"][1]
        results = await sender.send_execute([Batch(peers, "Собрание.", 6)])
        await sender.close()
        assert results[1] == PeerResult(stranger, message_id=None, error_code=901)
        assert results[0].ok and results[2].ok
        assert results[0].message_id and results[2].message_id


@asynccontextmanager
async def _parents_school(
    tmp_path: Path, parents: int
) -> AsyncIterator[tuple[BulkAudience, School]]:
    """A school whose parents are a bulk audience of ``parents`` people, pacing out of the way."""
    async with (
        bulk_audience(parents) as audience,
        audience.school(tmp_path / "sferum.db", rate_limit=1000) as school,
    ):
        yield audience, school


async def _broadcast_through(school: School, sender: BatchSender) -> BroadcastStatus:
    """A broadcast to the school's parents sent through ``sender``, run to its end."""
    school.services.broadcasts.register_sender(school.group_id, sender)
    broadcast_id = await school.broadcast_to_parents("Собрание в четверг.")
    return await asyncio.wait_for(school.services.broadcasts.run(broadcast_id), 60)


async def test_a_broadcast_with_a_flooded_recipient_delivers_everyone_once(
    tmp_path: Path,
) -> None:
    async with _parents_school(tmp_path, 30) as (audience, school):
        peers = list(audience.vk_ids)
        faults = _faults(audience)
        faults.update({"flood_peers": [peers[7]]})
        pauses = Pauses({1: lambda: faults.update({"flood_peers": []})})
        status = await _broadcast_through(school, _sender(audience, pauses))
        assert status.status == "done" and status.sent == 30 and status.failed == 0
        assert audience.messages_per_user() == dict.fromkeys(peers, 1)
        assert pauses.taken == [1.0]


async def test_a_broadcast_gives_a_recipient_flooded_for_good_up_after_bounded_tries(
    tmp_path: Path,
) -> None:
    async with _parents_school(tmp_path, 10) as (audience, school):
        peers = list(audience.vk_ids)
        _faults(audience).update({"flood_peers": [peers[3]]})
        pauses = Pauses()
        status = await _broadcast_through(school, _sender(audience, pauses, max_attempts=3))
        assert status.status == "done" and status.sent == 9 and status.failed == 1
        assert status.reasons == {"retries_exhausted": 1}
        # Each round of the engine: the sender's bounded tries, with pauses between them.
        errors = audience.sandbox.runtime.state.stats.errors_by_code
        assert errors == {9: MAX_ATTEMPTS * 3}
        assert pauses.taken == [1.0, 2.0] * MAX_ATTEMPTS
        counts = audience.messages_per_user()
        assert counts.pop(peers[3]) == 0 and set(counts.values()) == {1}


async def _reply_api(audience: BulkAudience, sleep: Pauses) -> RateLimitedAPI:
    channel = TokenChannel(
        audience.sandbox.api_url, audience.community.access_token, RateLimiter(1000), 10.0
    )
    return RateLimitedAPI(channel, sleep=sleep)


async def test_a_reply_refused_with_flood_control_is_sent_once_after_a_pause() -> None:
    async with bulk_audience(1) as audience:
        faults = _faults(audience)
        faults.update({"error9_share": 1.0})
        pauses = Pauses({2: lambda: faults.update({"error9_share": 0.0})})
        api = await _reply_api(audience, pauses)
        try:
            await api.messages.send(peer_id=audience.first, message="Ответ", random_id=0)
        finally:
            await api.channel.close()
        assert pauses.taken == [1.0, 2.0]
        assert audience.messages_per_user() == {audience.first: 1}


async def _reply_refused_with(audience: BulkAudience, code: int) -> Pauses:
    """VK answers every call with error ``code``: the reply ends with that error; the pauses."""
    _faults(audience).update({f"error{code}_share": 1.0})
    pauses = Pauses()
    api = await _reply_api(audience, pauses)
    try:
        with pytest.raises(VKAPIError[code]):
            await api.messages.send(peer_id=audience.first, message="Ответ", random_id=0)
    finally:
        await api.channel.close()
    return pauses


async def test_a_reply_gives_up_on_flood_control_after_bounded_tries() -> None:
    async with bulk_audience(1) as audience:
        pauses = await _reply_refused_with(audience, 9)
        assert pauses.taken == [1.0, 2.0, 4.0]  # four attempts in all
        assert audience.sandbox.runtime.state.stats.errors_by_code == {9: 4}


async def test_a_reply_is_not_tried_again_after_error_10() -> None:
    """Error 10: VK may have sent it, and a reply has random_id 0 — a second one could arrive."""
    async with bulk_audience(1) as audience:
        pauses = await _reply_refused_with(audience, 10)
        assert pauses.taken == []
        assert audience.sandbox.runtime.state.stats.api_calls == 1
