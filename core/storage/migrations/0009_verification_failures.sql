-- Journal codes are limited per person and, against guessing with many accounts, across everyone:
-- the global budget counts recent failures of all users on every attempt, so it needs its index.
CREATE INDEX verification_attempts_failures ON verification_attempts (at) WHERE success = 0;
