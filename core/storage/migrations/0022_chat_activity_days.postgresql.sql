-- PostgreSQL form of 0022_chat_activity_days.sql: BIGINT peers and epoch seconds, no WITHOUT
-- ROWID, and SQLite's sum of a comparison spelled as a CASE (PostgreSQL does not sum booleans).
CREATE TABLE chat_activity_days (
    peer_id BIGINT NOT NULL,
    day INTEGER NOT NULL,
    messages INTEGER NOT NULL DEFAULT 0,
    events INTEGER NOT NULL DEFAULT 0,
    last_ts BIGINT NOT NULL,
    PRIMARY KEY (peer_id, day)
);

-- The raw log as it stands, but for the ranges an interrupted bulk ingest left uncounted:
-- ActivityStore.recover() counts those (both tables) later.
INSERT INTO chat_activity_days (peer_id, day, messages, events, last_ts)
SELECT f.peer_id, f.ts / 86400, sum(CASE WHEN f.kind = 2 THEN 1 ELSE 0 END), count(*), max(f.ts)
FROM activity_facts f
WHERE f.peer_id >= 2000000000
  AND NOT EXISTS (
      SELECT 1 FROM activity_uncounted u WHERE f.id BETWEEN u.first_id AND u.last_id
  )
GROUP BY f.peer_id, f.ts / 86400;
