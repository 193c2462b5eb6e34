-- PostgreSQL form of 0021_federal_admins.sql: the key is a person id, always given (no identity).
CREATE TABLE federal_admins (
    person_id BIGINT PRIMARY KEY REFERENCES persons (id),
    granted_at TEXT NOT NULL,  -- UTC ISO
    granted_by BIGINT REFERENCES persons (id)  -- NULL: granted from the command line
);
