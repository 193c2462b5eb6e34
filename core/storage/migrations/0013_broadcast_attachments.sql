-- Files sent with a broadcast: VK attachment strings ("doc-1_2,photo-1_3_key"), uploaded once
-- when the broadcast is made and passed as messages.send's attachment to every batch, so every
-- recipient gets the same files and nothing is uploaded again for a retry or a weekly run.
ALTER TABLE broadcasts ADD COLUMN attachment TEXT;
