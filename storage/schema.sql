-- Backtrack store, version 1. Times are UNIX seconds (REAL). Paths are relative to the data folder.

CREATE TABLE IF NOT EXISTS conversations (
    key         TEXT PRIMARY KEY,
    engine      TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    language    TEXT NOT NULL DEFAULT 'en',
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
);

-- Every version of a session's timeline; the newest row is the current one (undo drops it).
CREATE TABLE IF NOT EXISTS drafts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  TEXT NOT NULL,
    draft_json  TEXT NOT NULL,
    created_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS drafts_by_session ON drafts (session_id, id);

CREATE TABLE IF NOT EXISTS media (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    path        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    duration    REAL,
    width       INTEGER,
    height      INTEGER,
    created_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS media_by_session ON media (session_id, created_at);

CREATE TABLE IF NOT EXISTS renders (
    id           TEXT PRIMARY KEY,
    conversation TEXT NOT NULL,
    person       TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    engine       TEXT NOT NULL,
    state        TEXT NOT NULL
                 CHECK (state IN ('queued', 'running', 'done', 'failed', 'interrupted',
                                  'cancelled')),
    progress     REAL NOT NULL DEFAULT 0,
    remote_id    TEXT,
    output_path  TEXT,
    output_url   TEXT,
    error        TEXT,
    created_at   REAL NOT NULL,
    updated_at   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS renders_by_state ON renders (state);
CREATE INDEX IF NOT EXISTS renders_by_person ON renders (person, created_at);

-- Small named values: the NemoVideo token and client id, the link secret.
CREATE TABLE IF NOT EXISTS named_values (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Platform update ids already handled, so a re-delivered update is not handled twice.
CREATE TABLE IF NOT EXISTS updates (
    platform   TEXT NOT NULL,
    update_id  TEXT NOT NULL,
    seen_at    REAL NOT NULL,
    PRIMARY KEY (platform, update_id)
) WITHOUT ROWID;
