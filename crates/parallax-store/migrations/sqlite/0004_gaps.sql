-- The gap register: gaps from revealed rounds, their actions, comments on
-- actions, each gap's history, and dismissed proposals.
CREATE TABLE gaps (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    question_key TEXT,
    participant_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    proposal_key TEXT,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    description TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    decision TEXT NOT NULL,
    theme TEXT,
    version INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX gaps_workspace ON gaps (workspace_id, id);
-- A proposal becomes a gap once, also when two people accept it at once.
CREATE UNIQUE INDEX gaps_proposal ON gaps (round_id, proposal_key);
CREATE TABLE gap_actions (
    id INTEGER PRIMARY KEY,
    gap_id INTEGER NOT NULL REFERENCES gaps (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    owner_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    due_at INTEGER,
    status TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX gap_actions_gap ON gap_actions (gap_id);
CREATE INDEX gap_actions_owner ON gap_actions (owner_id, status);
CREATE TABLE action_comments (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES gap_actions (id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX action_comments_action ON action_comments (action_id);
CREATE TABLE gap_events (
    id INTEGER PRIMARY KEY,
    gap_id INTEGER NOT NULL REFERENCES gaps (id) ON DELETE CASCADE,
    actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    what TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX gap_events_gap ON gap_events (gap_id);
CREATE TABLE gap_dismissals (
    round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    proposal_key TEXT NOT NULL,
    dismissed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    dismissed_at INTEGER NOT NULL,
    PRIMARY KEY (round_id, proposal_key)
);
