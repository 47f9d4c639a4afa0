-- Issue 19: searching the customer list (`q`, a substring of the name, email,
-- phone, external id…) scanned every customer of the workspace when few
-- matched: 2–4 s at a million customers. A trigram index finds the rows that
-- contain a search of three characters or more; shorter searches scan as
-- before. It cannot lead with workspace_id (a GIN index of trigrams): its
-- hits are filtered by workspace. pg_trgm ships with PostgreSQL (contrib) and
-- is a trusted extension; where it is missing or may not be created, the
-- index is skipped and search scans as before.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX customers_search_trgm_idx ON customers USING gin (search_text gin_trgm_ops);
    ELSE
        RAISE NOTICE 'pg_trgm is not available: customer search will scan';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_trgm may not be created here: customer search will scan';
END
$$;
