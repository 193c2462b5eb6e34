"""The policy over storage: the inputs of the rules computed for one sender and many recipients.

Everything is computed from the sender's side in a handful of set-valued queries (their contacts,
chat mates, group mates, organisations, children) plus one query for the recipients' roles and ages;
then each recipient is a few set look-ups and a cached rule decision. 100,000 recipients take well
under a second (bench/policy.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from core.clock import Clock
from core.people.models import RECIPIENT_PRECEDENCE, SENDER_PRECEDENCE, RoleKind
from core.storage import Database

from .rules import Decision, Inputs, Party, Via, decide


@dataclass(frozen=True, slots=True)
class SenderView:
    person_id: int
    party: Party
    orgs: frozenset[int]
    trusted: frozenset[int]
    chat_mates: frozenset[int]
    group_mates: frozenset[int]
    children: frozenset[int]


@dataclass(frozen=True, slots=True)
class Facts:
    """What storage says about one person, as the rules and the broadcast engine need it."""

    roles: frozenset[str]
    orgs: frozenset[int]
    adult: bool
    vk_user_id: int | None


NO_FACTS = Facts(frozenset(), frozenset(), False, None)


def _adult_cutoff(today: date) -> str:
    """Born on or before this ISO date means 18 or older today."""
    try:
        return today.replace(year=today.year - 18).isoformat()
    except ValueError:  # 29 February
        return today.replace(year=today.year - 18, day=28).isoformat()


def _pick(held: frozenset[str], order: Sequence[RoleKind]) -> str:
    return next((kind.value for kind in order if kind.value in held), "none")


class PolicyService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def _ids(self, sql: str, params: Sequence[object]) -> frozenset[int]:
        return frozenset(int(r[0]) for r in await self.db.fetchrows(sql, params))

    async def facts(self, person_ids: Iterable[int]) -> dict[int, Facts]:
        """Roles, organisations, adulthood and VK id of each person, in one grouped query.

        Rows repeat the same few role/organisation strings, so each distinct string is parsed once.
        """
        cutoff = _adult_cutoff(self.clock.now().date())
        dialect = self.db.dialect
        rows = await self.db.fetchrows(
            "SELECT p.id, p.vk_user_id AS vk, (CASE WHEN p.birth_date IS NULL "
            "THEN coalesce(p.is_adult, 0) WHEN p.birth_date <= ? THEN 1 ELSE 0 END) AS adult, "
            f"{dialect.group_concat('r.role')} AS roles, "
            f"{dialect.group_concat('r.org_id')} AS orgs FROM persons p "
            "LEFT JOIN roles r ON r.person_id = p.id AND r.revoked_at IS NULL "
            f"WHERE p.id {dialect.in_list()} GROUP BY p.id",
            (cutoff, dialect.in_values(person_ids)),
        )
        role_sets: dict[str | None, frozenset[str]] = {None: frozenset()}
        org_sets: dict[str | None, frozenset[int]] = {None: frozenset()}
        facts: dict[int, Facts] = {}
        for person_id, vk_user_id, adult, roles, orgs in rows:
            if roles not in role_sets:
                role_sets[roles] = frozenset(roles.split(","))
            if orgs not in org_sets:
                org_sets[orgs] = frozenset(int(o) for o in orgs.split(","))
            facts[person_id] = Facts(role_sets[roles], org_sets[orgs], bool(adult), vk_user_id)
        return facts

    async def sender_view(self, person_id: int) -> SenderView:
        facts = await self.facts([person_id])
        if person_id not in facts:
            raise KeyError(f"no person {person_id}")
        mine = facts[person_id]
        return SenderView(
            person_id=person_id,
            party=Party.of(_pick(mine.roles, SENDER_PRECEDENCE), mine.adult),
            orgs=mine.orgs,
            trusted=await self._ids(
                "SELECT contact_id FROM contacts WHERE owner_id = ? "
                "INTERSECT SELECT owner_id FROM contacts WHERE contact_id = ?",
                (person_id, person_id),
            ),
            chat_mates=await self._ids(
                "SELECT DISTINCT m.person_id FROM chat_members m JOIN chat_members mine "
                "ON mine.chat_id = m.chat_id WHERE mine.person_id = ?",
                (person_id,),
            ),
            group_mates=await self._ids(
                "SELECT DISTINCT g.person_id FROM student_groups g JOIN student_groups mine "
                "ON mine.group_id = g.group_id WHERE mine.person_id = ?",
                (person_id,),
            ),
            children=await self._ids(
                "SELECT child_id FROM parent_children WHERE parent_id = ? AND confirmed = 1",
                (person_id,),
            ),
        )

    async def evaluate(
        self,
        sender_id: int,
        recipient_ids: Sequence[int],
        via: Via = "id",
        sender: SenderView | None = None,
    ) -> tuple[dict[int, Decision], dict[int, Facts]]:
        """Decisions for every recipient as the sender, with the facts they were made from.

        Inputs take few distinct values, so decisions are memoised by their input key and the loop
        is set look-ups only (100,000 recipients in well under a second).
        """
        sender = sender or await self.sender_view(sender_id)
        facts = await self.facts(recipient_ids)
        parties: dict[tuple[frozenset[str], bool], Party] = {}
        memo: dict[tuple[Party, bool, bool, bool, bool, bool], Decision] = {}
        result: dict[int, Decision] = {}
        for rid in recipient_ids:
            fact = facts.get(rid, NO_FACTS)
            party_key = (fact.roles, fact.adult)
            party = parties.get(party_key)
            if party is None:
                party = parties[party_key] = Party.of(
                    _pick(fact.roles, RECIPIENT_PRECEDENCE), fact.adult
                )
            key = (
                party,
                rid in sender.trusted,
                rid in sender.chat_mates and rid != sender_id,
                rid in sender.group_mates,
                not sender.orgs.isdisjoint(fact.orgs),
                rid in sender.children,
            )
            decision = memo.get(key)
            if decision is None:
                decision = memo[key] = decide(
                    Inputs(sender.party, party, via, key[1], key[2], key[3], key[4], key[5])
                )
            result[rid] = decision
        return result, facts

    async def outcomes(
        self, sender_id: int, recipient_ids: Sequence[int], via: Via = "id"
    ) -> dict[int, Decision]:
        """The decision for every recipient, as the sender (bots sending on a person's behalf)."""
        return (await self.evaluate(sender_id, recipient_ids, via))[0]

    async def decide_pair(self, sender_id: int, recipient_id: int, via: Via = "id") -> Decision:
        return (await self.outcomes(sender_id, [recipient_id], via))[recipient_id]
