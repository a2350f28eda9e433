-- The analysis engine: embeddings cached by text hash, one analysis per round,
-- and the per-workspace switch.
CREATE TABLE embeddings (
    text_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    vector BYTEA NOT NULL,
    PRIMARY KEY (text_hash, model)
);
CREATE TABLE round_analyses (
    round_id BIGINT PRIMARY KEY REFERENCES rounds (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    method TEXT,
    result TEXT,
    error TEXT,
    requested_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
ALTER TABLE workspaces ADD COLUMN analysis_enabled BIGINT NOT NULL DEFAULT 1;
