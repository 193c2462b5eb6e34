-- The cabinet's «Приглашения по ссылке» (core/cabinet/invites.py) lists who used an invite link and
-- when. Verification.use_invite writes the row in the same transaction that counts the use; one row
-- per person and invite (opening the same link again uses up nothing). Uses counted before this
-- table existed are only in invites.uses.
CREATE TABLE invite_uses (
    id INTEGER PRIMARY KEY,
    invite_id INTEGER NOT NULL REFERENCES invites (id),
    person_id INTEGER NOT NULL REFERENCES persons (id),
    at TEXT NOT NULL,
    UNIQUE (invite_id, person_id)
);
CREATE INDEX invites_org ON invites (org_id, created_at);
-- The VK community a join request was filed in (the bot's dialog): a decision taken in the cabinet
-- reaches the person from the community they wrote to. NULL for requests filed before.
ALTER TABLE join_requests ADD COLUMN community_id INTEGER;
