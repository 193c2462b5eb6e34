"""Deterministic ``random_id``s: the same message gets the same id however often it is sent.

VK drops a message whose (sender, peer, random_id) it has seen within the last hour, so an id
derived from what is being sent (a broadcast, a student's reminder of one day, an appeal's answer)
turns a job that runs twice, or a send retried after a crash, into one delivery. The formula must
never change: ids already written to the broadcast log are re-sent as they are when a broadcast
resumes, and a changed formula would deliver the repeat.
"""

from __future__ import annotations

import hashlib


def random_id(*parts: object) -> int:
    """A positive 31-bit id for the parts, joined by ':' (the first names the sender kind, e.g.
    ``random_id("sferum-broadcast", broadcast_id)``). Never 0: VK reads 0 as "no de-duplication"."""
    key = ":".join(str(part) for part in parts)
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF or 1


def part_random_id(message_random_id: int, index: int) -> int:
    """The id of part ``index`` of a message sent in several parts (core/vk/split.py): the first
    keeps the message's own id — a text that fits one message is sent as it always was — and each
    further part gets one of its own derived from the message's and its index, so resending the
    whole message de-duplicates part by part."""
    if index == 0:
        return message_random_id
    return random_id("sferum-part", message_random_id, index)
