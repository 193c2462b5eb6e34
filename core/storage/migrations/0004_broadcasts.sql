-- Broadcasts and their delivery log (the exactly-once mechanism).
CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES broadcasts (id),
    author_person_id INTEGER NOT NULL REFERENCES persons (id),
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
    cancelled_at TEXT
);
CREATE INDEX broadcasts_author ON broadcasts (author_person_id);
CREATE INDEX broadcasts_status ON broadcasts (status);

CREATE TABLE broadcast_deliveries (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id),
    person_id INTEGER NOT NULL,
    peer_id INTEGER,
    random_id INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'skipped', 'failed')),
    reason TEXT,
    not_before TEXT,
    message_id INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (broadcast_id, person_id)
) WITHOUT ROWID;
-- No secondary index: the primary key starts with broadcast_id, and an index on state would
-- double the cost of writing 100,000 rows, which dominates preparing a large broadcast.
