-- Federal admins (issue 19): people who read the ranking of all regions (/admin/federal).
-- There is no organisation above a region, so this right is not a role at an organisation;
-- it is granted from the command line (sferum monitoring federal-admin add VK_ID).
CREATE TABLE federal_admins (
    person_id INTEGER PRIMARY KEY REFERENCES persons (id),
    granted_at TEXT NOT NULL,  -- UTC ISO
    granted_by INTEGER REFERENCES persons (id)  -- NULL: granted from the command line
);
