-- The organisation a broadcast speaks for: its admins (and those of the organisations above it)
-- may cancel it besides its author, and a recurring broadcast goes on only while its author is
-- staff there. ``stop_reason`` says why a broadcast was stopped without anyone cancelling it
-- ('author_left': its author no longer had a staff role there when an occurrence was due).
ALTER TABLE broadcasts ADD COLUMN org_id INTEGER REFERENCES organisations (id);
ALTER TABLE broadcasts ADD COLUMN stop_reason TEXT;
-- Broadcasts made before: the audience's organisation, its first class's, or else (a list of
-- persons) the organisation where the author was staff when it was made.
UPDATE broadcasts SET org_id = coalesce(
    json_extract(audience, '$.org_id'),
    (SELECT g.org_id FROM groups g WHERE g.id = json_extract(broadcasts.audience, '$.group_ids[0]')),
    (SELECT min(r.org_id) FROM roles r WHERE r.person_id = broadcasts.author_person_id
        AND r.role = 'staff' AND r.granted_at <= broadcasts.created_at
        AND (r.revoked_at IS NULL OR r.revoked_at > broadcasts.created_at))
);
