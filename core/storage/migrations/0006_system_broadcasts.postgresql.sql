-- PostgreSQL form of 0006_system_broadcasts.sql: what SQLite rebuilds the table for is an
-- ALTER TABLE here (the author becomes nullable, consent is added, with the same check).
ALTER TABLE broadcasts ALTER COLUMN author_person_id DROP NOT NULL;
-- why a broadcast without an author may be sent, e.g. "subscription"
ALTER TABLE broadcasts ADD COLUMN consent TEXT;
ALTER TABLE broadcasts ADD CONSTRAINT broadcasts_author_or_consent
    CHECK (author_person_id IS NOT NULL OR consent IS NOT NULL);
