"""The outbox: every message a bot sends by itself, not as the answer to what someone just wrote —
a reminder, an alert to an admin, an operator's answer relayed to a teacher.

``deliver`` decides now-or-later from the recipient's quiet hours (core/quiet_hours.py on the
injected clock); a message that must wait is stored and sent by a scheduled job when they end,
so it survives a restart. Where a person is the sender (``on_behalf_of``) the communication policy
judges the pair, when it is asked and again when a held-back message goes.

Exactly once: the message is named by (kind, key) — asking again for the same one returns what
became of it and sends nothing. One attempt at a time claims the row ('sending' until a lease
runs out); its job is the safety net — when a process dies between sending and recording the
answer, the job sends again with the same random_id, which VK's de-duplication drops.

Broadcasts go through the broadcast engine (core/broadcast), which applies the same quiet hours
to audiences; replies to a person's own message go straight back (``message.answer``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from core.broadcast import BroadcastError
from core.clock import Clock
from core.people import PeopleRepository
from core.policy import Outcome
from core.policy.service import PolicyService
from core.scheduling import Job, JobQueue, Once
from core.storage import Database
from core.vk import random_ids
from core.vk.batch_sender import PERMANENT_REASONS, BatchSender

from .recipients import quiet_until

log = logging.getLogger("sferum.outbox")

JOB = "core.outbox"
# How long one attempt owns a message: longer than a send with all its retries takes.
LEASE = timedelta(minutes=5)
RETRY_AFTER = timedelta(minutes=2)  # times the attempt number: 2, 4, 6, 8 minutes
MAX_ATTEMPTS = 5
NO_VK_ACCOUNT = "no_vk_account"
NO_SENDER = "no_sender"


class State(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


FINAL = frozenset({State.SENT, State.FAILED, State.SKIPPED})


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def job_id(message_id: int) -> str:
    return f"{JOB}:{message_id}"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message and what became of it."""

    id: int
    kind: str
    key: str
    group_id: int
    person_id: int | None
    peer_id: int | None
    on_behalf_of: int | None
    state: State
    reason: str | None
    not_before: datetime
    deferred: bool  # held back by quiet hours at least once
    attempts: int
    message_id: int | None

    @property
    def sent(self) -> bool:
        return self.state == State.SENT

    @property
    def waiting_until(self) -> datetime | None:
        """When a message still to go is due (the end of the recipient's quiet hours)."""
        return None if self.state in FINAL else self.not_before

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutboxMessage:
        return cls(
            id=int(row["id"]),
            kind=row["kind"],
            key=row["key"],
            group_id=int(row["group_id"]),
            person_id=row["person_id"],
            peer_id=row["peer_id"],
            on_behalf_of=row["on_behalf_of"],
            state=State(row["state"]),
            reason=row["reason"],
            not_before=datetime.fromisoformat(row["not_before"]),
            deferred=bool(row["deferred"]),
            attempts=int(row["attempts"]),
            message_id=row["message_id"],
        )


Settled = Callable[[OutboxMessage], Awaitable[None]]


class Senders(Protocol):
    """Where the outbox finds a community's sender: the broadcast engine, which connects them."""

    def sender(self, group_id: int) -> BatchSender:
        """The community's sender; BroadcastError while it is not connected."""
        ...


class Outbox:
    """One per process (``services.outbox``); it registers its job kind at construction, so a
    restarted process sends what the previous one held back before any plugin starts."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        jobs: JobQueue,
        people: PeopleRepository,
        policy: PolicyService,
        senders: Senders,
        timezone: str,
    ) -> None:
        self.db = db
        self.clock = clock
        self.jobs = jobs
        self.people = people
        self.policy = policy
        self.senders = senders
        # Quiet hours of a person with no role in an organisation are judged in this zone.
        self.zone = ZoneInfo(timezone)
        self._settled: dict[str, Settled] = {}
        jobs.register(JOB, self._run_job)

    def on_settled(self, kind: str, callback: Settled) -> None:
        """Call ``callback`` when a message of ``kind`` that could not go at once (held back,
        or its first attempt failed) is finally sent, failed or skipped — for a plugin that
        records the outcome (an appeal's answer: delivered or kept). ``deliver`` returns the
        outcome of a message that went at once."""
        if kind in self._settled:
            raise ValueError(f"outbox kind {kind!r} has a settled callback already")
        self._settled[kind] = callback

    async def quiet_until(self, person_id: int, now: datetime | None = None) -> datetime:
        """``now`` (the clock's, when not given) when the person may be written to now, else
        the end of their quiet hours. Callers that compare the answer with their own ``now``
        pass it: a real clock read twice is later the second time, and that moment would look
        like a wait."""
        return await quiet_until(
            self.people,
            person_id,
            self.clock.now() if now is None else now,
            self.zone,
        )

    async def find(self, kind: str, key: str) -> OutboxMessage | None:
        row = await self.db.fetchone(
            "SELECT * FROM outbox_messages WHERE kind = ? AND key = ?", (kind, key)
        )
        return None if row is None else OutboxMessage.from_row(row)

    async def get(self, message_id: int) -> OutboxMessage:
        row = await self.db.fetchone("SELECT * FROM outbox_messages WHERE id = ?", (message_id,))
        if row is None:
            raise KeyError(f"no outbox message {message_id}")
        return OutboxMessage.from_row(row)

    # --- asking -------------------------------------------------------------------------------
    async def deliver(
        self,
        *,
        group_id: int,
        kind: str,
        key: str,
        text: str,
        keyboard: str | None = None,
        attachment: str | None = None,
        person_id: int | None = None,
        peer_id: int | None = None,
        on_behalf_of: int | None = None,
        random_id: int | None = None,
    ) -> OutboxMessage:
        """Send from community ``group_id`` now, or when the recipient's quiet hours end.

        The recipient is a person (``person_id``: their VK account is looked up when it goes)
        or a bare ``peer_id`` (a chat: no quiet hours of its own). ``kind`` and ``key`` name the
        message: the same pair again sends nothing and returns the first one's fate.
        ``attachment``: VK attachment strings (files uploaded once), under the last part.
        ``random_id`` keeps a caller's own de-duplication id; by default one is derived."""
        if person_id is None and peer_id is None:
            raise ValueError("a message needs a person or a peer")
        found = await self.find(kind, key)
        if found is not None:
            return found
        now = self.clock.now()
        peer = await self._peer(person_id, peer_id)
        refusal = await self._refusal(person_id, peer, on_behalf_of)
        when = now
        if refusal is None and person_id is not None:
            when = max(now, await self.quiet_until(person_id, now))
        deferred = when > now
        existing = None
        async with self.db.transaction() as tx:
            # One statement makes the message: of two askers at once (in one worker or in two)
            # the second one's insert finds the first one's row, waiting for it to commit on
            # PostgreSQL, and does nothing; that asker then reads the first one's message.
            inserted = await tx.fetchone(
                "INSERT INTO outbox_messages (kind, key, group_id, person_id, peer_id, "
                "on_behalf_of, text, keyboard, attachment, random_id, state, reason, "
                "not_before, deferred, created_at, finished_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (kind, key) DO NOTHING RETURNING id",
                (
                    kind,
                    key,
                    group_id,
                    person_id,
                    peer,
                    on_behalf_of,
                    text,
                    keyboard,
                    attachment,
                    random_id or random_ids.random_id("sferum-outbox", kind, key),
                    State.PENDING if refusal is None else State.SKIPPED,
                    refusal,
                    _utc(when),
                    int(deferred),
                    _utc(now),
                    None if refusal is None else _utc(now),
                ),
            )
            if inserted is None:
                existing = await tx.fetchval(
                    "SELECT id FROM outbox_messages WHERE kind = ? AND key = ?", (kind, key)
                )
            else:
                message_id = int(inserted["id"])
        if existing is not None:
            return await self.get(int(existing))
        if refusal is not None:
            log.info("%s %s not sent: %s", kind, key, refusal)
            return await self.get(message_id)
        # The job is what survives a restart: due when the quiet hours end, or — sent now —
        # a safety net that fires only if this process dies before the answer is recorded.
        await self.jobs.schedule(
            JOB,
            Once(when if deferred else now + LEASE),
            {"id": message_id},
            job_id=job_id(message_id),
        )
        if deferred:
            log.info("%s %s held back until %s (quiet hours)", kind, key, _utc(when))
            return await self.get(message_id)
        return await self._attempt(message_id, later=False)

    # --- sending ------------------------------------------------------------------------------
    async def _run_job(self, job: Job) -> None:
        await self._attempt(int(job.data["id"]), later=True)

    async def _peer(self, person_id: int | None, peer_id: int | None) -> int | None:
        if person_id is None:
            return peer_id
        person = await self.people.person(person_id)
        return None if person is None else person.vk_user_id

    async def _refusal(
        self, person_id: int | None, peer: int | None, on_behalf_of: int | None
    ) -> str | None:
        """Why the message must not go at all (the reason recorded), or None."""
        if peer is None:
            return NO_VK_ACCOUNT
        if on_behalf_of is not None and person_id is not None:
            decision = await self.policy.decide_pair(on_behalf_of, person_id)
            if decision.outcome != Outcome.ALLOW:
                return f"policy:{decision.outcome.value}:{decision.rule.id}"
        return None

    async def _claim(self, message_id: int) -> bool:
        now = self.clock.now()
        return bool(
            await self.db.execute(
                "UPDATE outbox_messages SET state = 'sending', claimed_until = ?, "
                "attempts = attempts + 1 WHERE id = ? AND ("
                "(state = 'pending' AND not_before <= ?) "
                "OR (state = 'sending' AND claimed_until <= ?))",
                (_utc(now + LEASE), message_id, _utc(now), _utc(now)),
            )
        )

    async def _attempt(self, message_id: int, *, later: bool) -> OutboxMessage:
        """One attempt: claim, check again what may have changed while it waited (``later``),
        send, record. Whatever is not final comes back through the job."""
        if not await self._claim(message_id):
            current = await self.get(message_id)
            if current.state == State.PENDING:
                await self._schedule(message_id, current.not_before)
            elif current.state == State.SENDING:  # another attempt holds it: after its lease
                row = await self.db.fetchone(
                    "SELECT claimed_until FROM outbox_messages WHERE id = ?", (message_id,)
                )
                assert row is not None
                await self._schedule(message_id, datetime.fromisoformat(row["claimed_until"]))
            return current
        row = await self.db.fetchone("SELECT * FROM outbox_messages WHERE id = ?", (message_id,))
        assert row is not None
        message = OutboxMessage.from_row(row)
        peer = message.peer_id
        if later:
            # A night or a weekend has passed: the account, the sender's right to write to
            # this person and the person's own hours may all have changed.
            peer = await self._peer(message.person_id, message.peer_id)
            refusal = await self._refusal(message.person_id, peer, message.on_behalf_of)
            if refusal is not None:
                return await self._finish(message, State.SKIPPED, refusal, later=later)
            if message.person_id is not None:
                now = self.clock.now()
                when = await self.quiet_until(message.person_id, now)
                if when > now:
                    return await self._defer(message, when)
        assert peer is not None
        return await self._send(message, peer, row, later)

    async def _send(
        self, message: OutboxMessage, peer: int, row: dict[str, Any], later: bool
    ) -> OutboxMessage:
        try:
            sender = self.senders.sender(message.group_id)
        except BroadcastError:
            # Not connected yet (a job that runs before the community starts): try again soon.
            log.warning(
                "%s %s: community %s has no sender", message.kind, message.key, message.group_id
            )
            return await self._retry(message, NO_SENDER, later)
        try:
            text, rid, keyboard, attachment = (
                row["text"], row["random_id"], row["keyboard"], row["attachment"]
            )  # fmt: skip
            # Files only when there are some: a sender without them keeps its narrower call.
            if attachment:
                result = await sender.send_one(peer, text, rid, keyboard, attachment)
            else:
                result = await sender.send_one(peer, text, rid, keyboard)
        except Exception:
            # The sender already retried what VK may answer later; anything left is counted
            # as an attempt, never dropped nor retried forever.
            log.exception("%s %s: sending failed", message.kind, message.key)
            return await self._retry(message, "error", later)
        if result.ok:
            return await self._finish(
                message, State.SENT, None, later=later, message_id=result.message_id, peer=peer
            )
        code = result.error_code or 0
        if code in PERMANENT_REASONS:
            return await self._finish(message, State.FAILED, PERMANENT_REASONS[code], later=later)
        return await self._retry(message, f"vk_error_{code}", later)

    async def _schedule(self, message_id: int, when: datetime) -> None:
        await self.jobs.schedule(
            JOB, Once(max(when, self.clock.now())), {"id": message_id}, job_id=job_id(message_id)
        )

    async def _defer(self, message: OutboxMessage, when: datetime) -> OutboxMessage:
        await self.db.execute(
            "UPDATE outbox_messages SET state = 'pending', not_before = ?, deferred = 1, "
            "claimed_until = NULL, attempts = attempts - 1 WHERE id = ? AND state = 'sending'",
            (_utc(when), message.id),
        )
        await self._schedule(message.id, when)
        log.info("%s %s held back again until %s", message.kind, message.key, _utc(when))
        return await self.get(message.id)

    async def _retry(self, message: OutboxMessage, reason: str, later: bool) -> OutboxMessage:
        attempts = message.attempts  # this attempt included (the claim counted it)
        if attempts >= MAX_ATTEMPTS:
            return await self._finish(message, State.FAILED, reason, later=later)
        when = self.clock.now() + RETRY_AFTER * attempts
        await self.db.execute(
            "UPDATE outbox_messages SET state = 'pending', not_before = ?, reason = ?, "
            "claimed_until = NULL WHERE id = ? AND state = 'sending'",
            (_utc(when), reason, message.id),
        )
        await self._schedule(message.id, when)
        return await self.get(message.id)

    async def _finish(
        self,
        message: OutboxMessage,
        state: State,
        reason: str | None,
        *,
        later: bool,
        message_id: int | None = None,
        peer: int | None = None,
    ) -> OutboxMessage:
        await self.db.execute(
            "UPDATE outbox_messages SET state = ?, reason = ?, message_id = ?, "
            "peer_id = coalesce(?, peer_id), claimed_until = NULL, finished_at = ? "
            "WHERE id = ? AND state = 'sending'",
            (state.value, reason, message_id, peer, _utc(self.clock.now()), message.id),
        )
        await self.jobs.cancel(job_id(message.id))
        if state != State.SENT:
            log.info("%s %s %s: %s", message.kind, message.key, state.value, reason)
        done = await self.get(message.id)
        callback = self._settled.get(message.kind)
        # A message that went at once is answered to its caller; one that waited is told here.
        if callback is not None and (later or message.attempts > 1):
            await callback(done)
        return done
