-- Multi-step dialogs: one per person per community, surviving restarts.
CREATE TABLE dialog_states (
    group_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    step TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

-- Callback API events already handled (VK retries for up to hours).
CREATE TABLE processed_events (
    event_id TEXT PRIMARY KEY,
    group_id INTEGER NOT NULL,
    received_at TEXT NOT NULL
);

-- What people do, for activity monitoring.
CREATE TABLE activity_events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    vk_user_id INTEGER NOT NULL,
    person_id INTEGER,
    kind TEXT NOT NULL,
    peer_id INTEGER,
    group_id INTEGER,
    plugin TEXT
);
CREATE INDEX activity_events_at ON activity_events (at);

-- Role verification by e-journal code: the code carries the claim it proves.
CREATE TABLE journal_codes (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    role TEXT NOT NULL CHECK (role IN ('staff', 'parent', 'student')),
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    position TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    used_by_vk_id INTEGER
);
CREATE INDEX journal_codes_person ON journal_codes (person_id);

CREATE TABLE verification_attempts (
    id INTEGER PRIMARY KEY,
    vk_user_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    success INTEGER NOT NULL
);
CREATE INDEX verification_attempts_user ON verification_attempts (vk_user_id, at);

CREATE TABLE join_requests (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    role TEXT NOT NULL CHECK (role IN ('staff', 'parent', 'student')),
    group_id INTEGER REFERENCES groups (id),
    position TEXT,
    comment TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at TEXT NOT NULL,
    decided_by INTEGER REFERENCES persons (id),
    decided_at TEXT
);
CREATE INDEX join_requests_org ON join_requests (org_id, status);

CREATE TABLE invites (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    role TEXT NOT NULL CHECK (role IN ('staff', 'parent', 'student')),
    group_id INTEGER REFERENCES groups (id),
    position TEXT,
    created_by INTEGER REFERENCES persons (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    max_uses INTEGER NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0,
    revoked_at TEXT
);

-- Key-value storage, one namespace per plugin.
CREATE TABLE plugin_kv (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (namespace, key)
);
