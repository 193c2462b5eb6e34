"""A community's event log: numbered events for Bots Long Poll, its keys, and its waiters.

Events are stored as (number, type, object) where the object is a Message (rendered when read, so
a 100,000-recipient broadcast costs a tuple per recipient) or a ready dict.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
from collections import deque

from .api_version import LATEST_TEXT

MESSAGE_EVENT_TYPES: tuple[str, ...] = (
    "message_new",
    "message_reply",
    "message_edit",
    "message_event",
    "message_allow",
    "message_deny",
)

LoggedEvent = tuple[int, str, object]


class KeyState:
    VALID = 0
    EXPIRED = 2  # VK: failed=2, get a new key and keep the ts
    LOST = 3  # VK: failed=3, get a new key and a new ts


class EventLog:
    def __init__(self, history: int) -> None:
        self._events: deque[LoggedEvent] = deque(maxlen=history)
        self.next_ts = 1
        self._waiter: asyncio.Event | None = None
        # key -> (issued at, unix seconds; epoch it belongs to)
        self._keys: dict[str, tuple[float, int]] = {}
        self._epoch = 0
        # groups.setLongPollSettings' api_version: the shape Bots Long Poll sends events in.
        self.api_version = LATEST_TEXT

    # -- events ---------------------------------------------------------------------------------

    def append(self, event_type: str, obj: object) -> int:
        number = self.next_ts
        self.next_ts = number + 1
        self._events.append((number, event_type, obj))
        waiter = self._waiter
        if waiter is not None:
            waiter.set()
            self._waiter = None
        return number

    @property
    def oldest_ts(self) -> int:
        return self._events[0][0] if self._events else self.next_ts

    def since(self, ts: int, limit: int) -> list[LoggedEvent]:
        """Events numbered ts and later, at most limit of them."""
        start = ts - self.oldest_ts
        if start < 0 or ts >= self.next_ts:
            return []
        return list(itertools.islice(self._events, start, start + limit))

    async def wait_beyond(self, ts: int, seconds: float) -> None:
        """Return when an event numbered ts or later exists, or after that many seconds."""
        if self.next_ts > ts or seconds <= 0:
            return
        waiter = self._waiter
        if waiter is None:
            waiter = self._waiter = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter.wait(), seconds)

    def wake(self) -> None:
        """Release every waiting poller (at shutdown); they answer with what there is."""
        waiter = self._waiter
        if waiter is not None:
            waiter.set()
            self._waiter = None

    # -- long poll keys -------------------------------------------------------------------------

    def issue_key(self, now: float) -> str:
        key = secrets.token_hex(20)
        self._keys[key] = (now, self._epoch)
        return key

    def key_state(self, key: str, now: float, ttl: float) -> int:
        issued = self._keys.get(key)
        if issued is None:
            return KeyState.EXPIRED
        at, epoch = issued
        if epoch != self._epoch:
            return KeyState.LOST
        if now - at > ttl:
            return KeyState.EXPIRED
        return KeyState.VALID

    def expire_key(self, key: str) -> None:
        self._keys.pop(key, None)

    def expire_keys(self) -> None:
        self._keys.clear()

    def lose_information(self) -> None:
        """Every key issued so far now answers failed=3, as after VK loses a server's state."""
        self._epoch += 1

    def prune_keys(self, now: float, ttl: float) -> None:
        # A key past its lifetime answers failed=2 whether or not we still remember it.
        for key in [k for k, (at, _epoch) in self._keys.items() if now - at > ttl]:
            del self._keys[key]
