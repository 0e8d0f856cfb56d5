-- Backtrack store, version 2: the turn journal. A turn still 'running' under another process
-- (boot) was cut short by a restart; the next start tells its chat and marks it 'interrupted'.

CREATE TABLE IF NOT EXISTS turns (
    id           TEXT PRIMARY KEY,
    conversation TEXT NOT NULL,
    person       TEXT NOT NULL,
    boot         TEXT NOT NULL,
    what         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('running', 'done', 'interrupted')),
    started_at   REAL NOT NULL,
    updated_at   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_state ON turns (state, started_at);
