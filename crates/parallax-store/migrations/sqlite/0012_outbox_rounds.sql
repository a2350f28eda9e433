-- A reminder about a round (a nudge before the due date) names it, so the
-- worker can drop it when the person has submitted by then.
ALTER TABLE outbox ADD COLUMN round_id INTEGER REFERENCES rounds (id) ON DELETE CASCADE;
