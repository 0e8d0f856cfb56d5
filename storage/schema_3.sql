-- Backtrack store, version 3: settings per person (core.preferences). NULL mood or level means
-- "as the bot decides"; a person without a row has every default.

CREATE TABLE IF NOT EXISTS preferences (
    person     TEXT PRIMARY KEY,
    mood       TEXT,
    level      REAL,
    fade_out   INTEGER NOT NULL DEFAULT 0,
    delivery   TEXT NOT NULL DEFAULT 'video' CHECK (delivery IN ('video', 'file')),
    language   TEXT NOT NULL DEFAULT 'auto' CHECK (language IN ('auto', 'en', 'zh')),
    updated_at REAL NOT NULL
);
