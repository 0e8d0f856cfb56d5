-- Backtrack store on PostgreSQL, version 4: shared limits (as SQLite's schema_4.sql).

CREATE TABLE IF NOT EXISTS rate_events (
    key         TEXT NOT NULL,
    at          DOUBLE PRECISION NOT NULL,
    expires_at  DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_events_by_key ON rate_events (key, at);
CREATE INDEX IF NOT EXISTS rate_events_by_expiry ON rate_events (expires_at);

CREATE TABLE IF NOT EXISTS turn_leases (
    conversation TEXT PRIMARY KEY,
    turn_id      TEXT NOT NULL,
    boot         TEXT NOT NULL,
    label        TEXT NOT NULL,
    expires_at   DOUBLE PRECISION NOT NULL,
    cancel       BOOLEAN NOT NULL DEFAULT FALSE
);
