-- Callback API events are claimed before they are handled and marked done after
-- (core/runtime/processed_events.py): a claim that is still 'in_progress' when its lease runs out
-- belongs to a process that died, and VK's next retry handles the event again. Rows from before
-- this migration were recorded on receipt; they count as done. Rows older than VK's retry
-- horizon are pruned, hence the index.
ALTER TABLE processed_events ADD COLUMN status TEXT NOT NULL DEFAULT 'done'
    CHECK (status IN ('in_progress', 'done'));
ALTER TABLE processed_events ADD COLUMN lease_until TEXT;
CREATE INDEX processed_events_received ON processed_events (received_at);
