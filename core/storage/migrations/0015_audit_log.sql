-- The organisation cabinet's audit log (core/audit.py): one row per change an admin makes
-- (a role revoked, an invite created, a class renamed…), kept for good. ``org_id`` is the
-- organisation the change belongs to, so a region admin reads the log of their whole tree.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER REFERENCES persons (id),
    org_id INTEGER REFERENCES organisations (id),
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_org ON audit_log (org_id, id);
