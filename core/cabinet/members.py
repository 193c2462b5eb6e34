"""The cabinet's «Участники»: the people of an organisation's tree with their roles, classes,
whether their VK account is bound and how each role was given; one person's card with the
history of their roles.

A member is a person holding at least one active role at one organisation of the tree; one row
per (person, organisation), so a region's list says which school each row is about. A page costs
two statements whatever the size of the school: the count and the page (its 50 rows with their
roles and classes gathered by correlated subqueries over indexed keys), never a query per person.
A search by name compares case-folded names with «ё» read as «е»; SQLite's ``lower`` knows only
ASCII, so the names of the filtered members are read (one narrow statement) and matched here, and
the page of matches is read by its keys in the second statement.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.integers import ascii_id
from core.people import Position, RoleKind
from core.storage.abc import Queries
from core.storage.dialect import Dialect

from .names import SurnameFirst

PAGE_SIZE = 50
MAX_SEARCH = 100
MAX_PAGE = 10_000

# The role filter: a kind of role, or a staff position.
ROLE_FILTERS: dict[str, tuple[RoleKind, Position | None]] = {
    "student": (RoleKind.STUDENT, None),
    "parent": (RoleKind.PARENT, None),
    "staff": (RoleKind.STAFF, None),
    **{p.value: (RoleKind.STAFF, p) for p in Position},
}
# How a role was given (roles.method), as the code base writes it: verification (journal code,
# invite link, join request), the OneRoster import, the cabinet and the CLI (an admin), the demo.
SOURCES: tuple[str, ...] = (
    "journal_code",
    "invite",
    "join_request",
    "oneroster",
    "admin",
    "cli",
    "demo",
    "test",
)
VERIFIED = ("yes", "no")


def _yo(text: str) -> str:
    return text.replace("Ё", "Е")


def normalise(text: str) -> str:
    """A name as the search compares it: case-folded, «ё» as «е»."""
    return text.casefold().replace("ё", "е")


@dataclass(frozen=True, slots=True)
class MemberQuery:
    """The filters of the list, from the page's query string (unknown values are dropped)."""

    role: str = ""
    group_id: int | None = None
    source: str = ""
    verified: str = ""
    search: str = ""
    page: int = 1

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> MemberQuery:
        role = query.get("role", "")
        source = query.get("source", "")
        verified = query.get("verified", "")
        page = ascii_id(query.get("page")) or 1
        return cls(
            role=role if role in ROLE_FILTERS else "",
            group_id=ascii_id(query.get("class")),
            source=source if source in SOURCES else "",
            verified=verified if verified in VERIFIED else "",
            search=" ".join(query.get("q", "").split())[:MAX_SEARCH],
            page=min(page, MAX_PAGE),
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The query string of this list (with ``changes``), without the empty filters."""
        values: dict[str, Any] = {
            "role": self.role,
            "class": self.group_id or "",
            "source": self.source,
            "verified": self.verified,
            "q": self.search,
            "page": self.page,
            **changes,
        }
        if values["page"] == 1:
            values["page"] = ""
        return {k: str(v) for k, v in values.items() if v not in ("", None)}

    @property
    def filtered(self) -> bool:
        return bool(self.role or self.group_id or self.source or self.verified or self.search)


@dataclass(frozen=True, slots=True)
class HeldRole:
    id: int
    role: RoleKind
    position: Position | None
    method: str


@dataclass(frozen=True, slots=True)
class Member(SurnameFirst):
    person_id: int
    org_id: int
    first_name: str
    last_name: str
    vk_bound: bool
    roles: tuple[HeldRole, ...]
    groups: tuple[str, ...]  # the classes they study in
    child_groups: tuple[str, ...]  # the classes of their children (a parent)

    @property
    def methods(self) -> list[str]:
        return sorted({r.method for r in self.roles})


@dataclass(frozen=True, slots=True)
class MemberPage:
    members: list[Member]
    total: int
    page: int
    pages: int


def _ids(dialect: Dialect, values: Iterable[int]) -> Any:
    return dialect.in_values(sorted(set(values)))


_ORDER = "replace(p.last_name, 'Ё', 'Е'), replace(p.first_name, 'Ё', 'Е'), p.id, m.org_id"
# The same order over the page's 50 rows.
_PAGE_ORDER = (
    "replace(page.last_name, 'Ё', 'Е'), replace(page.first_name, 'Ё', 'Е'), page.person_id, "
    "page.org_id"
)

# The page's rows (``page``: person_id, org_id, first_name, last_name, vk_user_id)
# with their active roles there, their classes and their children's classes at that school.
_DETAILS = """
SELECT page.person_id, page.org_id, page.first_name, page.last_name, page.vk_user_id,
  (SELECT json_group_array(json_array(x.id, x.role, x.position, x.method)) FROM
     (SELECT r.id, r.role, r.position, r.method FROM roles r
      WHERE r.person_id = page.person_id AND r.org_id = page.org_id AND r.revoked_at IS NULL
      ORDER BY r.id) x) AS roles,
  (SELECT json_group_array(x.name) FROM
     (SELECT g.name FROM student_groups sg JOIN groups g ON g.id = sg.group_id
      WHERE sg.person_id = page.person_id AND g.org_id = page.org_id
      ORDER BY g.grade, g.name) x) AS groups,
  (SELECT json_group_array(x.name) FROM
     (SELECT DISTINCT g.name, g.grade FROM parent_children pc
      JOIN student_groups sg ON sg.person_id = pc.child_id JOIN groups g ON g.id = sg.group_id
      WHERE pc.parent_id = page.person_id AND pc.confirmed = 1 AND g.org_id = page.org_id
      ORDER BY g.grade, g.name) x) AS child_groups
FROM page ORDER BY {}
"""
# The same on PostgreSQL: json_agg for json_group_array, with the order said in the aggregate
# (SQLite aggregates in the subquery's order; PostgreSQL promises that only this way).
_DETAILS_PG = """
SELECT page.person_id, page.org_id, page.first_name, page.last_name, page.vk_user_id,
  (SELECT json_agg(json_build_array(r.id, r.role, r.position, r.method) ORDER BY r.id)
     FROM roles r
     WHERE r.person_id = page.person_id AND r.org_id = page.org_id AND r.revoked_at IS NULL
  ) AS roles,
  (SELECT json_agg(g.name ORDER BY g.grade, g.name)
     FROM student_groups sg JOIN groups g ON g.id = sg.group_id
     WHERE sg.person_id = page.person_id AND g.org_id = page.org_id) AS groups,
  (SELECT json_agg(x.name ORDER BY x.grade, x.name) FROM
     (SELECT DISTINCT g.name, g.grade FROM parent_children pc
      JOIN student_groups sg ON sg.person_id = pc.child_id JOIN groups g ON g.id = sg.group_id
      WHERE pc.parent_id = page.person_id AND pc.confirmed = 1 AND g.org_id = page.org_id) x
  ) AS child_groups
FROM page ORDER BY {}
"""
# The search's page: (person, organisation) pairs in their order, given as one JSON array.
_SEARCH_PAGE = (
    "WITH page AS MATERIALIZED (SELECT j.key AS k, p.id AS person_id, "
    "json_extract(j.value, '$[1]') AS org_id, p.first_name, p.last_name, "
    "p.vk_user_id FROM json_each(?) j "
    "JOIN persons p ON p.id = json_extract(j.value, '$[0]')) "
)
_SEARCH_PAGE_PG = (
    "WITH page AS MATERIALIZED (SELECT j.k, p.id AS person_id, "
    "(j.value ->> 1)::bigint AS org_id, p.first_name, p.last_name, "
    "p.vk_user_id FROM json_array_elements(?::json) WITH ORDINALITY AS j(value, k) "
    "JOIN persons p ON p.id = (j.value ->> 0)::bigint) "
)


def _member(row: Sequence[Any]) -> Member:
    roles = tuple(
        HeldRole(int(i), RoleKind(kind), Position(pos) if pos else None, str(method))
        for i, kind, pos, method in json.loads(row[5] or "[]")
    )
    return Member(
        person_id=int(row[0]),
        org_id=int(row[1]),
        first_name=str(row[2]),
        last_name=str(row[3]),
        vk_bound=row[4] is not None,
        roles=roles,
        groups=tuple(json.loads(row[6] or "[]")),
        child_groups=tuple(json.loads(row[7] or "[]")),
    )


class Members:
    def __init__(self, db: Queries) -> None:
        self.db = db

    def _details(self) -> str:
        return _DETAILS_PG if self.db.dialect.name == "postgresql" else _DETAILS

    def _filtered(self, org_ids: Iterable[int], q: MemberQuery) -> tuple[str, str, list[Any]]:
        """The ``m`` CTE (members matching the role filters) and the conditions on ``m``/``p``."""
        ids = sorted(set(org_ids))
        cte = "WITH m AS (SELECT r.person_id, r.org_id FROM roles r WHERE r.revoked_at IS NULL "
        # A school is one organisation: an equality the planner can weigh against roles_org.
        if len(ids) == 1:
            cte += "AND r.org_id = ?"
            params: list[Any] = [ids[0]]
        else:
            cte += f"AND r.org_id {self.db.dialect.in_list()}"
            params = [self.db.dialect.in_values(ids)]
        if q.role:
            kind, position = ROLE_FILTERS[q.role]
            cte += " AND r.role = ?"
            params.append(kind.value)
            if position is not None:
                cte += " AND r.position = ?"
                params.append(position.value)
        if q.source:
            cte += " AND r.method = ?"
            params.append(q.source)
        cte += " GROUP BY r.person_id, r.org_id)"
        where = "1 = 1"
        if q.verified == "yes":
            where += " AND p.vk_user_id IS NOT NULL"
        elif q.verified == "no":
            where += " AND p.vk_user_id IS NULL"
        if q.group_id is not None:
            # Students of the class and parents of its students (a class of the member's school).
            where += (
                " AND (EXISTS (SELECT 1 FROM student_groups sg JOIN groups g ON g.id = sg.group_id"
                " WHERE sg.person_id = m.person_id AND g.id = ? AND g.org_id = m.org_id)"
                " OR EXISTS (SELECT 1 FROM parent_children pc JOIN student_groups sg"
                " ON sg.person_id = pc.child_id JOIN groups g ON g.id = sg.group_id"
                " WHERE pc.parent_id = m.person_id AND pc.confirmed = 1 AND g.id = ?"
                " AND g.org_id = m.org_id))"
            )
            params += [q.group_id, q.group_id]
        return cte, where, params

    async def page(
        self, org_ids: Iterable[int], q: MemberQuery, size: int = PAGE_SIZE
    ) -> MemberPage:
        cte, where, params = self._filtered(org_ids, q)
        base = f"{cte} SELECT {{}} FROM m JOIN persons p ON p.id = m.person_id WHERE {where}"
        if q.search:
            words = [normalise(w) for w in q.search.split()]
            rows = await self.db.fetchrows(
                base.format("m.person_id, m.org_id, p.first_name, p.last_name"), params
            )
            matched = [r for r in rows if all(w in normalise(f"{r[3]} {r[2]}") for w in words)]
            # Sorted here, as _ORDER sorts (code points, «Ё» as «Е»): only the matches are sorted.
            matched.sort(key=lambda r: (_yo(r[3]), _yo(r[2]), r[0], r[1]))
            found = [(r[0], r[1]) for r in matched]
            total = len(found)
            number, pages = _page_number(q.page, total, size)
            keys = found[(number - 1) * size : number * size]
            page_sql = _SEARCH_PAGE_PG if self.db.dialect.name == "postgresql" else _SEARCH_PAGE
            detail_rows = await self.db.fetchrows(
                page_sql + self._details().format("page.k"), [json.dumps(keys)]
            )
        else:
            total = int(await self.db.fetchval(base.format("count(*)"), params) or 0)
            number, pages = _page_number(q.page, total, size)
            page_sql = (
                cte + ", page AS MATERIALIZED (SELECT m.person_id, m.org_id, p.first_name, "
                "p.last_name, p.vk_user_id "
                f"FROM m JOIN persons p ON p.id = m.person_id WHERE {where} "
                f"ORDER BY {_ORDER} LIMIT ? OFFSET ?) "
            )
            detail_rows = await self.db.fetchrows(
                page_sql + self._details().format(_PAGE_ORDER),
                [*params, size, (number - 1) * size],
            )
        return MemberPage([_member(r) for r in detail_rows], total, number, pages)

    async def card(self, org_ids: Iterable[int], person_id: int) -> MemberCard | None:
        """A person's card within this tree (None when they never held a role in it)."""
        ids = _ids(self.db.dialect, org_ids)
        in_list = self.db.dialect.in_list()
        rows = await self.db.fetchall(
            "SELECT p.first_name, p.last_name, p.vk_user_id, r.id, r.role, r.position, r.org_id, "
            "r.method, r.granted_at, r.revoked_at, r.revoke_reason, "
            "coalesce(trim(g.first_name || ' ' || g.last_name), '') AS granted_by, "
            "coalesce(trim(v.first_name || ' ' || v.last_name), '') AS revoked_by "
            "FROM roles r JOIN persons p ON p.id = r.person_id "
            "LEFT JOIN persons g ON g.id = r.granted_by LEFT JOIN persons v ON v.id = r.revoked_by "
            # roles_person covers active roles only; revoked ones are found by their changes.
            "WHERE r.id IN (SELECT id FROM roles WHERE person_id = ? AND revoked_at IS NULL "
            "UNION SELECT role_id FROM role_changes WHERE person_id = ?) "
            f"AND r.org_id {in_list} "
            "ORDER BY r.revoked_at IS NOT NULL, r.id",
            (person_id, person_id, ids),
        )
        if not rows:
            return None
        history = await self.db.fetchall(
            "SELECT c.id, c.action, c.method, c.at, c.details, r.id AS role_id, r.role, "
            "r.position, r.org_id, "
            "coalesce(trim(b.first_name || ' ' || b.last_name), '') AS by_name "
            "FROM role_changes c JOIN roles r ON r.id = c.role_id "
            "LEFT JOIN persons b ON b.id = c.by_person_id "
            f"WHERE c.person_id = ? AND r.org_id {in_list} "
            "ORDER BY c.id DESC",
            (person_id, ids),
        )
        relations = await self.db.fetchall(
            "SELECT 'own' AS kind, g.name AS group_name, '' AS first_name, '' AS last_name, "
            "g.grade FROM student_groups sg JOIN groups g ON g.id = sg.group_id "
            f"WHERE sg.person_id = ? AND g.org_id {in_list} "
            "UNION ALL "
            "SELECT 'child', coalesce(g.name, ''), c.first_name, c.last_name, g.grade "
            "FROM parent_children pc JOIN persons c ON c.id = pc.child_id "
            "LEFT JOIN student_groups sg ON sg.person_id = c.id "
            "LEFT JOIN groups g ON g.id = sg.group_id "
            "WHERE pc.parent_id = ? AND pc.confirmed = 1 "
            f"AND (g.id IS NULL OR g.org_id {in_list}) "
            "ORDER BY 1, 5, 2, 4, 3",
            (person_id, ids, person_id, ids),
        )
        first = rows[0]
        return MemberCard(
            person_id=person_id,
            first_name=first["first_name"],
            last_name=first["last_name"],
            vk_bound=first["vk_user_id"] is not None,
            roles=[_role_record(r) for r in rows],
            history=[history_entry(h) for h in history],
            groups=[r["group_name"] for r in relations if r["kind"] == "own"],
            children=[
                (f"{r['first_name']} {r['last_name']}".strip(), r["group_name"])
                for r in relations
                if r["kind"] == "child"
            ],
        )


def _page_number(asked: int, total: int, size: int) -> tuple[int, int]:
    pages = max(1, -(-total // size))
    return min(max(asked, 1), pages), pages


@dataclass(frozen=True, slots=True)
class RoleRecord:
    id: int
    role: RoleKind
    position: Position | None
    org_id: int
    method: str
    granted_at: datetime
    granted_by: str
    revoked_at: datetime | None
    revoked_by: str
    revoke_reason: str

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _role_record(row: Mapping[str, Any]) -> RoleRecord:
    return RoleRecord(
        id=row["id"],
        role=RoleKind(row["role"]),
        position=Position(row["position"]) if row["position"] else None,
        org_id=row["org_id"],
        method=row["method"],
        granted_at=datetime.fromisoformat(row["granted_at"]),
        granted_by=row["granted_by"],
        revoked_at=datetime.fromisoformat(row["revoked_at"]) if row["revoked_at"] else None,
        revoked_by=row["revoked_by"],
        revoke_reason=row["revoke_reason"] or "",
    )


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One grant or revocation (role_changes), with who did it and the reason given."""

    id: int
    at: datetime
    action: str  # grant / revoke
    role_id: int
    role: RoleKind
    position: Position | None
    org_id: int
    method: str
    by_name: str
    reason: str
    person_name: str = ""


def history_entry(row: Mapping[str, Any]) -> HistoryEntry:
    try:
        details = json.loads(row["details"] or "{}")
    except ValueError:
        details = {}
    reason = details.get("reason", "") if isinstance(details, dict) else ""
    return HistoryEntry(
        id=row["id"],
        at=datetime.fromisoformat(row["at"]),
        action=row["action"],
        role_id=row["role_id"],
        role=RoleKind(row["role"]),
        position=Position(row["position"]) if row["position"] else None,
        org_id=row["org_id"],
        method=row["method"],
        by_name=row["by_name"],
        reason=str(reason or ""),
        person_name=row.get("person_name", ""),
    )


@dataclass(frozen=True, slots=True)
class MemberCard(SurnameFirst):
    person_id: int
    first_name: str
    last_name: str
    vk_bound: bool
    roles: list[RoleRecord]  # active first, then the revoked ones
    history: list[HistoryEntry]  # newest first
    groups: list[str]
    children: list[tuple[str, str]]  # (name, class or "")

    @property
    def active_roles(self) -> list[RoleRecord]:
        return [r for r in self.roles if r.active]

    @property
    def revoked_roles(self) -> list[RoleRecord]:
        return [r for r in self.roles if not r.active]
