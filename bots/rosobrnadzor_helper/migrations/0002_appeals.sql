-- Appeals (обращения) of teachers to the operators, with the deadlines of 59-ФЗ.
CREATE TABLE rosobrnadzor_helper_appeals (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    org_id INTEGER REFERENCES organisations (id),
    group_id INTEGER,
    category TEXT NOT NULL,
    text TEXT NOT NULL,
    links TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'in_progress', 'answered', 'closed')),
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    extended_days INTEGER NOT NULL DEFAULT 0,
    operator_id INTEGER REFERENCES persons (id),
    taken_at TEXT,
    answer TEXT,
    answered_at TEXT,
    answer_delivered INTEGER NOT NULL DEFAULT 0,
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    closed_at TEXT
);
CREATE INDEX rosobrnadzor_helper_appeals_person ON rosobrnadzor_helper_appeals (person_id, id);
CREATE INDEX rosobrnadzor_helper_appeals_status ON rosobrnadzor_helper_appeals (status, due_at);

-- What happened to each appeal, by whom: the audit trail operators and admins can read.
CREATE TABLE rosobrnadzor_helper_appeal_events (
    id INTEGER PRIMARY KEY,
    appeal_id INTEGER NOT NULL REFERENCES rosobrnadzor_helper_appeals (id),
    at TEXT NOT NULL,
    actor_id INTEGER,
    kind TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX rosobrnadzor_helper_appeal_events_appeal
    ON rosobrnadzor_helper_appeal_events (appeal_id, id);
