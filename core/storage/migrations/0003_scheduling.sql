-- Scheduled jobs: persisted so that schedules survive restarts; times are UTC ISO strings.
CREATE TABLE scheduled_jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    trigger TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    next_run TEXT,
    last_run TEXT,
    runs INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'done', 'cancelled')),
    last_error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX scheduled_jobs_due ON scheduled_jobs (next_run) WHERE status = 'active';
