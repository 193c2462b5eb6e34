-- PostgreSQL form of 0020_unit_week_stats.sql: BIGINT org_id, no WITHOUT ROWID.
CREATE TABLE unit_week_stats (
    week TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    schools INTEGER,
    schools_connected INTEGER,
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
