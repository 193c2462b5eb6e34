"""Steps the broadcast tests take through a bot harness over the demo district: a class by its
key, 7Б with its students, and a broadcast made by the counsellor of СОШ № 112 (Анна Волкова)."""

from __future__ import annotations

from typing import Any

from core.broadcast import Audience, BroadcastSpec
from sferum.testing import Harness


async def group(h: Harness, key: str) -> int:
    """The id of a demo class, e.g. ``s112-9a``."""
    return int(
        await h.services.db.fetchval(
            "SELECT id FROM groups WHERE external_id = ?", (f"demo:group:{key}",)
        )
    )


async def class_7b(h: Harness) -> tuple[int, list[int]]:
    """The group id of 7Б and its students' person ids."""
    seventh = await group(h, "s112-7b")
    return seventh, [p.id for p in await h.services.people.students_of_group(seventh)]


async def counsellor_broadcast(h: Harness, audience: Audience, template: str, **spec: Any) -> int:
    """Create a broadcast on Волкова's behalf from the harness's community; ``spec`` holds the
    rest of BroadcastSpec's fields (title, source, schedule...)."""
    author = await h.person_id("volkova")
    return await h.services.broadcasts.create(
        BroadcastSpec(author, h.group_id, audience, template, **spec)
    )
