-- migration: foreign_keys=off
-- Broadcasts without a person author: messages a community sends to people who asked for them
-- (a subscription), checked by nobody's policy. The author column becomes nullable; SQLite cannot
-- drop NOT NULL in place, so the table is rebuilt (foreign keys off, checked before commit).
CREATE TABLE broadcasts_new (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES broadcasts (id),
    author_person_id INTEGER REFERENCES persons (id),
    group_id INTEGER NOT NULL,
    audience TEXT NOT NULL,
    template TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    buttons TEXT NOT NULL DEFAULT '[]',
    keyboard TEXT,
    schedule TEXT,
    quiet_mode TEXT NOT NULL DEFAULT 'defer',
    vals TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL DEFAULT 'core',
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'pending', 'sending', 'done', 'cancelled')),
    run_at TEXT,
    -- 1 once every recipient has a delivery row (preparation is chunked and may be interrupted)
    prepared INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    cancelled_at TEXT,
    -- why a broadcast without an author may be sent, e.g. "subscription"
    consent TEXT,
    CHECK (author_person_id IS NOT NULL OR consent IS NOT NULL)
);
INSERT INTO broadcasts_new (id, parent_id, author_person_id, group_id, audience, template, title,
    buttons, keyboard, schedule, quiet_mode, vals, source, status, run_at, prepared, created_at,
    started_at, finished_at, cancelled_at)
SELECT id, parent_id, author_person_id, group_id, audience, template, title, buttons, keyboard,
    schedule, quiet_mode, vals, source, status, run_at, prepared, created_at, started_at,
    finished_at, cancelled_at
FROM broadcasts;
DROP TABLE broadcasts;
ALTER TABLE broadcasts_new RENAME TO broadcasts;
CREATE INDEX broadcasts_author ON broadcasts (author_person_id);
CREATE INDEX broadcasts_status ON broadcasts (status);
