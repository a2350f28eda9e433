-- A listening-session note is the leader's own unless they share it with
-- the participant it is about (1).
ALTER TABLE listening_notes ADD COLUMN shared BIGINT NOT NULL DEFAULT 0;
