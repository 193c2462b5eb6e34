"""The events' free-text index: FTS5 on SQLite, a weighted tsvector on PostgreSQL.

Both engines hold ``pushkin_card_search`` (``rowid`` = the event id; ``text`` and ``cities`` as
search_text.py normalises them), so the importer writes it with one SQL; only the match differs.
A query is the event's stems as prefixes in ``text`` and the city as a phrase in ``cities``:
FTS5 ``text : ("w"* "v"*) AND cities : "c"``, PostgreSQL ``'w':*A & 'v':*A & ('c':B)`` (the
migration weights text A and cities B, so the letters keep FTS5's column filters).

``search_for(db)`` picks the implementation by ``db.dialect.name``.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence

from core.storage import Database
from core.storage.dialect import tsquery_lexeme


class EventSearch(abc.ABC):
    @abc.abstractmethod
    async def matching(
        self, db: Database, terms: Sequence[str], city: str, limit: int
    ) -> list[int]:
        """Ids of at most ``limit`` events whose text holds every term as a prefix and whose
        cities hold ``city`` (normalised words, as a phrase)."""


class Fts5EventSearch(EventSearch):
    async def matching(
        self, db: Database, terms: Sequence[str], city: str, limit: int
    ) -> list[int]:
        # Every stem as a quoted prefix: the words of the query never reach FTS syntax.
        words = " ".join('"' + term.replace('"', '""') + '"*' for term in terms)
        place = '"' + city.replace('"', '""') + '"'
        rows = await db.fetchall(
            "SELECT rowid FROM pushkin_card_search WHERE pushkin_card_search MATCH ? LIMIT ?",
            [f"text : ({words}) AND cities : {place}", limit],
        )
        return [int(r["rowid"]) for r in rows]


def tsquery(terms: Sequence[str], city: str) -> str:
    """The PostgreSQL form of the FTS5 query above."""
    prefixes = " & ".join(f"{tsquery_lexeme(term)}:*A" for term in terms)
    phrase = " <-> ".join(f"{tsquery_lexeme(word)}:B" for word in city.split())
    return f"{prefixes} & ({phrase})"


class PostgresEventSearch(EventSearch):
    async def matching(
        self, db: Database, terms: Sequence[str], city: str, limit: int
    ) -> list[int]:
        rows = await db.fetchall(
            "SELECT rowid FROM pushkin_card_search WHERE tsv @@ to_tsquery('simple', ?) LIMIT ?",
            [tsquery(terms, city), limit],
        )
        return [int(r["rowid"]) for r in rows]


FTS5 = Fts5EventSearch()
POSTGRESQL = PostgresEventSearch()


def search_for(db: Database) -> EventSearch:
    return POSTGRESQL if db.dialect.name == "postgresql" else FTS5
