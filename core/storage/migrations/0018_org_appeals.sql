-- Appeals to an organisation (issue 19): what a person with a role there wrote to it in the
-- community's dialog, and the answer an admin gave from the cabinet (core/org_appeals).
-- The author's role and classes are kept as they were when the appeal was written.
CREATE TABLE org_appeals (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    group_id INTEGER NOT NULL,  -- the VK community it was written in (and the answer goes from)
    created_at TEXT NOT NULL,
    text TEXT NOT NULL,
    attachments TEXT NOT NULL DEFAULT '[]',  -- [[kind, attachment, title], ...] (core/vk/uploads.py)
    author_role TEXT NOT NULL,
    author_position TEXT,
    author_classes TEXT NOT NULL DEFAULT '',
    answer TEXT,
    answered_by INTEGER REFERENCES persons (id),
    answered_at TEXT
);
CREATE INDEX org_appeals_org ON org_appeals (org_id, id);
