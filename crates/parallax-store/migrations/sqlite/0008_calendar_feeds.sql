-- Each person's private calendar feed: one live link per account, stored as
-- the hash of its secret; replacing the link overwrites the row, turning the
-- feed off deletes it.
CREATE TABLE calendar_feeds (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
