-- Pushkin-card events imported from PRO.Культура.РФ (API v2.5 format).
-- Times are UTC ISO strings, so text comparison is time order.
CREATE TABLE pushkin_card_events (
    id INTEGER PRIMARY KEY,              -- the API's _id
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,              -- our key (theatre, museum, ...)
    category_name TEXT NOT NULL,         -- as the API names it
    age_limit INTEGER NOT NULL,
    is_free INTEGER NOT NULL,
    price INTEGER,
    max_price INTEGER,
    sale_link TEXT,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    imported_at TEXT NOT NULL
);
CREATE INDEX pushkin_card_events_ends ON pushkin_card_events (ends_at);

-- Free-text search: name, category, description and places, casefolded with ё→е, and the
-- event's cities (so a broad word is looked up within the city); rowid is the event id.
-- Queried with stems as prefixes ("ревизор"* finds «Ревизора»).
CREATE VIRTUAL TABLE pushkin_card_search USING fts5 (text, cities, tokenize = 'unicode61');

-- One row per seance per place, so "soonest first" and date filters work per session.
-- kind: 'seance' (a timed show), 'hours' (an opening-hours seance of an exhibition or museum,
-- open to walk in while it lasts), 'run' (a place without seances: open for the whole run).
-- category and age_limit are copied from the event so the listing never joins.
CREATE TABLE pushkin_card_sessions (
    event_id INTEGER NOT NULL,
    place_no INTEGER NOT NULL,
    place_name TEXT NOT NULL,
    address TEXT NOT NULL,
    city TEXT NOT NULL,
    region_code TEXT,
    timezone TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('seance', 'hours', 'run')),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    category TEXT NOT NULL,
    age_limit INTEGER NOT NULL
);
-- Indexes are few and narrow: every one costs on a 50,000-event import.
CREATE INDEX pushkin_card_sessions_city_start ON pushkin_card_sessions (city, starts_at);
CREATE INDEX pushkin_card_sessions_city_runs ON pushkin_card_sessions (city, ends_at)
    WHERE kind = 'run';
CREATE INDEX pushkin_card_sessions_event ON pushkin_card_sessions (event_id);

-- Cities with events, refreshed after every import (the city picker reads it).
CREATE TABLE pushkin_card_cities (
    city TEXT PRIMARY KEY,
    region_code TEXT,
    timezone TEXT NOT NULL,
    events INTEGER NOT NULL
);

-- What the last imports did; the API importer continues from its watermark.
CREATE TABLE pushkin_card_imports (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,                -- 'file:<path>' or 'api'
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    imported INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    reasons TEXT NOT NULL,               -- JSON {reason: count}
    watermark_ms INTEGER                 -- the latest event start seen (API incremental updates)
);

CREATE TABLE pushkin_card_favourites (
    person_id INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    vk_user_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,           -- the community that will send the reminder
    created_at TEXT NOT NULL,
    PRIMARY KEY (person_id, event_id)
);
CREATE INDEX pushkin_card_favourites_event ON pushkin_card_favourites (event_id);

-- Weekly digest subscriptions: one city per person.
CREATE TABLE pushkin_card_digest_subscriptions (
    person_id INTEGER PRIMARY KEY,
    city TEXT NOT NULL,
    vk_user_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX pushkin_card_digest_city ON pushkin_card_digest_subscriptions (city);

-- Teachers' recommendations: which broadcast carried which event to which class.
CREATE TABLE pushkin_card_recommendations (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL,
    teacher_person_id INTEGER NOT NULL,
    class_group_id INTEGER NOT NULL,
    broadcast_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
