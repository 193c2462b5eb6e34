"""Recipients waiting to be sent, grouped by their text into peer_ids batches and execute calls."""

from __future__ import annotations

from collections.abc import Iterable

from core.vk.batch_sender import CALLS_PER_EXECUTE, PEERS_PER_CALL, Batch, pack


class TextPool:
    """Identical texts share a ``messages.send`` with up to 100 peer_ids, up to 25 sends share
    an execute call.

    A personalised text fills its batch only as more recipients arrive, so while more are coming
    (``take(final=False)``) only whole execute calls of full batches leave the pool and the rest
    waits for its text's next recipients: preparing an audience in chunks costs no extra calls.
    ``take(final=True)`` empties the pool, partial batches included.
    """

    def __init__(self, random_id: int, keyboard: str | None, attachment: str | None = None) -> None:
        self.random_id = random_id
        self.keyboard = keyboard
        self.attachment = attachment  # the broadcast's files, the same in every batch
        self._waiting: dict[str, list[int]] = {}
        self._full: list[Batch] = []

    def add(self, recipients: Iterable[tuple[int, str]]) -> None:
        """(peer id, text) pairs."""
        waiting = self._waiting
        for peer_id, text in recipients:
            peers = waiting.get(text)
            if peers is None:
                peers = waiting[text] = []
            peers.append(peer_id)
            if len(peers) == PEERS_PER_CALL:
                self._full.append(self._batch(peers, text))
                del waiting[text]

    def take(self, *, final: bool) -> list[list[Batch]]:
        """Execute calls ready to go: whole ones only, unless ``final``."""
        if final:
            self._full.extend(self._batch(peers, text) for text, peers in self._waiting.items())
            self._waiting.clear()
            ready = len(self._full)
        else:
            ready = len(self._full) - len(self._full) % CALLS_PER_EXECUTE
        calls = pack(self._full[:ready])
        del self._full[:ready]
        return calls

    def _batch(self, peers: list[int], text: str) -> Batch:
        return Batch(tuple(peers), text, self.random_id, self.keyboard, self.attachment)
