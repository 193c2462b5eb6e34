-- Per group chat and UTC day: what the cabinet's «Чаты сообщества» reads instead of the raw log
-- (core/cabinet/chats.py), maintained at ingest next to activity_weekly (core/activity/store.py).
-- ``peer_id`` is a VK chat peer (>= 2000000000; private messages have the user's id and are not
-- here); ``day`` the UTC epoch day (ts / 86400); ``messages`` the group-chat messages
-- (activity_kinds code 2), ``events`` every event recorded in the chat, ``last_ts`` the latest
-- (UTC epoch seconds, always inside the day). Every event counts, a known person's or not.
CREATE TABLE chat_activity_days (
    peer_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    messages INTEGER NOT NULL DEFAULT 0,
    events INTEGER NOT NULL DEFAULT 0,
    last_ts INTEGER NOT NULL,
    PRIMARY KEY (peer_id, day)
) WITHOUT ROWID;

-- The raw log as it stands, but for the ranges an interrupted bulk ingest left uncounted:
-- ActivityStore.recover() counts those (both tables) later.
INSERT INTO chat_activity_days (peer_id, day, messages, events, last_ts)
SELECT f.peer_id, f.ts / 86400, sum(f.kind = 2), count(*), max(f.ts)
FROM activity_facts f
WHERE f.peer_id >= 2000000000
  AND NOT EXISTS (
      SELECT 1 FROM activity_uncounted u WHERE f.id BETWEEN u.first_id AND u.last_id
  )
GROUP BY f.peer_id, f.ts / 86400;
