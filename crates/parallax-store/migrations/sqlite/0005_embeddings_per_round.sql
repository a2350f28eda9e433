-- Cached vectors are keyed by round, author, question, answer version and
-- text from now on (parallax_app::analysis::vector_key); rows keyed by text
-- alone are dropped.
-- The cache is rebuilt on demand.
DELETE FROM embeddings;
