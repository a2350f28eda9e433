-- The analysis engine: embeddings cached by text hash, one analysis per round,
-- and the per-workspace switch.
CREATE TABLE embeddings (
    text_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (text_hash, model)
);
CREATE TABLE round_analyses (
    round_id INTEGER PRIMARY KEY REFERENCES rounds (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    method TEXT,
    result TEXT,
    error TEXT,
    requested_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER
);
ALTER TABLE workspaces ADD COLUMN analysis_enabled INTEGER NOT NULL DEFAULT 1;
