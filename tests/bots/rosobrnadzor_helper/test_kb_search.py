"""The knowledge base ranks the same on both engines: PostgreSQL's candidates from the tsvector,
ranked in Python, get FTS5's own bm25 scores, so every question gets the same entries in the same
order (and the FAQ's accuracy cannot differ between engines)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bots.rosobrnadzor_helper import plugin
from bots.rosobrnadzor_helper.kb import KnowledgeBase
from bots.rosobrnadzor_helper.kb_search import (
    FTS5,
    POSTGRESQL,
    Corpus,
    bm25,
    search_for,
)
from core.clock import ManualClock
from core.plugins.loader import plugin_migrations
from core.storage import Database, SqliteDatabase, load_migrations, migrate
from core.storage.dialect import tsquery_lexeme
from tests.core.storage.conftest import postgres_database, postgres_schema

DATA = Path(__file__).parent / "data"


async def ready(db: Database, clock: ManualClock) -> KnowledgeBase:
    await migrate(db, load_migrations("core", "core.storage"))
    await migrate(db, plugin_migrations(plugin))
    kb = KnowledgeBase(db, clock=clock)
    await kb.ensure_ready()
    return kb


def test_a_term_is_one_quoted_lexeme() -> None:
    assert tsquery_lexeme("апелляц") == "'апелляц'"
    assert tsquery_lexeme("d'art & x | !y") == "'d''art & x | !y'"
    assert tsquery_lexeme("a\\b") == "'a\\\\b'"


def test_bm25_is_ftss_formula() -> None:
    # Two rows of 10 tokens on average; the term in one of them: idf = ln(1.5 / 1.5) → 1e-6.
    corpus = Corpus(rows=2, tokens=20, docs={"x": 1, "y": 2})
    assert bm25({"x": 1.0}, 10, corpus) == pytest.approx(1e-6)
    # Three rows, the term in one: idf = ln(2.5 / 1.5); a weighted frequency of 5 in a row of
    # average length scores idf * 5 * 2.2 / (5 + 1.2).
    wide = Corpus(rows=3, tokens=30, docs={"x": 1})
    assert bm25({"x": 5.0}, 10, wide) == pytest.approx(0.5108256 * 11 / 6.2, rel=1e-6)


async def test_the_engine_picks_its_search(db: Database) -> None:
    assert search_for(db) is (POSTGRESQL if db.dialect.name == "postgresql" else FTS5)


async def test_postgresql_ranks_every_question_as_fts5_does(
    tmp_path: Path, clock: ManualClock
) -> None:
    questions = [
        item["question"]
        for name in ("heldout_questions.yaml", "on_topic_tuning.yaml")
        for item in yaml.safe_load((DATA / name).read_text("utf-8"))
    ]
    sqlite = SqliteDatabase(tmp_path / "kb.db")
    await sqlite.connect()
    try:
        async with postgres_schema() as schema:
            postgres = postgres_database(schema)
            await postgres.connect()
            try:
                lite, pg = await ready(sqlite, clock), await ready(postgres, clock)
                # The same terms with the same counts: typo correction and idf agree too.
                vocabularies = [
                    {
                        r["term"]: (int(r["doc"]), int(r["cnt"]))
                        for r in await kb.index.vocabulary(kb.db)
                    }
                    for kb in (lite, pg)
                ]
                assert vocabularies[0] == vocabularies[1]
                for question in questions:
                    expected = await lite.search(question, limit=5)
                    found = await pg.search(question, limit=5)
                    assert found.terms == expected.terms, question
                    assert [h.entry.entry_id for h in found.hits] == [
                        h.entry.entry_id for h in expected.hits
                    ], question
                    assert [h.score for h in found.hits] == pytest.approx(
                        [h.score for h in expected.hits], rel=1e-9
                    ), question
                    assert found.answered == expected.answered, question
            finally:
                await postgres.close()
    finally:
        await sqlite.close()
