-- Who someone is (their person row and active roles) is cached per process (IdentityCache). Every
-- change to persons or roles moves this one counter, in the same transaction, whoever writes: this
-- process, `sferum roles revoke` in another, an import, a hand-written UPDATE. A process compares
-- the counter with the one its cached entries were read at on every event, one indexed read, so a
-- revoked role stops working on the next message instead of when the cache would expire.
-- A later migration that rebuilds persons or roles (SQLite's 12-step ALTER) must recreate these
-- triggers: dropping a table drops its triggers.
CREATE TABLE identity_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO identity_version (id, version) VALUES (1, 0);

CREATE TRIGGER identity_version_roles_insert AFTER INSERT ON roles
BEGIN
    UPDATE identity_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_version_roles_update AFTER UPDATE ON roles
BEGIN
    UPDATE identity_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_version_roles_delete AFTER DELETE ON roles
BEGIN
    UPDATE identity_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_version_persons_insert AFTER INSERT ON persons
BEGIN
    UPDATE identity_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_version_persons_update AFTER UPDATE ON persons
BEGIN
    UPDATE identity_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_version_persons_delete AFTER DELETE ON persons
BEGIN
    UPDATE identity_version SET version = version + 1 WHERE id = 1;
END;
