-- The platform's weekly statistics of one unit (region, municipality or school), imported from
-- its weekly sheet: one row per week (core/activity/weekly_import.py). Where a row is present, the
-- monitoring reports take these figures for that unit and week over the ones summed from its
-- schools (core/activity/unit_weeks.py). NULL: the file did not have that column.
CREATE TABLE unit_week_stats (
    week TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES organisations (id),
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
) WITHOUT ROWID;
