"""One random_id helper for every sender, computing exactly what the five copies it replaced did:
broadcast logs keep their ids for resumes, and a job that runs again after the upgrade must still
be dropped by VK as a repeat."""

from __future__ import annotations

from core.broadcast.engine import random_id_for
from core.vk.random_ids import random_id

# Values of the former copies (engine, monitoring, exam trainer, Rosobrnadzor desk, Pushkin card),
# computed before they were merged.
BEFORE = [
    (("sferum-broadcast", 1), 48657690),
    (("sferum-broadcast", 4242), 1048659901),
    (("monitoring", 12, 3, "2026-W48"), 1560437177),
    (("exam-trainer-reminder", 17, "2026-11-23"), 1817283657),
    (("rosobrnadzor_helper", "answer:5"), 1737127148),
    (("pushkin_card", "reminder:9:31"), 2101346696),
]


def test_ids_are_those_the_former_copies_computed() -> None:
    for parts, expected in BEFORE:
        assert random_id(*parts) == expected, parts


def test_a_broadcast_keeps_its_id() -> None:
    assert random_id_for(1) == 48657690
    assert random_id_for(4242) == 1048659901


def test_ids_are_positive_31_bit_and_differ_by_key() -> None:
    ids = {random_id("k", n) for n in range(2000)}
    assert len(ids) == 2000
    assert all(0 < value < 2**31 for value in ids)
