-- PostgreSQL only (a trigram index for customer search); SQLite's embedded
-- workspaces scan.
SELECT 1;
