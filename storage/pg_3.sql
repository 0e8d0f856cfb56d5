-- Backtrack store on PostgreSQL, version 3: settings per person (as SQLite's schema_3.sql).

CREATE TABLE IF NOT EXISTS preferences (
    person     TEXT PRIMARY KEY,
    mood       TEXT,
    level      DOUBLE PRECISION,
    fade_out   BOOLEAN NOT NULL DEFAULT FALSE,
    delivery   TEXT NOT NULL DEFAULT 'video' CHECK (delivery IN ('video', 'file')),
    language   TEXT NOT NULL DEFAULT 'auto' CHECK (language IN ('auto', 'en', 'zh')),
    updated_at DOUBLE PRECISION NOT NULL
);
