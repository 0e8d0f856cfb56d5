-- Backtrack store, version 4: limits several bot processes share. `rate_events` are the
-- accepted events of a sliding-window rate limit (dropped once out of every window);
-- `turn_leases` say which process runs a conversation's turn (renewed while it runs, so a dead
-- process's lease expires) and carry a cancel request from any process to the one running it.

CREATE TABLE IF NOT EXISTS rate_events (
    key         TEXT NOT NULL,
    at          REAL NOT NULL,
    expires_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_events_by_key ON rate_events (key, at);
CREATE INDEX IF NOT EXISTS rate_events_by_expiry ON rate_events (expires_at);

CREATE TABLE IF NOT EXISTS turn_leases (
    conversation TEXT PRIMARY KEY,
    turn_id      TEXT NOT NULL,
    boot         TEXT NOT NULL,
    label        TEXT NOT NULL,
    expires_at   REAL NOT NULL,
    cancel       INTEGER NOT NULL DEFAULT 0
);
