-- Issue 19: searching contacts, leads and tickets (`q`, a substring of a
-- name, phone, email, ticket number or subject…) scanned every row of the
-- workspace, as the customer search did before migration 000039. The same
-- trigram index on their search text; skipped, and search scans as before,
-- where pg_trgm is missing or may not be created (000039 says why that is
-- safe).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX contacts_search_trgm_idx ON contacts USING gin (search_text gin_trgm_ops);
        CREATE INDEX leads_search_trgm_idx ON leads USING gin (search_text gin_trgm_ops);
        CREATE INDEX tickets_search_trgm_idx ON tickets USING gin (search_text gin_trgm_ops);
    ELSE
        RAISE NOTICE 'pg_trgm is not available: contact, lead and ticket search will scan';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_trgm may not be created here: contact, lead and ticket search will scan';
END
$$;
