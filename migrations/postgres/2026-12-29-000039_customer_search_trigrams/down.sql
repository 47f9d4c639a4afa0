DROP INDEX IF EXISTS customers_search_trgm_idx;
