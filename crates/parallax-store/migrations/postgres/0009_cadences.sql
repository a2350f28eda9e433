-- A workspace's cadence: its rounds recur by an RFC 5545 rule anchored at a
-- first date and a local time in an IANA zone. `participants` is a JSON
-- array of user ids; `session_days` puts the listening session that many
-- days after the due date (NULL: none planned).
CREATE TABLE cadences (
    workspace_id BIGINT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    first_date TEXT NOT NULL,
    local_time TEXT NOT NULL,
    answer_days BIGINT NOT NULL,
    session_days BIGINT,
    participants TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    updated_at BIGINT NOT NULL
);
-- One occurrence skipped (moved_to NULL) or moved, keyed by its planned time.
CREATE TABLE cadence_changes (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    planned_at BIGINT NOT NULL,
    moved_to BIGINT,
    PRIMARY KEY (workspace_id, planned_at)
);
-- An occurrence the scheduler took: the row is the claim (one instance
-- wins the insert), round_id the round it opened (NULL: missed while the
-- server was down, or the opening failed).
CREATE TABLE cadence_runs (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    planned_at BIGINT NOT NULL,
    round_id BIGINT REFERENCES rounds (id) ON DELETE SET NULL,
    opened_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, planned_at)
);
-- When the listening session of a round is planned, if it is.
ALTER TABLE rounds ADD COLUMN session_at BIGINT;
