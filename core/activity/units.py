"""The organisation tree the monitoring reports over: region → municipalities → schools.

Loaded once per report for the whole region (a few thousand rows at most), then walked in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from core.people import OrgKind
from core.storage import Database


@dataclass(frozen=True, slots=True)
class Unit:
    id: int
    kind: OrgKind
    name: str
    parent_id: int | None
    region_code: str
    timezone: str


@dataclass
class OrgTree:
    units: dict[int, Unit]
    children: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for unit in sorted(self.units.values(), key=lambda u: (u.name.casefold(), u.id)):
            if unit.parent_id is not None and unit.parent_id in self.units:
                self.children.setdefault(unit.parent_id, []).append(unit.id)

    def __contains__(self, org_id: object) -> bool:
        return org_id in self.units

    def unit(self, org_id: int) -> Unit:
        return self.units[org_id]

    def kids(self, org_id: int) -> list[Unit]:
        return [self.units[i] for i in self.children.get(org_id, [])]

    def walk(self, org_id: int) -> Iterator[Unit]:
        """The unit and everything under it, parents before children."""
        stack = [org_id]
        while stack:
            current = stack.pop()
            yield self.units[current]
            stack.extend(reversed(self.children.get(current, [])))

    def schools(self, org_id: int) -> list[int]:
        return [u.id for u in self.walk(org_id) if u.kind == OrgKind.SCHOOL]

    def municipalities(self, org_id: int) -> list[int]:
        return [u.id for u in self.walk(org_id) if u.kind == OrgKind.MUNICIPALITY]

    def ancestors(self, org_id: int) -> list[Unit]:
        """From the parent up to the top of the tree."""
        found: list[Unit] = []
        current = self.units[org_id].parent_id
        while current is not None and current in self.units and len(found) < 32:
            found.append(self.units[current])
            current = self.units[current].parent_id
        return found

    def top(self, org_id: int) -> Unit:
        chain = self.ancestors(org_id)
        return chain[-1] if chain else self.units[org_id]

    def within(self, org_id: int, ancestor_id: int) -> bool:
        return org_id == ancestor_id or any(u.id == ancestor_id for u in self.ancestors(org_id))

    def siblings(self, org_id: int) -> list[Unit]:
        """Units of the same kind under the same parent, this one included."""
        unit = self.units[org_id]
        if unit.parent_id is None or unit.parent_id not in self.units:
            return [unit]
        return [u for u in self.kids(unit.parent_id) if u.kind == unit.kind]

    def timezone(self, org_id: int) -> str:
        """Weeks are counted in the zone of the region."""
        return self.top(org_id).timezone


async def load_tree(db: Database, org_id: int) -> OrgTree | None:
    """The tree of the region ``org_id`` belongs to (None for an unknown organisation)."""
    code = await db.fetchval("SELECT region_code FROM organisations WHERE id = ?", (org_id,))
    if code is None:
        return None
    rows = await db.fetchrows(
        "SELECT id, kind, name, parent_id, region_code, timezone FROM organisations "
        "WHERE region_code = ?",
        (code,),
    )
    return OrgTree({r[0]: Unit(r[0], OrgKind(r[1]), r[2], r[3], r[4], r[5]) for r in rows})
