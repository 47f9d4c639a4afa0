DROP INDEX IF EXISTS contacts_search_trgm_idx;
DROP INDEX IF EXISTS leads_search_trgm_idx;
DROP INDEX IF EXISTS tickets_search_trgm_idx;
