-- Backtrack store on PostgreSQL, version 1 (the same tables as SQLite's schema.sql). Times are
-- UNIX seconds (DOUBLE PRECISION: PostgreSQL's REAL is 4 bytes and would round them to minutes).
-- `seq` columns give the insertion order SQLite's rowid gives.

CREATE TABLE IF NOT EXISTS conversations (
    key         TEXT PRIMARY KEY,
    engine      TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    language    TEXT NOT NULL DEFAULT 'en',
    created_at  DOUBLE PRECISION NOT NULL,
    updated_at  DOUBLE PRECISION NOT NULL
);

CREATE TABLE IF NOT EXISTS drafts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  TEXT NOT NULL,
    draft_json  TEXT NOT NULL,
    created_at  DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS drafts_by_session ON drafts (session_id, id);

CREATE TABLE IF NOT EXISTS media (
    id          TEXT PRIMARY KEY,
    seq         BIGINT GENERATED ALWAYS AS IDENTITY,
    session_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    path        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    duration    DOUBLE PRECISION,
    width       INTEGER,
    height      INTEGER,
    created_at  DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS media_by_session ON media (session_id, created_at);

CREATE TABLE IF NOT EXISTS renders (
    id           TEXT PRIMARY KEY,
    seq          BIGINT GENERATED ALWAYS AS IDENTITY,
    conversation TEXT NOT NULL,
    person       TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    engine       TEXT NOT NULL,
    state        TEXT NOT NULL
                 CHECK (state IN ('queued', 'running', 'done', 'failed', 'interrupted',
                                  'cancelled')),
    progress     DOUBLE PRECISION NOT NULL DEFAULT 0,
    remote_id    TEXT,
    output_path  TEXT,
    output_url   TEXT,
    error        TEXT,
    created_at   DOUBLE PRECISION NOT NULL,
    updated_at   DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS renders_by_state ON renders (state);
CREATE INDEX IF NOT EXISTS renders_by_person ON renders (person, created_at);

CREATE TABLE IF NOT EXISTS named_values (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS updates (
    platform   TEXT NOT NULL,
    update_id  TEXT NOT NULL,
    seen_at    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (platform, update_id)
);
CREATE INDEX IF NOT EXISTS updates_by_time ON updates (seen_at);
