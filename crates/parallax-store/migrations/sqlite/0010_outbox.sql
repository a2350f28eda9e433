-- Mail waiting to go out, written in the transaction of what caused it and
-- claimed by one worker (status queued → sending → sent, or failed after the
-- last attempt). `message_id` stays the same across retries so receivers
-- drop a duplicate sent after a crash; `unsubscribe_hash` is the hash of the
-- mail's one-click unsubscribe secret.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    unsubscribe_hash TEXT UNIQUE,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_at INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
-- The kinds of mail a person turned off (one-click unsubscribe or settings).
CREATE TABLE mail_opt_outs (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind)
);
