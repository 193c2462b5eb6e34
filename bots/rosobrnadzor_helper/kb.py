"""The knowledge base: entries, their full-text index over stems, bm25 search.

The index and its ranking are kb_search.py's (FTS5 on SQLite, a tsvector on PostgreSQL, the same
bm25 on both).

The running bot reads everything from the database on each question, so an import from the CLI
(another process) is seen at once: a version counter in the meta table tells this process to
refresh its cached vocabulary and term statistics, the only things it keeps in memory.

A search always ranks something; ``SearchResult.answered`` says whether the base answers the
question at all (relevance.py: the question's domain words found in an entry), and the bot and
the CLI say "nothing found" when it does not.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from core.clock import Clock, SystemClock
from core.storage import Database, Transaction

from .analysis import Analyzer, QueryWord, Vocabulary, stem, words
from .kb_import import REQUIRED, EntryPatch, KbFileError, parse_file, parse_yaml
from .kb_search import Corpus, KbSearch, search_for
from .relevance import Relevance, TermStats, judge

# bm25 column weights: title, questions, tags (with the source act), answer. A teacher's question
# is closest to an entry's title and sample questions; the answer's long text only breaks ties.
WEIGHTS = (5.0, 4.0, 2.5, 1.0)
# Typo correction is tried for words of at least this many letters that match nothing.
TYPO_MIN_LETTERS = 4
# ... and only in questions of at most this many words: in a long question the other words carry
# it, and correcting many unknown words there adds noise rather than recall.
TYPO_MAX_WORDS = 12
# A best hit matching less than this share of the question's words is shown as a guess, and the
# bot offers an appeal first.
MIN_COVERAGE = 0.3

SHIPPED = "data/knowledge_base.yaml"


@dataclass(frozen=True)
class Entry:
    entry_id: str
    title: str
    questions: tuple[str, ...]
    answer: str
    source: str
    source_date: date
    category: str
    tags: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    unverified: str = ""
    retired: bool = False

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Entry:
        return cls(
            entry_id=row["entry_id"],
            title=row["title"],
            questions=tuple(json.loads(row["questions"])),
            answer=row["answer"],
            source=row["source"],
            source_date=date.fromisoformat(row["source_date"]),
            category=row["category"],
            tags=tuple(json.loads(row["tags"])),
            related=tuple(json.loads(row["related"])),
            unverified=row["unverified"],
            retired=bool(row["retired"]),
        )

    def fields(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "questions": list(self.questions),
            "answer": self.answer,
            "source": self.source,
            "source_date": self.source_date.isoformat(),
            "category": self.category,
            "tags": list(self.tags),
            "related": list(self.related),
            "unverified": self.unverified,
        }


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float
    coverage: float
    relevance: Relevance


@dataclass(frozen=True)
class SearchResult:
    question: str
    terms: tuple[str, ...]
    corrections: dict[str, str]
    hits: tuple[Hit, ...]

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @property
    def answered(self) -> bool:
        """Some entry found answers the question (relevance.py), rather than only sharing its
        everyday words; when not, the bot says it found nothing."""
        return any(hit.relevance.answers for hit in self.hits)

    @property
    def fits(self) -> bool:
        """A confident answer: the base answers, and the best hit covers enough of the
        question (a lower coverage is shown as the closest guess)."""
        return self.answered and self.hits[0].coverage >= MIN_COVERAGE


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unknown_retired: list[str] = field(default_factory=list)
    dangling_related: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired)


def _hash(fields: dict[str, Any], retired: bool) -> str:
    raw = json.dumps([fields, retired], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


class KnowledgeBase:
    def __init__(
        self, db: Database, analyzer: Analyzer | None = None, clock: Clock | None = None
    ) -> None:
        self.db = db
        self.analyzer = analyzer or Analyzer()
        self.clock = clock or SystemClock()
        self.index: KbSearch = search_for(db)
        self._vocab: tuple[str, Vocabulary, TermStats, Corpus] | None = None

    # --- lifecycle ----------------------------------------------------------------------------
    async def ensure_ready(self) -> ImportReport | None:
        """Load the shipped entries into an empty base; re-index if the text pipeline changed."""
        stored = await self.db.fetchval(
            "SELECT value FROM rosobrnadzor_helper_meta WHERE key = 'analyzer'"
        )
        if stored is not None and stored != self.analyzer.fingerprint():
            await self.reindex()
        if await self.db.fetchval("SELECT count(*) FROM rosobrnadzor_helper_entries"):
            return None
        return await self.import_shipped()

    async def import_shipped(self) -> ImportReport:
        text = resources.files(__package__).joinpath(SHIPPED).read_text("utf-8")
        return await self.apply(parse_yaml(text))

    async def import_file(self, path: Path) -> ImportReport:
        return await self.apply(parse_file(path))

    # --- writing ------------------------------------------------------------------------------
    async def apply(self, patches: list[EntryPatch]) -> ImportReport:
        """Upsert every patch by id in one transaction: all of them or none."""
        report = ImportReport()
        now = self.clock.now().isoformat()
        async with self.db.transaction() as tx:
            for patch in patches:
                await self._apply_one(tx, patch, report, now)
            if report.changed:
                await self._bump(tx)
            active = {
                r["entry_id"]: json.loads(r["related"])
                for r in await tx.fetchall(
                    "SELECT entry_id, related FROM rosobrnadzor_helper_entries WHERE retired = 0"
                )
            }
        touched = set(report.added) | set(report.updated)
        report.dangling_related = sorted(
            f"{eid} → {rel}"
            for eid in touched & set(active)
            for rel in active[eid]
            if rel not in active
        )
        return report

    async def _apply_one(
        self, tx: Transaction, patch: EntryPatch, report: ImportReport, now: str
    ) -> None:
        row = await tx.fetchone(
            "SELECT * FROM rosobrnadzor_helper_entries WHERE entry_id = ?", (patch.entry_id,)
        )
        if row is None:
            if patch.retired and not (set(REQUIRED) <= set(patch.fields)):
                report.unknown_retired.append(patch.entry_id)
                return
            missing = [name for name in REQUIRED if name not in patch.fields]
            if missing:
                raise KbFileError(
                    [f"{patch.entry_id}: новая запись, не хватает полей {', '.join(missing)}"]
                )
            fields = {"questions": [], "tags": [], "related": [], "unverified": ""}
        else:
            fields = Entry.from_row(row).fields()
        fields.update(patch.fields)
        digest = _hash(fields, patch.retired)
        if row is not None and row["content_hash"] == digest:
            report.unchanged.append(patch.entry_id)
            return
        values = (
            fields["title"],
            json.dumps(fields["questions"], ensure_ascii=False),
            fields["answer"],
            fields["source"],
            fields["source_date"],
            fields["category"],
            json.dumps(fields["tags"], ensure_ascii=False),
            json.dumps(fields["related"], ensure_ascii=False),
            fields["unverified"],
            int(patch.retired),
            digest,
            now,
        )
        if row is None:
            # The key is ``num``, not ``id``: execute() returns no new id for it on PostgreSQL.
            num = int(
                await tx.fetchval(
                    "INSERT INTO rosobrnadzor_helper_entries (title, questions, answer, source, "
                    "source_date, category, tags, related, unverified, retired, content_hash, "
                    "updated_at, entry_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING num",
                    (*values, patch.entry_id),
                )
            )
            (report.retired if patch.retired else report.added).append(patch.entry_id)
        else:
            num = int(row["num"])
            await tx.execute(
                "UPDATE rosobrnadzor_helper_entries SET title = ?, questions = ?, answer = ?, "
                "source = ?, source_date = ?, category = ?, tags = ?, related = ?, "
                "unverified = ?, retired = ?, content_hash = ?, updated_at = ? WHERE num = ?",
                (*values, num),
            )
            if patch.retired:
                report.retired.append(patch.entry_id)
            else:
                report.updated.append(patch.entry_id)
        await self._index(tx, num, fields, retired=patch.retired)

    async def _index(
        self, tx: Transaction, num: int, fields: dict[str, Any], *, retired: bool
    ) -> None:
        if retired:
            await self.index.remove(tx, num)
            return
        analyze = self.analyzer.index_text
        await self.index.put(
            tx,
            num,
            (
                analyze(fields["title"]),
                analyze("\n".join(fields["questions"])),
                analyze(" ; ".join([*fields["tags"], fields["source"]])),
                analyze(fields["answer"]),
            ),
        )

    async def _bump(self, tx: Transaction) -> None:
        await tx.execute(
            "INSERT INTO rosobrnadzor_helper_meta AS m (key, value) VALUES ('version', '1') "
            # The column is TEXT: PostgreSQL stores no integer there (SQLite converts it itself).
            "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(m.value AS INTEGER) + 1 AS TEXT)"
        )
        await tx.execute(
            "INSERT INTO rosobrnadzor_helper_meta (key, value) VALUES ('analyzer', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (self.analyzer.fingerprint(),),
        )

    async def reindex(self) -> int:
        """Rebuild the index of every active entry with the current text pipeline."""
        async with self.db.transaction() as tx:
            await self.index.clear(tx)
            rows = await tx.fetchall(
                "SELECT * FROM rosobrnadzor_helper_entries WHERE retired = 0 ORDER BY num"
            )
            for row in rows:
                await self._index(tx, int(row["num"]), Entry.from_row(row).fields(), retired=False)
            await self._bump(tx)
        return len(rows)

    # --- reading ------------------------------------------------------------------------------
    async def get(self, entry_id: str, *, include_retired: bool = False) -> Entry | None:
        row = await self.db.fetchone(
            "SELECT * FROM rosobrnadzor_helper_entries WHERE entry_id = ?", (entry_id,)
        )
        if row is None or (row["retired"] and not include_retired):
            return None
        return Entry.from_row(row)

    async def active(self, entry_ids: list[str]) -> list[Entry]:
        """These entries in this order, leaving out retired and unknown ids."""
        if not entry_ids:
            return []
        rows = await self.db.fetchall(
            "SELECT * FROM rosobrnadzor_helper_entries WHERE retired = 0 "
            f"AND entry_id {self.db.dialect.in_list()}",
            (self.db.dialect.in_values(entry_ids),),
        )
        found = {row["entry_id"]: Entry.from_row(row) for row in rows}
        return [found[eid] for eid in entry_ids if eid in found]

    async def count(self, *, include_retired: bool = False) -> int:
        sql = "SELECT count(*) FROM rosobrnadzor_helper_entries"
        if not include_retired:
            sql += " WHERE retired = 0"
        return int(await self.db.fetchval(sql))

    async def _index_stats(self) -> tuple[str, Vocabulary, TermStats, Corpus]:
        version = str(
            await self.db.fetchval(
                "SELECT value FROM rosobrnadzor_helper_meta WHERE key = 'version'"
            )
        )
        if self._vocab is None or self._vocab[0] != version:
            rows = await self.index.vocabulary(self.db)
            entries = await self.db.fetchall(
                "SELECT title, questions, tags, source, answer FROM rosobrnadzor_helper_entries "
                "WHERE retired = 0"
            )
            stats = TermStats.build(
                {r["term"]: int(r["cnt"]) for r in rows},
                (" ".join(str(v) for v in entry.values()) for entry in entries),
            )
            self._vocab = (
                version,
                Vocabulary({r["term"]: int(r["doc"]) for r in rows}),
                stats,
                await self.index.corpus(self.db, rows),
            )
        return self._vocab

    async def vocabulary(self) -> Vocabulary:
        return (await self._index_stats())[1]

    async def term_stats(self) -> TermStats:
        return (await self._index_stats())[2]

    async def analyse_question(self, question: str) -> list[QueryWord]:
        """Each content word of a question with its index term (a stem, or a one-edit correction
        of a stem that matches nothing) and the synonym groups it belongs to."""
        vocab = await self.vocabulary()
        synonyms = self.analyzer.synonyms
        surface = words(question)
        raw = [stem(w) for w in surface]
        allow_typos = len(surface) <= TYPO_MAX_WORDS
        result: list[QueryWord] = []
        for word, term in zip(surface, raw, strict=True):
            if term in vocab or synonyms.knows(term):
                result.append(QueryWord(word, term, False))
                continue
            corrected = vocab.correct(term) if allow_typos and _correctable(word, term) else None
            result.append(QueryWord(word, corrected, corrected is not None))
        # Synonym phrases are found over the corrected terms, so "апеляция" joins its group too.
        terms = [w.term or "" for w in result]
        for token, start, length in synonyms.occurrences(terms):
            for query_word in result[start : start + length]:
                query_word.groups.append(token)
        return result

    async def search(self, question: str, limit: int = 3) -> SearchResult:
        vocab = await self.vocabulary()
        analysed = await self.analyse_question(question)
        candidates = [t for w in analysed for t in (w.term, *w.groups) if t is not None]
        terms = [t for t in dict.fromkeys(candidates) if t in vocab]
        corrections = {w.word: w.term for w in analysed if w.corrected and w.term}
        if not terms:
            return SearchResult(question, (), corrections, ())
        corpus = (await self._index_stats())[3]
        rows = await self.index.ranked(self.db, terms, WEIGHTS, limit, corpus)
        stats = await self.term_stats()
        hits = []
        for row in rows:
            key = set(" ".join((row["f_title"], row["f_questions"], row["f_tags"])).split())
            answer = set(row["f_answer"].split())
            hits.append(
                Hit(
                    Entry.from_row(row),
                    -float(row["score"]),
                    _coverage(analysed, key | answer),
                    judge(analysed, stats, key, answer),
                )
            )
        return SearchResult(question, tuple(terms), corrections, tuple(hits))


def _correctable(word: str, term: str) -> bool:
    """Typo correction is tried for words of 4+ letters; not digits; a stem of 4 letters is
    only corrected by a changed or swapped letter, since a dropped one changes short words too
    often ("торт" is not "тот")."""
    return len(word) >= TYPO_MIN_LETTERS and len(term) >= TYPO_MIN_LETTERS and not word.isdigit()


def _coverage(analysed: list[QueryWord], indexed: set[str]) -> float:
    """Share of the question's content words the entry contains. A synonym counts as the word;
    a corrected word counts half, and a word matching nothing counts against the entry."""
    if not analysed:
        return 0.0
    total = 0.0
    for word in analysed:
        if (word.term is not None and word.term in indexed) or any(
            g in indexed for g in word.groups
        ):
            total += 0.5 if word.corrected else 1.0
    return total / len(analysed)
