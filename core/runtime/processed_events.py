"""Which Callback API events were handled: claimed before handling, marked done after.

VK retries an event whose answer was not ``ok`` (10 s, 3 min, 10 min, 30 min, 1 h later, or after
our ``Retry-After``), always with the same ``event_id``. The guarantee built on that:

* **At least once.** ``ok`` is answered only after the event's handlers finished without an error
  (core/runtime/callback.py). Before handling, the event is *claimed* (a row ``in_progress`` with a
  lease); after, it is marked ``done``. A handler that raised releases the claim and VK's retry
  handles the event again. A process that dies mid-handler leaves its claim behind: once the lease
  ran out, VK's next retry takes the claim over and handles the event again.
* **Duplicates are dropped** while the event is ``done`` (VK's retry after our ``ok`` was lost)
  or claimed by a live lease (another worker, or this one, still on it: VK is asked to come back
  when the lease ends).
* **Not exactly once.** The claim cannot share a transaction with the handler's writes: handlers
  write through their own transactions (and send VK messages, which no transaction covers). An
  event handled again after a crash or a failure may repeat what its first run did before it
  stopped. Handlers whose effects must not repeat (an appeal, a code use) key them on the VK
  message (peer_id + conversation_message_id) or make them idempotent otherwise.

Rows older than VK's retry horizon (hours) are pruned on claim, at most once an hour per process;
a week is kept so that a stuck VK queue replayed days later is still de-duplicated.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import Clock
from core.storage import Database

# Longer than a normal handler runs (seconds), shorter than VK's 3-minute retry step, so a retry
# after a crash finds the lease expired.
LEASE = timedelta(minutes=2)
RETENTION = timedelta(days=7)
PRUNE_EVERY = timedelta(hours=1)


class ClaimState(enum.Enum):
    CLAIMED = "claimed"  # ours to handle now
    DONE = "done"  # handled before: answer ok
    BUSY = "busy"  # claimed by a live lease elsewhere: ask VK to come back later


@dataclass(frozen=True, slots=True)
class Claim:
    state: ClaimState
    lease_until: datetime | None = None  # ours (CLAIMED) or the other holder's (BUSY)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class ProcessedEvents:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._pruned_at: datetime | None = None

    async def claim(self, event_id: str, group_id: int) -> Claim:
        """Claim an event for handling, unless it was handled or someone holds a live claim."""
        await self._prune_now_and_then()
        now = self.clock.now()
        lease_until = now + LEASE
        # Two workers cannot both claim: SQLite's write transaction (BEGIN IMMEDIATE) runs one
        # after the other; on PostgreSQL the second worker's insert waits for the first one's
        # row and then does nothing, and an existing row is read under its row lock.
        async with self.db.transaction() as tx:
            inserted = await tx.fetchone(
                "INSERT INTO processed_events (event_id, group_id, received_at, status, "
                "lease_until) VALUES (?, ?, ?, 'in_progress', ?) "
                "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
                (event_id, group_id, _iso(now), _iso(lease_until)),
            )
            if inserted is not None:
                return Claim(ClaimState.CLAIMED, lease_until)
            row = await tx.fetchone(
                "SELECT status, lease_until FROM processed_events WHERE event_id = ? "
                + tx.dialect.for_update,
                (event_id,),
            )
            assert row is not None  # rows are deleted only by prune, days after their claim
            if row["status"] == "done":
                return Claim(ClaimState.DONE)
            held = datetime.fromisoformat(row["lease_until"]) if row["lease_until"] else None
            if held is not None and held > now:
                return Claim(ClaimState.BUSY, held)
            # The holder's lease ran out (it died): take the claim over.
            await tx.execute(
                "UPDATE processed_events SET lease_until = ? WHERE event_id = ?",
                (_iso(lease_until), event_id),
            )
            return Claim(ClaimState.CLAIMED, lease_until)

    async def done(self, event_id: str) -> None:
        """The handlers finished: later deliveries of this event are duplicates."""
        await self.db.execute(
            "UPDATE processed_events SET status = 'done', lease_until = NULL WHERE event_id = ?",
            (event_id,),
        )

    async def release(self, event_id: str, lease_until: datetime) -> None:
        """A handler failed: forget the claim so that VK's retry handles the event again. Only
        our own claim (same lease) is released, never one another worker took over since."""
        await self.db.execute(
            "DELETE FROM processed_events "
            "WHERE event_id = ? AND status = 'in_progress' AND lease_until = ?",
            (event_id, _iso(lease_until)),
        )

    async def prune(self) -> int:
        """Forget events received before VK's retry horizon (RETENTION ago)."""
        cutoff = self.clock.now() - RETENTION
        self._pruned_at = self.clock.now()
        return await self.db.execute(
            "DELETE FROM processed_events WHERE received_at < ?", (_iso(cutoff),)
        )

    async def _prune_now_and_then(self) -> None:
        if self._pruned_at is None or self.clock.now() - self._pruned_at >= PRUNE_EVERY:
            await self.prune()
