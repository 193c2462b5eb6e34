"""The broadcast engine: audience → policy → quiet hours → delivery log → batched sending.

Exactly once: before anything is sent, every recipient gets a row in ``broadcast_deliveries`` with
a deterministic ``random_id``. Sending takes pending rows — straight from preparation as soon as
their chunk is committed, or read back from the log when resuming or retrying — sends them in
execute calls, and marks each call's recipients sent/failed in its own transaction as soon as VK
answers. After a crash only the calls in flight at that moment are uncertain; resuming re-sends
exactly those rows with the same random_id, which VK's de-duplication turns into no-ops — the log
is the mechanism, random_id the last line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.clock import Clock
from core.config import Settings
from core.people import OrgKind, PeopleRepository, Position, RoleKind
from core.policy import Decision
from core.policy.service import Facts, PolicyService
from core.scheduling import Job, JobQueue, Once, Trigger
from core.storage import Database
from core.storage.dialect import Dialect
from core.texts import CORE_TEXTS
from core.vk import random_ids
from core.vk.batch_sender import (
    PERMANENT_REASONS,
    Batch,
    BatchSender,
    PeerResult,
    VkCallError,
)
from core.vk.tokens import TokenChannels

from . import addressing
from .audience import resolve
from .batching import TextPool
from .preparation import TEMPLATE_REASON, LogRow, Planner, Prepared, chunk_bounds
from .render import MAX_TEXT, Recipient, Renderer, TemplateError, load_recipients
from .spec import Audience, BroadcastSpec, LinkButton

log = logging.getLogger("sferum.broadcast")

RUN = "broadcast.run"
MAX_ROUND = 250_000  # recipients grouped in one pass; larger audiences take several
PROGRESS_EVERY_S = 0.5
MAX_ATTEMPTS = 5  # a recipient retried this often without success is given up
FIRE = "broadcast.fire"
AUTHOR_LEFT = "author_left"  # a recurring broadcast whose author is no longer staff there


# Bulk writes to the delivery log take their rows as one JSON parameter: a single statement
# step instead of one per row. Each step hands the GIL from the connection's thread to the event
# loop and back; while the loop is busy, taking it back can wait far longer than the 5 ms switch
# interval, because every I/O poll of the loop releases and retakes the GIL, which restarts that
# wait (50 hand-offs took 30-60 s beside a loop polling every 2 ms, 0.3 s beside pure
# computation; 2,500 rows took fifteen times longer than alone). PostgreSQL takes the rows as one
# array per column (unnest), which asyncpg sends in binary: one statement all the same.
_LOG_RECIPIENTS = (
    "INSERT OR IGNORE INTO broadcast_deliveries (broadcast_id, person_id, peer_id, random_id, "
    "state, reason, not_before) "
    "SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?2, "
    "json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]') "
    "FROM json_each(?3)"
)
_LOG_RECIPIENTS_PG = (
    "INSERT INTO broadcast_deliveries (broadcast_id, person_id, peer_id, random_id, "
    "state, reason, not_before) "
    "SELECT ?1, r.person_id, r.peer_id, ?2, r.state, r.reason, r.not_before "
    "FROM unnest(CAST(?3 AS BIGINT[]), CAST(?4 AS BIGINT[]), CAST(?5 AS TEXT[]), "
    "CAST(?6 AS TEXT[]), CAST(?7 AS TEXT[])) AS r(person_id, peer_id, state, reason, not_before) "
    "ON CONFLICT (broadcast_id, person_id) DO NOTHING"
)
# One call's answers, [person, state, message id, reason] each. MATERIALIZED makes the answers
# drive the join (one primary-key lookup per answer); without it SQLite probes the JSON for
# every row of the broadcast. A retried recipient stays pending until MAX_ATTEMPTS. It returns
# the rows it changed as they are now: a recipient is sent again only if it is still pending.
# (The answers' columns are named apart from the log's: PostgreSQL's RETURNING sees both.)
_ANSWERS = """
WITH answers AS MATERIALIZED (
    SELECT json_extract(value, '$[0]') AS person, json_extract(value, '$[1]') AS outcome,
           json_extract(value, '$[2]') AS message, json_extract(value, '$[3]') AS why
    FROM json_each(?1)
)"""
_ANSWERS_PG = """
WITH answers AS MATERIALIZED (
    SELECT * FROM unnest(CAST(?1 AS BIGINT[]), CAST(?4 AS TEXT[]), CAST(?5 AS BIGINT[]),
                         CAST(?6 AS TEXT[])) AS a(person, outcome, message, why)
)"""
_RECORD = """
UPDATE broadcast_deliveries AS d SET
    state = CASE WHEN a.outcome = 'pending' AND d.attempts + 1 >= ?2 THEN 'failed'
                 ELSE a.outcome END,
    reason = CASE WHEN a.outcome = 'pending' AND d.attempts + 1 >= ?2 THEN 'retries_exhausted'
                  ELSE coalesce(a.why, d.reason) END,
    message_id = coalesce(a.message, d.message_id),
    attempts = d.attempts + 1
FROM answers AS a
WHERE d.broadcast_id = ?3 AND d.person_id = a.person AND d.state = 'pending'
RETURNING person_id, state
"""
_RECORD_ANSWERS = _ANSWERS + _RECORD
_RECORD_ANSWERS_PG = _ANSWERS_PG + _RECORD
# Only one engine sends a broadcast at a time (see _running). The two-key form of the lock has a
# key space of its own (the product's other advisory locks take one bigint key): the first key
# says "a broadcast's run in this schema" (advisory locks are the whole database's, and schemas
# beside each other — the tests' — number their broadcasts alike), the second is the broadcast.
_RUN_LOCK_PG = (
    "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || ':broadcast.run'), "
    "CAST(? AS INTEGER))"
)


def _log_recipients(
    dialect: Dialect, broadcast_id: int, random_id: int, rows: list[LogRow]
) -> tuple[str, tuple[Any, ...]]:
    """The statement writing a chunk's rows to the delivery log, and its parameters."""
    if dialect.name == "postgresql":
        columns = tuple(list(column) for column in zip(*rows, strict=True)) if rows else ([],) * 5
        return _LOG_RECIPIENTS_PG, (broadcast_id, random_id, *columns)
    return _LOG_RECIPIENTS, (broadcast_id, random_id, json.dumps(rows))


def _record_answers(
    dialect: Dialect,
    broadcast_id: int,
    answers: list[tuple[int, str, int | None, str | None]],
) -> tuple[str, tuple[Any, ...]]:
    """The statement writing one call's answers to the delivery log, and its parameters."""
    if dialect.name == "postgresql":
        persons, states, message_ids, reasons = (
            tuple(list(column) for column in zip(*answers, strict=True)) if answers else ([],) * 4
        )
        return _RECORD_ANSWERS_PG, (
            persons,
            MAX_ATTEMPTS,
            broadcast_id,
            states,
            message_ids,
            reasons,
        )
    return _RECORD_ANSWERS, (json.dumps(answers), MAX_ATTEMPTS, broadcast_id)


@dataclass
class _Flight:
    """What one run has put on the wire: running calls, the recipients they carried (still
    'pending' in the log until answered, and never to be picked twice by this run unless left
    for a retry), the person of each peer, and texts already rendered."""

    gate: asyncio.Semaphore
    pool: TextPool
    last_report: float = 0.0  # loop time of the last progress report of this run
    persons: set[int] = field(default_factory=set)
    person_of_peer: dict[int, int] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    texts: dict[int, str] = field(default_factory=dict)


class BroadcastError(Exception):
    """A broadcast that cannot be created; the message is for the author (Russian)."""


class AudienceNotAllowed(BroadcastError):
    """The author may not address this audience (the whole school, a class, its parents)."""


class CancelRefused(BroadcastError):
    """Someone who is neither the author nor an admin over the broadcast's organisation asked
    to cancel it; the broadcast goes on."""


@dataclass
class BroadcastStatus:
    id: int
    title: str
    status: str
    source: str
    author_person_id: int | None
    run_at: str | None
    recurring: bool
    total: int = 0
    sent: int = 0
    pending: int = 0
    deferred: int = 0
    failed: int = 0
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    runs: int = 0
    org_id: int | None = None
    stop_reason: str | None = None  # why it was stopped without a cancel: AUTHOR_LEFT

    @property
    def progress(self) -> str:
        return f"{self.sent + self.failed + self.skipped}/{self.total}"

    @property
    def finished(self) -> bool:
        return self.status in ("done", "cancelled")


def random_id_for(broadcast_id: int) -> int:
    """Deterministic per broadcast; VK de-duplicates per (sender, peer, random_id), so this is
    deterministic per (broadcast, recipient) and survives any re-batching after a restart. The
    ids of existing broadcasts are in their delivery logs: this key must stay as it is."""
    return random_ids.random_id("sferum-broadcast", broadcast_id)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def link_keyboard(buttons: tuple[LinkButton, ...]) -> str | None:
    if not buttons:
        return None
    rows = [
        [{"action": {"type": "open_link", "link": b.url, "label": b.label[:40]}}]
        for b in buttons[:6]
    ]
    return json.dumps({"inline": True, "buttons": rows}, ensure_ascii=False)


Progress = Callable[[BroadcastStatus], Awaitable[None] | None]


def _render_all(
    broadcast_id: int, renderer: Renderer, recipients: dict[int, Recipient]
) -> tuple[dict[int, str], set[int]]:
    """Each recipient's text, and those whose values the template could not take: one
    recipient's error is that recipient's failure, never the broadcast's (the author reads the
    count by reason in the report)."""
    texts: dict[int, str] = {}
    failed: set[int] = set()
    for person_id, recipient in recipients.items():
        try:
            texts[person_id] = renderer.render(recipient)
        except TemplateError:
            failed.add(person_id)
    if failed:
        log.warning(
            "broadcast %s: the text could not be made for %d recipient(s), e.g. person %s",
            broadcast_id,
            len(failed),
            min(failed),
        )
    return texts, failed


class BroadcastEngine:
    """One per process (``services.broadcasts``): it registers its job kinds on ``jobs``."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        jobs: JobQueue,
        people: PeopleRepository,
        policy: PolicyService,
        channels: TokenChannels,
        settings: Settings,
        concurrency: int = 20,
    ) -> None:
        self.db = db
        self.clock = clock
        self.jobs = jobs
        self.people = people
        self.policy = policy
        # The communities' token channels: a broadcast waits in the same limiter as replies.
        self.channels = channels
        # The configured communities, for connect_configured.
        self.settings = settings
        self.concurrency = concurrency
        self._senders: dict[int, BatchSender] = {}
        jobs.register(RUN, self._run_job)
        jobs.register(FIRE, self._fire_job)

    # --- wiring -------------------------------------------------------------------------------
    def register_sender(self, group_id: int, sender: BatchSender) -> None:
        self._senders[group_id] = sender

    def connect(self, group_id: int, token: str, api_url: str) -> BatchSender:
        """The community's sender, made by whoever asks first (the runtime for each community,
        the CLI and the mini-app for the configured one), on the token's channel: the same rate
        limiter and HTTP session as the community's replies."""
        if group_id not in self._senders:
            channel = self.channels.channel(api_url, token)
            self._senders[group_id] = BatchSender.on(channel)
        return self._senders[group_id]

    def connect_configured(self) -> list[BatchSender]:
        """The senders of every community in the settings ([communities] or the older single
        vk_token/vk_group_id pair); none on the sandbox, whose communities connect themselves."""
        settings = self.settings
        return [
            self.connect(community.group_id, community.token, settings.vk_api_url)
            for community in settings.vk_communities()
        ]

    def sender(self, group_id: int) -> BatchSender:
        try:
            return self._senders[group_id]
        except KeyError:
            raise BroadcastError(f"сообщество {group_id} не подключено к рассылкам") from None

    def connected(self) -> list[int]:
        """The communities with a sender in this process, in the order they connected (under
        `sferum run` on the sandbox: one per bot, as the runtime started them)."""
        return list(self._senders)

    async def close(self) -> None:
        for sender in self._senders.values():
            await sender.close()

    # --- creating -----------------------------------------------------------------------------
    async def check_author(self, person_id: int) -> None:
        roles = await self.people.active_roles(person_id)
        if not any(role.role == RoleKind.STAFF for role in roles):
            raise BroadcastError("Рассылки могут создавать только подтверждённые сотрудники школы.")

    def preview(self, spec: BroadcastSpec, values: dict[str, str]) -> str:
        return Renderer(spec.template, spec.values).preview(values)

    async def create(self, spec: BroadcastSpec) -> int:
        if spec.author_person_id is not None:
            await self.check_author(spec.author_person_id)
            # Who may address the whole school, a class, a class's parents (addressing.py).
            problem = await addressing.refusal(self.people, spec.author_person_id, spec.audience)
            if problem is not None:
                raise AudienceNotAllowed(problem)
        renderer = Renderer(spec.template, spec.values)  # raises TemplateError on bad syntax
        sample = renderer.preview(
            {
                "first_name": "Александра",
                "last_name": "Константинопольская",
                "role": "student",
                "class_name": "11А",
                "child_name": "Александра",
            }
        )
        if not sample:
            raise BroadcastError("Текст рассылки пуст.")
        if len(sample) > MAX_TEXT:
            raise BroadcastError(f"Текст длиннее {MAX_TEXT} символов — VK его не примет.")
        now = self.clock.now()
        schedule = spec.schedule
        recurring = isinstance(schedule, Trigger)
        run_at = schedule if isinstance(schedule, datetime) else now
        broadcast_id = await self.db.execute(
            "INSERT INTO broadcasts (author_person_id, group_id, audience, template, title, "
            "buttons, keyboard, schedule, quiet_mode, vals, source, status, run_at, created_at, "
            "consent, org_id, attachment) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                spec.author_person_id,
                spec.group_id,
                json.dumps(spec.audience.to_json()),
                spec.template,
                spec.title,
                json.dumps([[b.label, b.url] for b in spec.buttons], ensure_ascii=False),
                spec.keyboard,
                json.dumps(schedule.to_json()) if isinstance(schedule, Trigger) else None,
                spec.quiet_mode.value,
                json.dumps(spec.values, ensure_ascii=False),
                spec.source,
                "scheduled" if recurring else "pending",
                None if recurring else _utc(run_at),
                _utc(now),
                spec.consent,
                await self.organisation_of(spec),
                ",".join(spec.attachments) or None,
            ),
        )
        if isinstance(schedule, Trigger):
            await self.jobs.schedule(
                FIRE, schedule, {"id": broadcast_id}, job_id=f"broadcast:{broadcast_id}"
            )
        else:
            await self.jobs.schedule(
                RUN, Once(run_at), {"id": broadcast_id}, job_id=f"broadcast:{broadcast_id}"
            )
        return broadcast_id

    async def _fire_job(self, job: Job) -> None:
        """A recurring broadcast fired: a new run with the same content, sent now — while its
        author is still staff of its organisation. One who left (the role revoked, moved to
        another school) no longer speaks for the school: the recurring broadcast stops."""
        parent = await self.db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (job.data["id"],))
        if parent is None or parent["status"] == "cancelled":
            return
        author = parent["author_person_id"]
        if author is not None and not await self.is_staff_of(author, parent["org_id"]):
            await self._stop(parent["id"], AUTHOR_LEFT)
            log.warning(
                "recurring broadcast %s stopped: its author (person %s) is no longer staff of "
                "organisation %s; the occurrence due %s is not sent",
                parent["id"],
                author,
                parent["org_id"],
                _utc(job.due),
            )
            return
        run_id = await self.db.execute(
            "INSERT INTO broadcasts (parent_id, author_person_id, group_id, audience, template, "
            "title, buttons, keyboard, quiet_mode, vals, source, status, run_at, created_at, "
            "consent, org_id, attachment) "
            "SELECT id, author_person_id, group_id, audience, template, title, buttons, keyboard, "
            "quiet_mode, vals, source, 'pending', ?, ?, consent, org_id, attachment "
            "FROM broadcasts "
            "WHERE id = ?",
            (_utc(job.due), _utc(self.clock.now()), parent["id"]),
        )
        await self.run(run_id)

    async def _stop(self, broadcast_id: int, reason: str) -> None:
        """Stop a broadcast nobody cancelled, saying why (the report shows it)."""
        await self.db.execute(
            "UPDATE broadcasts SET status = 'cancelled', cancelled_at = ?, stop_reason = ? "
            "WHERE id = ? AND status IN ('scheduled', 'pending', 'sending')",
            (_utc(self.clock.now()), reason, broadcast_id),
        )
        await self.jobs.cancel(f"broadcast:{broadcast_id}")

    # --- whose broadcast ------------------------------------------------------------------------
    async def organisation_of(self, spec: BroadcastSpec) -> int | None:
        """The organisation a broadcast speaks for: its audience's (the organisation, the first
        class's), else — a list of persons — the author's school (the first where they are
        staff). None for a list of persons without an author (a subscription digest)."""
        audience = spec.audience
        if audience.org_id is not None:
            return audience.org_id
        if audience.group_ids:
            group = await self.people.group(audience.group_ids[0])
            if group is not None:
                return group.org_id
        if spec.author_person_id is not None:
            staff = sorted(
                r.org_id
                for r in await self.people.active_roles(spec.author_person_id)
                if r.role == RoleKind.STAFF
            )
            return staff[0] if staff else None
        return None

    async def is_staff_of(self, person_id: int, org_id: int | None) -> bool:
        """Whether the person has an active staff role in the organisation or one above it (any
        staff role when the broadcast has no organisation)."""
        roles = [r for r in await self.people.active_roles(person_id) if r.role == RoleKind.STAFF]
        if org_id is None:
            return bool(roles)
        scope = await self.people.org_and_above(org_id)
        return any(r.org_id in scope for r in roles)

    async def administers(self, person_id: int, org_id: int | None) -> bool:
        """Whether the person is an admin of the organisation or of one above it (as monitoring
        reads it: admins see what they administer and everything under it)."""
        if org_id is None:
            return False
        admin_of = {
            r.org_id
            for r in await self.people.active_roles(person_id)
            if r.role == RoleKind.STAFF and r.position == Position.ADMIN
        }
        return bool(admin_of) and bool(admin_of & await self.people.org_and_above(org_id))

    async def _run_job(self, job: Job) -> None:
        await self.run(int(job.data["id"]))

    # --- preparing ------------------------------------------------------------------------------
    async def _prepare(
        self,
        row: dict[str, Any],
        renderer: Renderer,
        handoff: asyncio.Queue[list[Prepared] | None] | None,
    ) -> None:
        """Write one delivery row per recipient (pending, deferred by not_before, or skipped), in
        chunks: each committed chunk can be sent while the next is evaluated. With ``handoff``,
        each chunk's recipients due now go to it with their texts as soon as the chunk is
        committed, so sending needs no read of the log. Re-running after an interruption is safe:
        existing rows are kept (INSERT OR IGNORE) — and then nothing is handed off, since rows of
        the interrupted run may already be sent: that run's sending reads the log.

        A pipeline: a chunk's policy facts and names are read side by side (two readers), and its
        rows are committed while the next chunk is read; commits stay in chunk order."""
        broadcast_id = row["id"]
        author = row["author_person_id"]
        audience = Audience.from_json(json.loads(row["audience"]))
        person_ids = [pid for pid in await resolve(self.db, audience) if pid != author]
        # No author: the recipients asked for it themselves (create() checked the consent).
        sender_view = None if author is None else await self.policy.sender_view(author)
        schools = await self.people.organisations(OrgKind.SCHOOL)
        now = self.clock.now()
        planner = Planner({o.id: o for o in schools}, now, asked=author is None)
        random_id = random_id_for(broadcast_id)

        async def evaluate(chunk: list[int]) -> tuple[dict[int, Decision], dict[int, Facts]]:
            if author is None:
                return {}, await self.policy.facts(chunk)
            return await self.policy.evaluate(author, chunk, sender=sender_view)

        async def names(chunk: list[int]) -> dict[int, Recipient]:
            if handoff is None:
                return {}
            return await load_recipients(self.db, chunk, renderer.used)

        async def commit(rows: list[LogRow], prepared: list[Prepared], last: bool) -> None:
            async with self.db.transaction() as tx:
                await tx.execute(*_log_recipients(tx.dialect, broadcast_id, random_id, rows))
                await tx.execute(
                    "UPDATE broadcasts SET status = 'sending', "
                    "started_at = coalesce(started_at, ?), "
                    "prepared = ? WHERE id = ? AND status IN ('pending', 'sending')",
                    (_utc(now), int(last), broadcast_id),
                )
            if handoff is not None:
                handoff.put_nowait(prepared)

        writing: asyncio.Task[None] | None = None
        try:
            for start, end in chunk_bounds(len(person_ids)):
                chunk = person_ids[start:end]
                # Names for the texts are read for the whole chunk before the policy has spoken:
                # most recipients are allowed, and the read runs beside the policy's.
                (decisions, facts), recipients = await asyncio.gather(evaluate(chunk), names(chunk))
                texts = None
                unrenderable: set[int] = set()
                if handoff is not None:
                    texts, unrenderable = _render_all(broadcast_id, renderer, recipients)
                rows, prepared = planner.plan(chunk, decisions, facts, texts, unrenderable)
                if writing is not None:
                    await writing
                writing = asyncio.create_task(commit(rows, prepared, end >= len(person_ids)))
            if writing is not None:
                await writing
        finally:
            if writing is not None and not writing.done():
                writing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writing

    # --- sending --------------------------------------------------------------------------------
    async def run(self, broadcast_id: int, progress: Progress | None = None) -> BroadcastStatus:
        """Prepare if needed, then send every due pending recipient.

        Safe to call again after a crash: it resumes from the delivery log. While another
        engine (another worker on the same PostgreSQL) is sending this broadcast, nothing is
        done here: its status is returned as it stands, and the other engine finishes it."""
        async with self._running(broadcast_id) as mine:
            if not mine:
                log.info("broadcast %s is being sent by another engine", broadcast_id)
                return await self.status(broadcast_id)
            return await self._run(broadcast_id, progress)

    @contextlib.asynccontextmanager
    async def _running(self, broadcast_id: int) -> AsyncIterator[bool]:
        """Whether this engine may send the broadcast now; it keeps that right until the block
        ends. Sending reads pending rows and keeps them pending until VK answers, so two engines
        running one broadcast at once would both send every recipient (VK's random_id memory
        would hide it for an hour at most). On PostgreSQL the right is an advisory lock held by a
        transaction of its own for the whole run: another worker's run finds it taken, and a
        worker that dies loses it with its connection, so resume() elsewhere can take over.
        SQLite serves one process (the embedded shape): nothing to take."""
        if self.db.dialect.name != "postgresql":
            yield True
            return
        async with self.db.transaction() as tx:
            yield bool(await tx.fetchval(_RUN_LOCK_PG, (broadcast_id,)))

    async def _run(self, broadcast_id: int, progress: Progress | None) -> BroadcastStatus:
        row = await self.db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        if row is None:
            raise BroadcastError(f"рассылка {broadcast_id} не найдена")
        if row["status"] in ("cancelled", "done", "scheduled"):
            return await self.status(broadcast_id)
        sender = self.sender(row["group_id"])
        renderer = Renderer(row["template"], json.loads(row["vals"]))
        keyboard = row["keyboard"] or link_keyboard(
            tuple(LinkButton(label, url) for label, url in json.loads(row["buttons"]))
        )
        # The files were uploaded once when the broadcast was made: every batch names them.
        pool = TextPool(random_id_for(broadcast_id), keyboard, row["attachment"])
        flight = _Flight(asyncio.Semaphore(self.concurrency), pool)
        try:
            if not row["prepared"]:
                await self._send_while_preparing(row, renderer, sender, progress, flight)
                if flight.tasks:  # their retries, if any, are read from the log below
                    await asyncio.wait(set(flight.tasks))
            # The log: a resumed broadcast, recipients left pending for a retry.
            while not await self._cancelled(broadcast_id):
                due = await self.db.fetchrows(
                    "SELECT person_id, peer_id FROM broadcast_deliveries "
                    "WHERE broadcast_id = ? AND state = 'pending' "
                    "AND (not_before IS NULL OR not_before <= ?) LIMIT ?",
                    (broadcast_id, _utc(self.clock.now()), MAX_ROUND),
                )
                due = [row for row in due if row[0] not in flight.persons]
                # Calls go out without waiting for the previous round's answers: the next round
                # is grouped while they are on the wire, so the rate limiter is never left idle.
                if due and await self._send_round(
                    broadcast_id, due, renderer, sender, progress, flight
                ):
                    continue
                if not flight.tasks:
                    break
                # Wait for an answer: a retryable failure puts its recipients back to pending.
                await asyncio.wait(flight.tasks, return_when=asyncio.FIRST_COMPLETED)
            if flight.tasks:
                await asyncio.gather(*flight.tasks)  # a cancel stops them before their call
        finally:
            for task in flight.tasks:
                task.cancel()
            if flight.tasks:
                await asyncio.gather(*flight.tasks, return_exceptions=True)
        await self._report(progress, broadcast_id)
        return await self._settle(broadcast_id)

    async def _send_while_preparing(
        self,
        row: dict[str, Any],
        renderer: Renderer,
        sender: BatchSender,
        progress: Progress | None,
        flight: _Flight,
    ) -> None:
        """Prepare the audience and send each committed chunk's recipients while the next chunk
        is evaluated: whole execute calls as they fill, the remainders once preparation ends."""
        broadcast_id = row["id"]
        # No delivery row yet (the first chunk sets started_at): nothing of this broadcast can
        # have been sent, so prepared recipients may go straight to sending.
        fresh = row["started_at"] is None
        handoff: asyncio.Queue[list[Prepared] | None] = asyncio.Queue()
        preparing = asyncio.create_task(self._prepare(row, renderer, handoff if fresh else None))
        preparing.add_done_callback(lambda _: handoff.put_nowait(None))
        try:
            while (prepared := await handoff.get()) is not None:
                if await self._cancelled(broadcast_id):
                    return
                for person_id, peer_id, text in prepared:
                    flight.person_of_peer[peer_id] = person_id
                    flight.texts[person_id] = text
                flight.pool.add((peer_id, text) for _, peer_id, text in prepared)
                self._launch(broadcast_id, flight.pool.take(final=False), sender, progress, flight)
                # Let the first calls reach the limiter before evaluating the next chunk.
                await asyncio.sleep(0)
            await preparing  # surface a preparation error
            self._launch(broadcast_id, flight.pool.take(final=True), sender, progress, flight)
        finally:
            if not preparing.done():
                preparing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await preparing

    async def _report(self, progress: Progress | None, broadcast_id: int) -> None:
        if progress is not None:
            result = progress(await self.status(broadcast_id))
            if asyncio.iscoroutine(result):
                await result

    async def _send_round(
        self,
        broadcast_id: int,
        due: list[tuple[Any, ...]],
        renderer: Renderer,
        sender: BatchSender,
        progress: Progress | None,
        flight: _Flight,
    ) -> bool:
        """Send recipients read from the log: grouped by text across the whole due set (so
        personalised texts still fill peer_ids batches), the execute calls started without
        waiting for their answers; a recipient whose text cannot be made fails at once.
        Returns whether anything was started or given up (the log changed)."""
        texts = flight.texts
        missing = [row[0] for row in due if row[0] not in texts]
        unrenderable: set[int] = set()
        if missing:
            recipients = await load_recipients(self.db, missing, renderer.used)
            made, unrenderable = _render_all(broadcast_id, renderer, recipients)
            texts.update(made)
            # A person gone from the table since preparation has no values to make a text from.
            unrenderable.update(pid for pid in missing if pid not in recipients)
            if unrenderable:
                await self._fail(broadcast_id, unrenderable, TEMPLATE_REASON)
                due = [row for row in due if row[0] not in unrenderable]
        for person_id, peer_id in due:
            flight.person_of_peer[peer_id] = person_id
        flight.pool.add((peer_id, texts[person_id]) for person_id, peer_id in due)
        calls = flight.pool.take(final=True)
        self._launch(broadcast_id, calls, sender, progress, flight)
        # Let the first calls reach the limiter before grouping the next round.
        await asyncio.sleep(0)
        return bool(calls) or bool(unrenderable)

    def _launch(
        self,
        broadcast_id: int,
        calls: list[list[Batch]],
        sender: BatchSender,
        progress: Progress | None,
        flight: _Flight,
    ) -> None:
        """Start execute calls (bounded concurrency, paced by the sender's rate limiter) without
        waiting for their answers. Cancellation is checked before each call: a cancel stops the
        broadcast within one batch."""
        loop = asyncio.get_running_loop()

        async def one(call: list[Batch], persons: list[int]) -> None:
            # Answered recipients stay in flight.persons for the rest of the run: a round that
            # read the log just before their answer was written must not pick them again.
            # Only those left pending for a retry (or never sent) are released.
            release = persons
            try:
                async with flight.gate:
                    if await self._cancelled(broadcast_id):
                        return
                    release = await self._send_execute(
                        broadcast_id, call, sender, flight.person_of_peer
                    )
                if loop.time() - flight.last_report >= PROGRESS_EVERY_S:
                    flight.last_report = loop.time()
                    await self._report(progress, broadcast_id)
            finally:
                flight.persons.difference_update(release)

        for call in calls:
            persons = [flight.person_of_peer[p] for batch in call for p in batch.peer_ids]
            flight.persons.update(persons)
            task = asyncio.create_task(one(call, persons))
            flight.tasks.add(task)
            task.add_done_callback(flight.tasks.discard)

    async def _send_execute(
        self,
        broadcast_id: int,
        chunk: list[Batch],
        sender: BatchSender,
        person_of_peer: dict[int, int],
    ) -> list[int]:
        """One execute call; returns the recipients left pending for a retry."""
        try:
            results = await sender.send_execute(chunk)
        except VkCallError as exc:
            # Still failing after retries: the rows stay pending for the next round or a resume.
            log.warning("broadcast %s: execute failed after retries: %s", broadcast_id, exc)
            results = [PeerResult(p, error_code=exc.code) for b in chunk for p in b.peer_ids]
            return await self._record(
                broadcast_id, results, person_of_peer, give_up=not exc.retryable and exc.code > 0
            )
        except Exception:
            # Anything else (an answer we cannot read, a bug) still counts as an attempt: left
            # unrecorded, the rows would be picked again at once, round after round, forever.
            log.exception("broadcast %s: execute failed", broadcast_id)
            results = [PeerResult(p, error_code=-1) for b in chunk for p in b.peer_ids]
            return await self._record(broadcast_id, results, person_of_peer)
        return await self._record(broadcast_id, results, person_of_peer)

    async def _record(
        self,
        broadcast_id: int,
        results: list[PeerResult],
        person_of_peer: dict[int, int],
        *,
        give_up: bool = False,
    ) -> list[int]:
        """Write the answers to the log; returns the recipients left pending for a retry."""
        answers: list[tuple[int, str, int | None, str | None]] = []
        retry: list[int] = []
        for result in results:
            person = person_of_peer[result.peer_id]
            if result.ok:
                answers.append((person, "sent", result.message_id, None))
            elif result.error_code in PERMANENT_REASONS or give_up:
                reason = PERMANENT_REASONS.get(
                    result.error_code or 0, f"vk_error_{result.error_code}"
                )
                answers.append((person, "failed", None, reason))
            else:
                answers.append((person, "pending", None, None))
                retry.append(person)
        async with self.db.transaction() as tx:
            changed = await tx.fetchrows(*_record_answers(tx.dialect, broadcast_id, answers))
        # One whose last attempt this was is failed now: released, it could be picked again by
        # a round that read the log just before this answer was written.
        pending = {int(person) for person, state in changed if state == "pending"}
        return [person for person in retry if person in pending]

    async def _fail(self, broadcast_id: int, person_ids: set[int], reason: str) -> None:
        """Give up these pending recipients for good (their text cannot be made)."""
        await self.db.execute(
            "UPDATE broadcast_deliveries SET state = 'failed', reason = ? "
            "WHERE broadcast_id = ? AND state = 'pending' "
            f"AND person_id {self.db.dialect.in_list()}",
            (reason, broadcast_id, self.db.dialect.in_values(sorted(person_ids))),
        )

    async def _cancelled(self, broadcast_id: int) -> bool:
        status = await self.db.fetchval(
            "SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        return bool(status == "cancelled")

    async def _settle(self, broadcast_id: int) -> BroadcastStatus:
        """Done when nothing is pending; otherwise continue at the earliest deferred time."""
        status = await self.status(broadcast_id)
        if status.status == "sending" and status.pending == 0:
            await self.db.execute(
                "UPDATE broadcasts SET status = 'done', finished_at = ? "
                "WHERE id = ? AND status = 'sending'",
                (_utc(self.clock.now()), broadcast_id),
            )
            status.status = "done"
        elif status.status == "sending":
            later = await self.db.fetchval(
                "SELECT min(not_before) FROM broadcast_deliveries WHERE broadcast_id = ? "
                "AND state = 'pending'",
                (broadcast_id,),
            )
            when = datetime.fromisoformat(later) if later else self.clock.now()
            await self.jobs.schedule(
                RUN,
                Once(max(when, self.clock.now())),
                {"id": broadcast_id},
                job_id=f"broadcast:{broadcast_id}",
            )
        return status

    async def resume(self) -> list[int]:
        """At start: continue broadcasts a crash interrupted (their one-shot job already fired)."""
        rows = await self.db.fetchall(
            "SELECT b.id FROM broadcasts b LEFT JOIN scheduled_jobs j "
            "ON j.id = 'broadcast:' || b.id "
            "AND j.status = 'active' WHERE b.status IN ('pending', 'sending') AND j.id IS NULL"
        )
        ids = [int(r["id"]) for r in rows]
        for broadcast_id in ids:
            await self.jobs.schedule(
                RUN,
                Once(self.clock.now()),
                {"id": broadcast_id},
                job_id=f"broadcast:{broadcast_id}",
            )
        return ids

    # --- control and reports --------------------------------------------------------------------
    async def cancel(self, broadcast_id: int, by_person_id: int) -> bool:
        """Cancel for its author or an admin of its organisation or one above it; anyone else
        gets CancelRefused and the broadcast goes on (ids are sequential: knowing one is no
        right to it). False when there is no such broadcast or it has already ended."""
        row = await self.db.fetchone(
            "SELECT author_person_id, status, org_id FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        if row is None:
            return False
        if row["author_person_id"] != by_person_id and not await self.administers(
            by_person_id, row["org_id"]
        ):
            log.warning(
                "broadcast %s: cancel refused to person %s (not the author, no admin of "
                "organisation %s)",
                broadcast_id,
                by_person_id,
                row["org_id"],
            )
            raise CancelRefused(CORE_TEXTS.render("broadcast_refused.j2", kind="cancel"))
        changed = await self.db.execute(
            "UPDATE broadcasts SET status = 'cancelled', cancelled_at = ? WHERE id = ? "
            "AND status IN ('scheduled', 'pending', 'sending')",
            (_utc(self.clock.now()), broadcast_id),
        )
        await self.jobs.cancel(f"broadcast:{broadcast_id}")
        return bool(changed)

    async def status(self, broadcast_id: int) -> BroadcastStatus:
        row = await self.db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        if row is None:
            raise BroadcastError(f"рассылка {broadcast_id} не найдена")
        status = BroadcastStatus(
            id=row["id"],
            title=row["title"],
            status=row["status"],
            source=row["source"],
            author_person_id=row["author_person_id"],
            run_at=row["run_at"],
            recurring=row["schedule"] is not None,
            org_id=row["org_id"],
            stop_reason=row["stop_reason"],
        )
        now = _utc(self.clock.now())
        ids = [broadcast_id]
        if status.recurring:
            runs = await self.db.fetchall(
                "SELECT id FROM broadcasts WHERE parent_id = ?", (broadcast_id,)
            )
            ids = [r["id"] for r in runs]
            status.runs = len(ids)
        for r in await self.db.fetchall(
            "SELECT state, reason, not_before > ? AS later, count(*) AS n "
            "FROM broadcast_deliveries "
            f"WHERE broadcast_id {self.db.dialect.in_list()} GROUP BY state, reason, later",
            (now, self.db.dialect.in_values(ids)),
        ):
            n = int(r["n"])
            status.total += n
            if r["state"] == "sent":
                status.sent += n
            elif r["state"] == "pending":
                status.pending += n
                if r["later"]:
                    status.deferred += n
            elif r["state"] == "failed":
                status.failed += n
            else:
                status.skipped += n
            if r["state"] in ("failed", "skipped") or (r["state"] == "pending" and r["later"]):
                key = r["reason"] or r["state"]
                status.reasons[key] = status.reasons.get(key, 0) + n
        return status

    async def recent(
        self, author_person_id: int | None = None, limit: int = 20
    ) -> list[BroadcastStatus]:
        if author_person_id is None:
            rows = await self.db.fetchall(
                "SELECT id FROM broadcasts WHERE parent_id IS NULL ORDER BY id DESC LIMIT ?",
                (limit,),
            )
        else:
            rows = await self.db.fetchall(
                "SELECT id FROM broadcasts WHERE parent_id IS NULL AND author_person_id = ? "
                "ORDER BY id DESC LIMIT ?",
                (author_person_id, limit),
            )
        return [await self.status(r["id"]) for r in rows]

    async def recipients(self, broadcast_id: int) -> list[dict[str, Any]]:
        return await self.db.fetchall(
            "SELECT d.person_id, p.first_name, p.last_name, d.state, d.reason, d.not_before "
            "FROM broadcast_deliveries d JOIN persons p ON p.id = d.person_id "
            "WHERE d.broadcast_id = ? ORDER BY d.state, p.last_name",
            (broadcast_id,),
        )
