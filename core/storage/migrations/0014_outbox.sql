-- Messages a bot sends by itself (a reminder, an alert, a relayed answer), core/outbox: one row
-- per message, held back until the recipient's quiet hours end. The row is the delivery log:
-- (kind, key) names the message, so asking again for the same one never sends it twice, and a
-- claim ('sending' until claimed_until) lets one worker send it while a crashed one's claim
-- runs out. Its scheduled job (scheduled_jobs 'outbox:<id>') is what survives a restart.
CREATE TABLE outbox_messages (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    group_id INTEGER NOT NULL,
    person_id INTEGER,
    peer_id INTEGER,
    on_behalf_of INTEGER,
    text TEXT NOT NULL,
    keyboard TEXT,
    attachment TEXT,
    random_id INTEGER NOT NULL,
    state TEXT NOT NULL
        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    reason TEXT,
    not_before TEXT NOT NULL,
    deferred INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_until TEXT,
    message_id INTEGER,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (kind, key)
);
CREATE INDEX outbox_messages_open ON outbox_messages (not_before)
    WHERE state IN ('pending', 'sending');
