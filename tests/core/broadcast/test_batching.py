"""Grouping prepared recipients by text into peer_ids batches and execute calls."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.broadcast.batching import TextPool
from core.vk.batch_sender import CALLS_PER_EXECUTE, PEERS_PER_CALL, Batch


def peers_of(calls: list[list[Batch]]) -> list[int]:
    return [peer for call in calls for batch in call for peer in batch.peer_ids]


def test_while_more_are_coming_only_whole_calls_of_full_batches_leave() -> None:
    pool = TextPool(random_id=7, keyboard=None)
    pool.add((peer, "Привет") for peer in range(2_499))
    assert pool.take(final=False) == []  # 24 full batches and one of 99: not a whole call
    pool.add([(2_499, "Привет"), (5_000, "Другой текст")])
    [call] = pool.take(final=False)
    assert len(call) == CALLS_PER_EXECUTE
    assert all(len(b.peer_ids) == PEERS_PER_CALL and b.message == "Привет" for b in call)
    assert all(b.random_id == 7 and b.keyboard is None for b in call)
    assert pool.take(final=False) == []
    [last] = pool.take(final=True)  # the remainder, however small
    assert last == [Batch((5_000,), "Другой текст", 7, None)]
    assert pool.take(final=True) == []


@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.booleans()),  # (text number, take before the next add)
        max_size=3_000,
    )
)
def test_every_recipient_leaves_once_with_its_own_text(adds: list[tuple[int, bool]]) -> None:
    pool = TextPool(random_id=1, keyboard='{"inline":true,"buttons":[]}')
    calls: list[list[Batch]] = []
    text_of: dict[int, str] = {}
    for peer, (text_number, take) in enumerate(adds):
        text_of[peer] = f"Текст {text_number}"
        pool.add([(peer, text_of[peer])])
        if take:
            calls.extend(pool.take(final=False))
    calls.extend(pool.take(final=True))
    assert sorted(peers_of(calls)) == list(range(len(adds)))
    for call in calls:
        assert 1 <= len(call) <= CALLS_PER_EXECUTE
        for batch in call:
            assert 1 <= len(batch.peer_ids) <= PEERS_PER_CALL
            assert {text_of[p] for p in batch.peer_ids} == {batch.message}
    # Partial batches only come from the final take: one per text at most.
    partial = [b for call in calls for b in call if len(b.peer_ids) < PEERS_PER_CALL]
    assert len(partial) == len({b.message for b in partial})
