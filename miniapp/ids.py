"""Opaque ids for mini-app URLs: a random 16-character token per person and per class.

Database ids are sequential, so a URL with one invites trying its neighbours. A token from
``secrets`` (96 bits) cannot be guessed; even so every access is also checked (access.py), and
an unknown token answers exactly like a forbidden one. Tokens never change once issued, so both
directions are cached in memory.
"""

from __future__ import annotations

import re
import secrets

from core.storage import Database

_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16}$")
_CACHE_LIMIT = 200_000


class PublicIds:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._by_ref: dict[tuple[str, str], str] = {}
        self._by_public: dict[str, tuple[str, str]] = {}

    def _remember(self, public_id: str, kind: str, ref: str) -> None:
        if len(self._by_public) > _CACHE_LIMIT:
            self._by_public.clear()
            self._by_ref.clear()
        self._by_ref[(kind, ref)] = public_id
        self._by_public[public_id] = (kind, ref)

    async def _issue(self, kind: str, ref: str) -> str:
        cached = self._by_ref.get((kind, ref))
        if cached is not None:
            return cached
        found = await self.db.fetchval(
            "SELECT public_id FROM journal_public_ids WHERE kind = ? AND ref = ?", (kind, ref)
        )
        if found is None:
            await self.db.execute(
                "INSERT INTO journal_public_ids (public_id, kind, ref) VALUES (?, ?, ?) "
                "ON CONFLICT (kind, ref) DO NOTHING",
                (secrets.token_urlsafe(12), kind, ref),
            )
            found = await self.db.fetchval(
                "SELECT public_id FROM journal_public_ids WHERE kind = ? AND ref = ?", (kind, ref)
            )
        public_id = str(found)
        self._remember(public_id, kind, ref)
        return public_id

    async def for_person(self, person_id: int) -> str:
        return await self._issue("person", str(person_id))

    async def for_class(self, class_ref: str) -> str:
        return await self._issue("class", class_ref)

    async def _resolve(self, public_id: str, kind: str) -> str | None:
        if not _SHAPE.match(public_id):
            return None
        cached = self._by_public.get(public_id)
        if cached is None:
            row = await self.db.fetchone(
                "SELECT kind, ref FROM journal_public_ids WHERE public_id = ?", (public_id,)
            )
            if row is None:
                return None
            cached = (str(row["kind"]), str(row["ref"]))
            self._remember(public_id, *cached)
        return cached[1] if cached[0] == kind else None

    async def person(self, public_id: str) -> int | None:
        ref = await self._resolve(public_id, "person")
        return int(ref) if ref is not None else None

    async def journal_class(self, public_id: str) -> str | None:
        return await self._resolve(public_id, "class")
