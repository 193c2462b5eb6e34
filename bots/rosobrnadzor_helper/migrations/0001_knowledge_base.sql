-- The knowledge base: one row per entry (retired entries stay, for history and for imports that
-- bring them back), and an FTS5 index over the stemmed text of the active ones.
CREATE TABLE rosobrnadzor_helper_entries (
    num INTEGER PRIMARY KEY,
    entry_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    questions TEXT NOT NULL DEFAULT '[]',
    answer TEXT NOT NULL,
    source TEXT NOT NULL,
    source_date TEXT NOT NULL,
    category TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    related TEXT NOT NULL DEFAULT '[]',
    unverified TEXT NOT NULL DEFAULT '',
    retired INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Columns hold space-separated stems; bm25 weights them title > questions > tags > answer.
-- FTS5 creates its shadow tables (_data, _idx, _content, _docsize, _config) with this prefix.
CREATE VIRTUAL TABLE rosobrnadzor_helper_fts USING fts5(
    title, questions, tags, answer,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- The index's vocabulary with document counts, for typo correction.
CREATE VIRTUAL TABLE rosobrnadzor_helper_fts_vocab USING fts5vocab(rosobrnadzor_helper_fts, 'row');

-- version: bumped on every change, so a running bot refreshes its cached vocabulary;
-- analyzer: the fingerprint of the text pipeline the index was built with.
CREATE TABLE rosobrnadzor_helper_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
