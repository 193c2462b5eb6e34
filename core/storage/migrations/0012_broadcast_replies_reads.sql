-- Broadcasts both ways: what recipients answered, and who has read a broadcast.
--
-- A recipient's answer to a broadcast: a message that replies to or forwards the broadcast's
-- message, or one typed in the community's dialog right after it. Kept for its author, who reads
-- them in the counsellor's bot and may answer each one (answered_at, the last answer's text).
CREATE TABLE broadcast_replies (
    id INTEGER PRIMARY KEY,
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id),
    person_id INTEGER NOT NULL REFERENCES persons (id),
    group_id INTEGER NOT NULL,  -- the community the answer was written to
    peer_id INTEGER NOT NULL,  -- the person's VK id: where an answer back goes
    vk_message_id INTEGER NOT NULL DEFAULT 0,
    cmid INTEGER NOT NULL,  -- conversation_message_id: one answer is stored once
    how TEXT NOT NULL CHECK (how IN ('reply', 'forward', 'after')),
    text TEXT NOT NULL,
    attachments INTEGER NOT NULL DEFAULT 0,  -- photos, documents... sent with it (not kept)
    created_at TEXT NOT NULL,
    answered_at TEXT,
    answer_text TEXT,
    -- the VK message id of the author's last answer: what the person types right after it (or
    -- replies to it) goes on the same conversation, under the same broadcast
    answer_message_id INTEGER,
    answers INTEGER NOT NULL DEFAULT 0,
    UNIQUE (group_id, peer_id, cmid)
);
CREATE INDEX broadcast_replies_broadcast ON broadcast_replies (broadcast_id, id);
CREATE INDEX broadcast_replies_person ON broadcast_replies (person_id, group_id);

-- When VK reported the recipient had read the broadcast (messages.getConversationsById: the
-- conversation's out_read reached the delivered message id). NULL: not read, or not known yet.
ALTER TABLE broadcast_deliveries ADD COLUMN read_at TEXT;

-- The last look at VK's read marks for a broadcast, and where it stopped (a person id): each
-- look asks about a bounded number of recipients, the next one goes on after them.
CREATE TABLE broadcast_read_checks (
    broadcast_id INTEGER PRIMARY KEY REFERENCES broadcasts (id),
    checked_at TEXT NOT NULL,
    after_person_id INTEGER NOT NULL DEFAULT 0
);
