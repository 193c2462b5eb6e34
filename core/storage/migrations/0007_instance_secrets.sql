-- Keys this installation generates for itself (e.g. the mini-app's session-signing key): made
-- once on first start, never derived from a key somebody else (VK) holds.
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL
);
