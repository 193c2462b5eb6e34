-- Issue 19, part M1: threshold periods and the "writing" metrics of the monitoring.

-- Which official threshold set a region is coloured by: the regions' methodology changed on
-- 15.11.2022 (core/activity/thresholds.py, Period). No row: the current set ("from").
-- A region's own per-metric values (monitoring_thresholds) stay on top of the chosen set.
CREATE TABLE monitoring_threshold_periods (
    region_code TEXT PRIMARY KEY,
    period TEXT NOT NULL CHECK (period IN ('before-2022-11-15', 'from-2022-11-15')),
    updated_at TEXT NOT NULL
);

-- Messages a person wrote that week in any chat activity records: group chats and private
-- messages to the bots (group-chat messages alone stay in chat_messages, for writers3/10).
-- Rows written before this column existed know only their group-chat messages; the private ones
-- are counted again from the raw log by `sferum monitoring rebuild`.
ALTER TABLE activity_weekly ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
UPDATE activity_weekly SET messages = chat_messages;

-- Teachers / students who wrote at least one message that week ("Активные педагоги
-- (сообщения)", "Активные обучающиеся (сообщения)"), as the regions' municipal tables count them.
ALTER TABLE monitoring_platform_stats ADD COLUMN teachers_writing INTEGER;
ALTER TABLE monitoring_platform_stats ADD COLUMN students_writing INTEGER;
ALTER TABLE monitoring_school_weeks ADD COLUMN teachers_writing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monitoring_school_weeks ADD COLUMN students_writing INTEGER NOT NULL DEFAULT 0;
-- Snapshots taken before the columns existed would show nobody writing: computed again.
DELETE FROM monitoring_school_weeks;
