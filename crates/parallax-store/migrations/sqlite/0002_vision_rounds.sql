-- Visions (versioned), alignment rounds, blind answers, the listening session.
CREATE TABLE vision_versions (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    questions TEXT NOT NULL,
    pillars TEXT NOT NULL,
    frozen INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    vision_version_id INTEGER NOT NULL REFERENCES vision_versions (id),
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    due_at INTEGER,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    revealed_at INTEGER,
    closed_at INTEGER
);
CREATE INDEX rounds_workspace ON rounds (workspace_id, id);
CREATE TABLE round_participants (
    round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    submitted_at INTEGER,
    excluded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, user_id)
);
CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    value TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (round_id, user_id, question_key)
);
CREATE TABLE listening_notes (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    participant_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    flag TEXT,
    version INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (round_id, question_key, participant_id)
);
CREATE TABLE clarifications (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    participant_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    asked_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    question TEXT NOT NULL,
    answer TEXT,
    asked_at INTEGER NOT NULL,
    answered_at INTEGER
);
CREATE INDEX clarifications_round ON clarifications (round_id);
