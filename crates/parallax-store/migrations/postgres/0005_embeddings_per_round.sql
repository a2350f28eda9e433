-- Cached vectors are keyed by round, author and text from now on (see
-- parallax_app::analysis::vector_key); rows keyed by text alone are dropped.
-- The cache is rebuilt on demand.
DELETE FROM embeddings;
