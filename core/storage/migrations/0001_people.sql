-- People, organisations and everything the communication rules take as inputs.
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('region', 'municipality', 'school')),
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES organisations (id),
    region_code TEXT NOT NULL,
    timezone TEXT NOT NULL,
    work_start TEXT NOT NULL DEFAULT '08:00',
    work_end TEXT NOT NULL DEFAULT '20:00',
    work_days TEXT NOT NULL DEFAULT '1,2,3,4,5',
    external_id TEXT UNIQUE
);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'class' CHECK (kind IN ('class', 'study_group')),
    grade INTEGER,
    external_id TEXT UNIQUE
);
CREATE INDEX groups_org ON groups (org_id);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY,
    vk_user_id INTEGER UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL DEFAULT '',
    birth_date TEXT,
    is_adult INTEGER,
    phone TEXT,
    work_start TEXT,
    work_end TEXT,
    external_id TEXT UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX persons_phone ON persons (phone);

-- A role held by a person; revoked rows are kept, so the table is also the role history.
CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    role TEXT NOT NULL CHECK (role IN ('staff', 'parent', 'student')),
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    position TEXT,
    granted_at TEXT NOT NULL,
    granted_by INTEGER REFERENCES persons (id),
    method TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by INTEGER REFERENCES persons (id),
    revoke_reason TEXT
);
CREATE INDEX roles_person ON roles (person_id) WHERE revoked_at IS NULL;
CREATE INDEX roles_org ON roles (org_id, role) WHERE revoked_at IS NULL;

CREATE TABLE student_groups (
    person_id INTEGER NOT NULL REFERENCES persons (id),
    group_id INTEGER NOT NULL REFERENCES groups (id),
    PRIMARY KEY (person_id, group_id)
);
CREATE INDEX student_groups_group ON student_groups (group_id);

CREATE TABLE parent_children (
    parent_id INTEGER NOT NULL REFERENCES persons (id),
    child_id INTEGER NOT NULL REFERENCES persons (id),
    confirmed INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX parent_children_child ON parent_children (child_id);

CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    peer_id INTEGER UNIQUE,
    title TEXT NOT NULL,
    org_id INTEGER REFERENCES organisations (id),
    group_id INTEGER REFERENCES groups (id),
    created_by INTEGER REFERENCES persons (id),
    external_id TEXT UNIQUE
);

CREATE TABLE chat_members (
    chat_id INTEGER NOT NULL REFERENCES chats (id),
    person_id INTEGER NOT NULL REFERENCES persons (id),
    PRIMARY KEY (chat_id, person_id)
);
CREATE INDEX chat_members_person ON chat_members (person_id);

-- owner_id has contact_id's phone number in their address book.
CREATE TABLE contacts (
    owner_id INTEGER NOT NULL REFERENCES persons (id),
    contact_id INTEGER NOT NULL REFERENCES persons (id),
    PRIMARY KEY (owner_id, contact_id)
);
CREATE INDEX contacts_contact ON contacts (contact_id);

-- Every grant and revocation: who, when, by what means.
CREATE TABLE role_changes (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    role_id INTEGER NOT NULL REFERENCES roles (id),
    action TEXT NOT NULL CHECK (action IN ('grant', 'revoke')),
    by_person_id INTEGER REFERENCES persons (id),
    method TEXT NOT NULL,
    at TEXT NOT NULL,
    details TEXT
);
CREATE INDEX role_changes_person ON role_changes (person_id);
