"""Audience resolution: from a description (a class, the parents of a class…) to person ids."""

from __future__ import annotations

import json

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
    if kind == AudienceKind.PERSONS:
        sql = "SELECT id FROM persons WHERE id IN (SELECT value FROM json_each(?))"
        params: tuple[object, ...] = (json.dumps(list(audience.person_ids)),)
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
            "WHERE group_id IN (SELECT value FROM json_each(?))"
        )
        params = (json.dumps(list(audience.group_ids)),)
    elif kind == AudienceKind.GROUP_PARENTS:
        sql = (
            "SELECT DISTINCT c.parent_id AS id FROM parent_children c JOIN student_groups g "
            "ON g.person_id = c.child_id WHERE c.confirmed = 1 "
            "AND g.group_id IN (SELECT value FROM json_each(?))"
        )
        params = (json.dumps(list(audience.group_ids)),)
    else:  # pragma: no cover - the enum is closed
        raise ValueError(f"unknown audience {kind}")
    rows = await db.fetchrows(sql + " ORDER BY id", params)
    return [int(row[0]) for row in rows]
