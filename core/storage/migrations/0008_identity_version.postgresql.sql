-- PostgreSQL form of 0008_identity_version.sql: the same one-row counter, moved in the writer's
-- transaction by every change to persons or roles. SQLite's triggers run per row; these run once
-- once per transaction that changed at least one row (a transition table tells), so a bulk import
-- moves the counter once instead of once per row: readers only ever compare it for equality.
CREATE TABLE identity_version (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO identity_version (id, version) VALUES (1, 0);

CREATE FUNCTION identity_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Every trigger below names its transition table "changed". Once per transaction is
    -- enough (readers see its changes all at once, at commit), and it must be: a bulk import of
    -- 100,000 rows row by row would otherwise update the one row 100,000 times in one
    -- transaction, each update walking the versions the previous ones left (quadratic).
    IF EXISTS (SELECT 1 FROM changed)
       AND current_setting('sferum.identity_bumped', true) IS DISTINCT FROM txid_current()::text
    THEN
        UPDATE identity_version SET version = version + 1 WHERE id = 1;
        PERFORM set_config('sferum.identity_bumped', txid_current()::text, true);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER identity_version_roles_insert AFTER INSERT ON roles
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION identity_version_bump();
CREATE TRIGGER identity_version_roles_update AFTER UPDATE ON roles
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION identity_version_bump();
CREATE TRIGGER identity_version_roles_delete AFTER DELETE ON roles
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION identity_version_bump();
CREATE TRIGGER identity_version_persons_insert AFTER INSERT ON persons
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION identity_version_bump();
CREATE TRIGGER identity_version_persons_update AFTER UPDATE ON persons
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION identity_version_bump();
CREATE TRIGGER identity_version_persons_delete AFTER DELETE ON persons
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION identity_version_bump();
