-- PostgreSQL form of 0016_unit_archive.sql: the class teacher is a person id, BIGINT as the
-- persons' key.
ALTER TABLE groups ADD COLUMN archived_at TEXT;
ALTER TABLE groups ADD COLUMN class_teacher_id BIGINT REFERENCES persons (id);
