-- The e-journal: the OneRoster 1.2 gradebook shape (academic sessions, classes, enrollments,
-- categories, line items, results) plus the timetable OneRoster has no file for. People,
-- organisations and homeroom classes live in the core schema; rows here point at them.

-- academicSessions: school years, semesters (полугодия), grading periods (четверти).
CREATE TABLE journal_terms (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('schoolYear', 'semester', 'term', 'gradingPeriod')),
    parent_id INTEGER REFERENCES journal_terms (id),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL
);

CREATE TABLE journal_courses (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL UNIQUE,
    org_id INTEGER REFERENCES organisations (id),
    title TEXT NOT NULL,
    code TEXT NOT NULL DEFAULT ''
);

-- A class in OneRoster's sense: a homeroom (the core group "9А") or a scheduled subject class
-- ("Алгебра, 9А"). group_id is the core group the class is taught to, when known.
CREATE TABLE journal_classes (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL UNIQUE,
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    course_id INTEGER REFERENCES journal_courses (id),
    group_id INTEGER REFERENCES groups (id),
    kind TEXT NOT NULL CHECK (kind IN ('homeroom', 'scheduled')),
    title TEXT NOT NULL,
    subject TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    periods TEXT NOT NULL DEFAULT ''
);
CREATE INDEX journal_classes_group ON journal_classes (group_id);

CREATE TABLE journal_class_terms (
    class_id INTEGER NOT NULL REFERENCES journal_classes (id),
    term_id INTEGER NOT NULL REFERENCES journal_terms (id),
    PRIMARY KEY (class_id, term_id)
);

CREATE TABLE journal_enrollments (
    class_id INTEGER NOT NULL REFERENCES journal_classes (id),
    person_id INTEGER NOT NULL REFERENCES persons (id),
    role TEXT NOT NULL CHECK (role IN ('student', 'teacher')),
    is_primary INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (class_id, person_id, role)
);
CREATE INDEX journal_enrollments_person ON journal_enrollments (person_id, role);

-- The timetable: one row per lesson actually given (the demo journal and future providers).
CREATE TABLE journal_lessons (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL UNIQUE,
    class_id INTEGER NOT NULL REFERENCES journal_classes (id),
    day TEXT NOT NULL,
    number INTEGER NOT NULL,
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    room TEXT NOT NULL DEFAULT '',
    teacher_id INTEGER REFERENCES persons (id),
    topic TEXT NOT NULL DEFAULT ''
);
CREATE INDEX journal_lessons_class_day ON journal_lessons (class_id, day);
CREATE INDEX journal_lessons_teacher_day ON journal_lessons (teacher_id, day);

-- categories: kinds of line items. Homework is a category; weight counts in averages.
CREATE TABLE journal_categories (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    weight REAL NOT NULL DEFAULT 1,
    is_homework INTEGER NOT NULL DEFAULT 0
);

-- lineItems: a column of the gradebook (a test, classwork, a homework assignment).
CREATE TABLE journal_line_items (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL UNIQUE,
    class_id INTEGER NOT NULL REFERENCES journal_classes (id),
    category_id INTEGER REFERENCES journal_categories (id),
    term_id INTEGER REFERENCES journal_terms (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    assigned_on TEXT,
    due_on TEXT,
    value_min REAL,
    value_max REAL,
    set_by INTEGER REFERENCES persons (id)
);
CREATE INDEX journal_line_items_class ON journal_line_items (class_id, due_on);

-- results: one student's score on one line item.
CREATE TABLE journal_results (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL UNIQUE,
    line_item_id INTEGER NOT NULL REFERENCES journal_line_items (id),
    student_id INTEGER NOT NULL REFERENCES persons (id),
    score REAL,
    text_score TEXT NOT NULL DEFAULT '',
    score_date TEXT,
    comment TEXT NOT NULL DEFAULT '',
    UNIQUE (line_item_id, student_id)
);
CREATE INDEX journal_results_student ON journal_results (student_id, score_date);

-- Opaque ids that appear in mini-app URLs instead of database ids.
CREATE TABLE journal_public_ids (
    public_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'class')),
    ref TEXT NOT NULL,
    UNIQUE (kind, ref)
);
