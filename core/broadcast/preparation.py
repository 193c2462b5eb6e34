"""Preparing a broadcast's audience: each recipient's row in the delivery log — skipped (the
policy, no VK account), deferred (quiet hours) or pending now — and, for those who can be sent at
once, their text, so that sending need not read them back from the log."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.people import Organisation
from core.policy import Decision, Outcome
from core.policy.service import NO_FACTS, Facts
from core.quiet_hours import WorkingHours, plan_for_student

PREPARE_CHUNK = 20_000  # recipients evaluated and committed per step while sending goes on
FIRST_CHUNK = 10_000  # smaller first, so the first calls go out sooner
# The delivery-log reason of a recipient whose text could not be made from their values (a name
# that makes it too long, a value the template cannot take): that recipient fails, the rest go.
TEMPLATE_REASON = "template"

# (person id, VK peer id, state, reason, not_before): one row of the delivery log.
LogRow = tuple[int, int | None, str, str | None, str | None]
# A recipient handed straight to sending: (person id, VK peer id, rendered text).
Prepared = tuple[int, int, str]


def chunk_bounds(total: int) -> list[tuple[int, int]]:
    """Preparation steps: a small first one (sending starts sooner), then PREPARE_CHUNK each."""
    bounds: list[tuple[int, int]] = []
    start = 0
    size = FIRST_CHUNK
    while start < total or not bounds:
        bounds.append((start, min(total, start + size)))
        start += size
        size = PREPARE_CHUNK
    return bounds


def deliver_after(
    org: Organisation | None, roles: frozenset[str], now: datetime, *, asked: bool
) -> datetime | None:
    """When a recipient may get it: students never at night; staff not outside working hours
    unless they asked for it themselves (``asked``: a subscription is not work)."""
    if org is None:
        return None
    if "student" in roles:
        return plan_for_student(org, now).at
    if "staff" in roles and not asked:
        hours = WorkingHours.of(org)
        if not hours.contains(now):
            # VK API 5.199 has no silent flag on messages.send: silent falls back to defer.
            return hours.next_start(now)
    return None


@dataclass
class Planner:
    """Decides the rows of one broadcast run. ``asked``: there is no author, the recipients
    subscribed themselves."""

    schools: dict[int, Organisation]
    now: datetime
    asked: bool
    # Recipients share a few (organisations, roles) pairs: quiet hours once per pair.
    _later: dict[tuple[frozenset[int], frozenset[str]], str | None] = field(default_factory=dict)

    def plan(
        self,
        chunk: Sequence[int],
        decisions: dict[int, Decision],
        facts: dict[int, Facts],
        texts: Mapping[int, str] | None,
        unrenderable: Collection[int] = (),
    ) -> tuple[list[LogRow], list[Prepared]]:
        """The log rows of a chunk, and — given ``texts`` — the recipients due now with their
        texts (one without a text is left to be sent from the log). A recipient the policy
        allows but whose text could not be made (``unrenderable``) fails with TEMPLATE_REASON,
        now rather than when quiet hours end: the same values give the same error then."""
        rows: list[LogRow] = []
        prepared: list[Prepared] = []
        for pid in chunk:
            decision = decisions.get(pid)
            fact = facts.get(pid, NO_FACTS)
            peer = fact.vk_user_id
            if decision is not None and decision.outcome != Outcome.ALLOW:
                reason = f"policy:{decision.outcome.value}:{decision.rule.id}"
                rows.append((pid, peer, "skipped", reason, None))
            elif peer is None:
                rows.append((pid, None, "skipped", "no_vk_account", None))
            elif pid in unrenderable:
                rows.append((pid, peer, "failed", TEMPLATE_REASON, None))
            elif (later := self._deliver_after(fact)) is not None:
                rows.append((pid, peer, "pending", "quiet_hours", later))
            else:
                rows.append((pid, peer, "pending", None, None))
                if texts is not None and (text := texts.get(pid)) is not None:
                    prepared.append((pid, peer, text))
        return rows, prepared

    def _deliver_after(self, fact: Facts) -> str | None:
        key = (fact.orgs, fact.roles)
        if key not in self._later:
            org = next((self.schools[o] for o in sorted(fact.orgs) if o in self.schools), None)
            when = deliver_after(org, fact.roles, self.now, asked=self.asked)
            self._later[key] = (
                when.astimezone(UTC).isoformat() if when is not None and when > self.now else None
            )
        return self._later[key]
