-- Backtrack store on PostgreSQL, version 2: the turn journal (as SQLite's schema_2.sql).

CREATE TABLE IF NOT EXISTS turns (
    id           TEXT PRIMARY KEY,
    conversation TEXT NOT NULL,
    person       TEXT NOT NULL,
    boot         TEXT NOT NULL,
    what         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('running', 'done', 'interrupted')),
    started_at   DOUBLE PRECISION NOT NULL,
    updated_at   DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_state ON turns (state, started_at);
