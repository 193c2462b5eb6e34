"""The knowledge base's full-text index: FTS5 on SQLite, a weighted tsvector on PostgreSQL.

Both engines hold the same table, ``rosobrnadzor_helper_fts`` (``rowid`` = the entry's ``num``;
title, questions, tags, answer as the analyzer's space-separated stems), and the same vocabulary
(``rosobrnadzor_helper_fts_vocab``: term, doc, cnt), so writing the index and reading the
vocabulary is one SQL. What differs is the search: FTS5 ranks with its ``bm25()``; PostgreSQL
finds the candidates through the GIN index (``tsv @@ to_tsquery``) and ranks them with the very
same bm25 in Python, so the answers — and the FAQ's accuracy — do not depend on the engine.
``ts_rank`` is not used: it has no inverse document frequency, and with it a common word such as
«экзамен» outweighs the rare one that names the entry.

``search_for(db)`` picks the implementation by ``db.dialect.name``.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.storage import Database, Transaction
from core.storage.abc import Queries
from core.storage.dialect import tsquery_lexeme

# FTS5's bm25 constants (fts5_aux.c), which the PostgreSQL ranking reproduces.
K1 = 1.2
B = 0.75
# An IDF never drops to zero or below, as in FTS5: a term in most rows still counts a little.
MIN_IDF = 1e-6
# The tsvector's weight letters, in the order of the columns (the PostgreSQL migration).
COLUMN_LETTERS = ("A", "B", "C", "D")

_COLUMNS = "e.*, f.title AS f_title, f.questions AS f_questions, f.tags AS f_tags, "
_COLUMNS += "f.answer AS f_answer"


@dataclass(frozen=True)
class Corpus:
    """What bm25 needs to know of the whole index: its rows, their tokens, and how many rows
    hold each term (the vocabulary's ``doc``)."""

    rows: int
    tokens: int
    docs: Mapping[str, int]

    @property
    def average_length(self) -> float:
        return self.tokens / self.rows if self.rows else 0.0

    def idf(self, term: str) -> float:
        hits = self.docs.get(term, 0)
        return max(MIN_IDF, math.log((self.rows - hits + 0.5) / (hits + 0.5)))


class KbSearch(abc.ABC):
    """The index of the active entries and the ranked search over it."""

    async def put(self, tx: Transaction, num: int, columns: Sequence[str]) -> None:
        """Index an entry (title, questions, tags, answer as analysed text), replacing its row."""
        await self.remove(tx, num)
        await tx.execute(
            "INSERT INTO rosobrnadzor_helper_fts (rowid, title, questions, tags, answer) "
            "VALUES (?, ?, ?, ?, ?)",
            (num, *columns),
        )

    async def remove(self, tx: Transaction, num: int) -> None:
        await tx.execute("DELETE FROM rosobrnadzor_helper_fts WHERE rowid = ?", (num,))

    async def clear(self, tx: Transaction) -> None:
        await tx.execute("DELETE FROM rosobrnadzor_helper_fts")

    async def vocabulary(self, db: Queries) -> list[dict[str, Any]]:
        """Every indexed term with ``doc`` (rows holding it) and ``cnt`` (its occurrences)."""
        return await db.fetchall("SELECT term, doc, cnt FROM rosobrnadzor_helper_fts_vocab")

    async def corpus(self, db: Queries, vocabulary: Sequence[Mapping[str, Any]]) -> Corpus:
        rows = int(await db.fetchval("SELECT count(*) FROM rosobrnadzor_helper_fts") or 0)
        return Corpus(
            rows,
            sum(int(r["cnt"]) for r in vocabulary),
            {r["term"]: int(r["doc"]) for r in vocabulary},
        )

    @abc.abstractmethod
    async def ranked(
        self,
        db: Queries,
        terms: Sequence[str],
        weights: Sequence[float],
        limit: int,
        corpus: Corpus,
    ) -> list[dict[str, Any]]:
        """The best ``limit`` entries holding any of ``terms``, best first: the entry's columns,
        the indexed text as ``f_title``, ``f_questions``, ``f_tags``, ``f_answer`` and ``score``,
        FTS5's bm25 (negative; lower is better) with these column weights."""


class Fts5Search(KbSearch):
    async def ranked(
        self,
        db: Queries,
        terms: Sequence[str],
        weights: Sequence[float],
        limit: int,
        corpus: Corpus,
    ) -> list[dict[str, Any]]:
        # Every term quoted: a question's words never reach FTS5's query syntax.
        match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
        return await db.fetchall(
            f"SELECT {_COLUMNS}, bm25(rosobrnadzor_helper_fts, ?, ?, ?, ?) AS score "
            "FROM rosobrnadzor_helper_fts f JOIN rosobrnadzor_helper_entries e ON e.num = f.rowid "
            "WHERE rosobrnadzor_helper_fts MATCH ? ORDER BY score LIMIT ?",
            (*weights, match, limit),
        )


def _size(column: str) -> str:
    """Tokens in an analysed column (stems joined by single spaces; '' has none)."""
    return f"coalesce(array_length(string_to_array(f.{column}, ' '), 1), 0)"


# One row per (candidate entry, query term it holds): the weight letter of every occurrence and
# the entry's length in tokens, all bm25 needs of a row; the texts are read for the best only.
_CANDIDATES = (
    "SELECT f.rowid AS num, u.lexeme AS term, u.weights AS letters, "
    f"{' + '.join(_size(c) for c in ('title', 'questions', 'tags', 'answer'))} AS size "
    "FROM rosobrnadzor_helper_fts f CROSS JOIN LATERAL unnest(f.tsv) AS u "
    "WHERE f.tsv @@ to_tsquery('simple', ?) AND u.lexeme = ANY(?)"
)


class PostgresSearch(KbSearch):
    async def ranked(
        self,
        db: Queries,
        terms: Sequence[str],
        weights: Sequence[float],
        limit: int,
        corpus: Corpus,
    ) -> list[dict[str, Any]]:
        query = " | ".join(tsquery_lexeme(term) for term in terms)
        weight_of = dict(zip(COLUMN_LETTERS, weights, strict=True))
        frequencies: dict[int, dict[str, float]] = {}
        sizes: dict[int, int] = {}
        for row in await db.fetchall(_CANDIDATES, (query, list(terms))):
            num = int(row["num"])
            sizes[num] = int(row["size"])
            seen = frequencies.setdefault(num, {})
            seen[row["term"]] = seen.get(row["term"], 0.0) + sum(
                weight_of[letter] for letter in row["letters"]
            )
        scores = {num: bm25(found, sizes[num], corpus) for num, found in frequencies.items()}
        best = sorted(scores, key=lambda num: (-scores[num], num))[:limit]
        if not best:
            return []
        rows = await db.fetchall(
            f"SELECT {_COLUMNS} FROM rosobrnadzor_helper_fts f "
            "JOIN rosobrnadzor_helper_entries e ON e.num = f.rowid WHERE f.rowid = ANY(?)",
            (best,),
        )
        by_num = {int(row["num"]): row for row in rows}
        return [{**by_num[num], "score": -scores[num]} for num in best if num in by_num]


def bm25(frequencies: Mapping[str, float], size: int, corpus: Corpus) -> float:
    """FTS5's bm25 of one row, positive (higher is better): ``frequencies`` are the row's
    column-weighted occurrences of each query term, ``size`` its tokens in all columns."""
    norm = K1 * (1 - B + B * size / corpus.average_length) if corpus.average_length else K1
    return sum(
        corpus.idf(term) * (freq * (K1 + 1.0)) / (freq + norm) for term, freq in frequencies.items()
    )


FTS5 = Fts5Search()
POSTGRESQL = PostgresSearch()


def search_for(db: Database) -> KbSearch:
    return POSTGRESQL if db.dialect.name == "postgresql" else FTS5
