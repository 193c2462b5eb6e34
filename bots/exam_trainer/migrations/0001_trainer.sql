-- The exam trainer: task banks, one FSRS card per (student, task), every answer, progress
-- counters, teachers' assignments and students' daily reminders.

-- Tasks imported from the banks (bots/exam_trainer/banks/*.yaml or a file given to
-- `sferum tasks import`); upserted by id.
CREATE TABLE exam_trainer_tasks (
    id TEXT PRIMARY KEY,
    exam TEXT NOT NULL,
    subject TEXT NOT NULL,
    subject_title TEXT NOT NULL,
    number INTEGER NOT NULL,
    topic TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('short', 'choice', 'sequence', 'matching')),
    text TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '[]',
    answer TEXT NOT NULL,
    explanation TEXT NOT NULL,
    points INTEGER NOT NULL,
    source TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX exam_trainer_tasks_by_number ON exam_trainer_tasks (exam, subject, number, id);
CREATE INDEX exam_trainer_tasks_by_topic ON exam_trainer_tasks (exam, subject, topic, id);

-- The FSRS state of one task for one student. exam/subject/number/topic are copied from the
-- task so that choosing the next task is one index range scan, without a join.
CREATE TABLE exam_trainer_cards (
    person_id INTEGER NOT NULL,
    task_id TEXT NOT NULL,
    exam TEXT NOT NULL,
    subject TEXT NOT NULL,
    number INTEGER NOT NULL,
    topic TEXT NOT NULL,
    state INTEGER NOT NULL,
    step INTEGER,
    stability REAL,
    difficulty REAL,
    due TEXT NOT NULL,
    last_review TEXT,
    reps INTEGER NOT NULL DEFAULT 0,
    lapses INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, task_id)
);
CREATE INDEX exam_trainer_cards_due ON exam_trainer_cards (person_id, exam, subject, due);
CREATE INDEX exam_trainer_cards_number_due
    ON exam_trainer_cards (person_id, exam, subject, number, due);
CREATE INDEX exam_trainer_cards_topic_due
    ON exam_trainer_cards (person_id, exam, subject, topic, due);
CREATE INDEX exam_trainer_cards_person_due ON exam_trainer_cards (person_id, due);

-- Every answer: the review log (FSRS rating) and the raw material of reports.
CREATE TABLE exam_trainer_reviews (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL,
    task_id TEXT NOT NULL,
    exam TEXT NOT NULL,
    subject TEXT NOT NULL,
    number INTEGER NOT NULL,
    topic TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    given TEXT NOT NULL,
    correct INTEGER NOT NULL,
    rating INTEGER NOT NULL,
    assignment_id INTEGER
);
CREATE INDEX exam_trainer_reviews_person ON exam_trainer_reviews (person_id, answered_at);

-- Progress counters per task number (kind 'number', key '5') and per topic (kind 'topic'),
-- updated with each answer so that showing progress reads a handful of rows.
CREATE TABLE exam_trainer_stats (
    person_id INTEGER NOT NULL,
    exam TEXT NOT NULL,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('number', 'topic')),
    key TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    streak INTEGER NOT NULL DEFAULT 0,
    best_streak INTEGER NOT NULL DEFAULT 0,
    last_at TEXT NOT NULL,
    PRIMARY KEY (person_id, exam, subject, kind, key)
);

-- A teacher's set of tasks for a class.
CREATE TABLE exam_trainer_assignments (
    id INTEGER PRIMARY KEY,
    author_person_id INTEGER NOT NULL,
    org_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    exam TEXT NOT NULL,
    subject TEXT NOT NULL,
    numbers TEXT NOT NULL,
    task_count INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    broadcast_id INTEGER
);
CREATE INDEX exam_trainer_assignments_author ON exam_trainer_assignments (author_person_id, id);
CREATE INDEX exam_trainer_assignments_group ON exam_trainer_assignments (group_id, due_at);

CREATE TABLE exam_trainer_assignment_tasks (
    assignment_id INTEGER NOT NULL REFERENCES exam_trainer_assignments (id),
    position INTEGER NOT NULL,
    task_id TEXT NOT NULL,
    PRIMARY KEY (assignment_id, position),
    UNIQUE (assignment_id, task_id)
);

-- The first answer of a student to a task of an assignment is the one that counts.
CREATE TABLE exam_trainer_assignment_answers (
    assignment_id INTEGER NOT NULL REFERENCES exam_trainer_assignments (id),
    person_id INTEGER NOT NULL,
    task_id TEXT NOT NULL,
    correct INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (assignment_id, person_id, task_id)
);

-- A student's daily reminder: the local time chosen and the community to remind from.
CREATE TABLE exam_trainer_reminders (
    person_id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    timezone TEXT NOT NULL,
    job_id TEXT NOT NULL
);
