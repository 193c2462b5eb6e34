-- Activity monitoring (issue 10).
--
-- Raw activity moves to a compact table (integer epoch seconds, integer kind codes) so that bulk
-- ingest reaches hundreds of thousands of events a second; ``activity_events`` stays readable as
-- a view with its old columns. Weekly per-person counters are maintained at ingest, so the weekly
-- table never scans raw events. See core/activity/store.py and core/activity/metrics.py.

CREATE TABLE activity_kinds (
    code INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
INSERT INTO activity_kinds (code, name) VALUES
    (1, 'message_to_bot'),
    (2, 'group_chat_message'),
    (3, 'button'),
    (4, 'chat_created'),
    (5, 'call'),
    (6, 'miniapp_open');
-- Kinds an older writer may have stored that the list above does not know.
INSERT OR IGNORE INTO activity_kinds (name) SELECT DISTINCT kind FROM activity_events;

-- No secondary index: rows arrive in time order (rowid order is time order for live data) and
-- every reader that needs speed reads activity_weekly instead.
CREATE TABLE activity_facts (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,  -- UTC epoch seconds
    vk_user_id INTEGER NOT NULL,
    person_id INTEGER,
    kind INTEGER NOT NULL,  -- activity_kinds.code (checked by the writer: core.activity.store)
    peer_id INTEGER,
    group_id INTEGER,
    plugin TEXT
);

INSERT INTO activity_facts (id, ts, vk_user_id, person_id, kind, peer_id, group_id, plugin)
SELECT e.id, CAST(strftime('%s', e.at) AS INTEGER), e.vk_user_id, e.person_id,
       (SELECT k.code FROM activity_kinds k WHERE k.name = e.kind), e.peer_id, e.group_id, e.plugin
FROM activity_events e;

DROP TABLE activity_events;

-- The old shape, for people and tools reading it. Writers go through core.activity (a plain
-- INSERT here fails loudly instead of bypassing the weekly counters).
CREATE VIEW activity_events AS
SELECT f.id,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', f.ts, 'unixepoch') AS at,
       f.vk_user_id,
       f.person_id,
       k.name AS kind,
       f.peer_id,
       f.group_id,
       f.plugin
FROM activity_facts f LEFT JOIN activity_kinds k ON k.code = f.kind;

-- Per person and week: what the weekly metrics need, maintained at ingest. ``week`` is the
-- Monday (YYYY-MM-DD) of the ISO week in the zone of the person's region.
CREATE TABLE activity_weekly (
    week TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    events INTEGER NOT NULL DEFAULT 0,
    chat_messages INTEGER NOT NULL DEFAULT 0,
    calls INTEGER NOT NULL DEFAULT 0,
    chats_created INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (week, person_id)
) WITHOUT ROWID;
CREATE INDEX activity_weekly_creators ON activity_weekly (person_id, week) WHERE chats_created > 0;

-- Raw rows of a bulk ingest whose counters are not in activity_weekly yet (a bulk ingest sums
-- counters in memory over many transactions of raw rows and writes them once). Ranges an
-- interrupted ingest left behind are counted by ActivityStore.recover().
CREATE TABLE activity_uncounted (
    session TEXT NOT NULL,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    at INTEGER NOT NULL  -- UTC epoch seconds
);

-- Statistics imported from the platform's admin cabinet (CSV/XLSX), one row per school and week.
-- NULL: the file did not have that column; the value computed from our own activity is used.
CREATE TABLE monitoring_platform_stats (
    week TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    connected INTEGER,
    teachers INTEGER,
    teachers_registered INTEGER,
    teachers_active INTEGER,
    chat_creators INTEGER,
    writers3 INTEGER,
    writers10 INTEGER,
    callers INTEGER,
    students INTEGER,
    students_registered INTEGER,
    students_active INTEGER,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (week, org_id)
);

-- Per school and finished week: the counts as they were when the week was first reported (a
-- snapshot: later role changes do not rewrite history). Dropped for a week when events or an
-- import arrive for it.
CREATE TABLE monitoring_school_weeks (
    week TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    has_groups INTEGER NOT NULL,
    staff_registered INTEGER NOT NULL,
    connected INTEGER NOT NULL,
    teachers INTEGER NOT NULL,
    teachers_registered INTEGER NOT NULL,
    teachers_active INTEGER NOT NULL,
    chat_creators INTEGER NOT NULL,
    writers3 INTEGER NOT NULL,
    writers10 INTEGER NOT NULL,
    callers INTEGER NOT NULL,
    students INTEGER NOT NULL,
    students_registered INTEGER NOT NULL,
    students_active INTEGER NOT NULL,
    source TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (week, org_id)
) WITHOUT ROWID;

-- Thresholds a region changed from the official defaults (core/activity/thresholds.py).
CREATE TABLE monitoring_thresholds (
    region_code TEXT NOT NULL,
    metric TEXT NOT NULL,
    low REAL,
    good REAL NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (region_code, metric)
);

-- Admins who asked for the weekly report (Monday 09:00 in their organisation's zone).
CREATE TABLE monitoring_subscriptions (
    person_id INTEGER NOT NULL REFERENCES persons (id),
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    group_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (person_id, org_id)
);
