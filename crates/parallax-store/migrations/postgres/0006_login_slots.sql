-- A sign-in attempt takes its slot before the password is checked
-- (Store::take_login_slot): `slot` names the row so that a successful
-- attempt can give its slot back, and `login_throttle` holds one row per
-- client address and per account whose lock serialises the attempts of
-- that key, so parallel attempts cannot all pass the limit.
ALTER TABLE login_failures ADD COLUMN slot TEXT;
CREATE INDEX login_failures_slot ON login_failures (slot);
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY
);
