-- PostgreSQL form of 0010_broadcast_org.sql: BIGINT org_id, and json_extract as json operators
-- on the TEXT audience (JSON columns stay TEXT on both engines).
ALTER TABLE broadcasts ADD COLUMN org_id BIGINT REFERENCES organisations (id);
ALTER TABLE broadcasts ADD COLUMN stop_reason TEXT;
-- Broadcasts made before: the audience's organisation, its first class's, or else (a list of
-- persons) the organisation where the author was staff when it was made.
UPDATE broadcasts SET org_id = coalesce(
    (audience::json ->> 'org_id')::bigint,
    (SELECT g.org_id FROM groups g
        WHERE g.id = (broadcasts.audience::json -> 'group_ids' ->> 0)::bigint),
    (SELECT min(r.org_id) FROM roles r WHERE r.person_id = broadcasts.author_person_id
        AND r.role = 'staff' AND r.granted_at <= broadcasts.created_at
        AND (r.revoked_at IS NULL OR r.revoked_at > broadcasts.created_at))
);
