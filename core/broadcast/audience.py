"""Audience resolution: from a description (a class, the parents of a class…) to person ids."""

from __future__ import annotations

from core.storage import Database

from .spec import Audience, AudienceKind

_ROLE_OF = {
    AudienceKind.STAFF: "staff",
    AudienceKind.STUDENTS: "student",
    AudienceKind.PARENTS: "parent",
}


async def resolve(db: Database, audience: Audience) -> list[int]:
    """Distinct person ids, in a stable order."""
    kind = audience.kind
    dialect = db.dialect
    if kind == AudienceKind.PERSONS:
        sql = f"SELECT id FROM persons WHERE id {dialect.in_list()}"
        params: tuple[object, ...] = (dialect.in_values(audience.person_ids),)
    elif kind == AudienceKind.ORGANISATION:
        sql = "SELECT DISTINCT person_id AS id FROM roles WHERE org_id = ? AND revoked_at IS NULL"
        params = (audience.org_id,)
    elif kind in _ROLE_OF:
        sql = (
            "SELECT DISTINCT person_id AS id FROM roles WHERE org_id = ? AND role = ? "
            "AND revoked_at IS NULL"
        )
        params = (audience.org_id, _ROLE_OF[kind])
    elif kind == AudienceKind.GROUPS:
        sql = (
            "SELECT DISTINCT person_id AS id FROM student_groups "
            f"WHERE group_id {dialect.in_list()}"
        )
        params = (dialect.in_values(audience.group_ids),)
    elif kind == AudienceKind.GROUP_PARENTS:
        sql = (
            "SELECT DISTINCT c.parent_id AS id FROM parent_children c JOIN student_groups g "
            "ON g.person_id = c.child_id WHERE c.confirmed = 1 "
            f"AND g.group_id {dialect.in_list()}"
        )
        params = (dialect.in_values(audience.group_ids),)
    else:  # pragma: no cover - the enum is closed
        raise ValueError(f"unknown audience {kind}")
    rows = await db.fetchrows(sql + " ORDER BY id", params)
    return [int(row[0]) for row in rows]
